import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batches, createRng, randomShift, randomHorizontalFlip, type DatasetBatch } from '../../src/data/index.js';
import { indexedDataset, randomDataset } from './synthetic.js';

function firstBatch(seed = 2): DatasetBatch {
  const b = batches(randomDataset(8, [2, 6, 5], seed), { batchSize: 8, reuseBuffers: false }).next().value;
  assert.ok(b);
  return b;
}

describe('randomShift', () => {
  it('is the identity for maxShift 0 and keeps the shape', () => {
    const b = firstBatch();
    const before = b.images.slice();
    const out = randomShift(b, 0, createRng(1));
    assert.equal(out, b);
    assert.deepEqual(out.images, before);
    assert.deepEqual(out.shape, [8, 2, 6, 5]);
  });

  it('moves pixels by the drawn offsets and fills with zeros', () => {
    const b = firstBatch();
    const before = b.images.slice();
    const rng = createRng(77);
    randomShift(b, 2, rng);
    assert.deepEqual(b.shape, [8, 2, 6, 5]);
    assert.equal(b.images.length, before.length);
    // Replay the same draws: per image, dy then dx, each in [-2, 2].
    const replay = createRng(77);
    let moved = 0;
    for (let i = 0; i < 8; i++) {
      const dy = replay.int(5) - 2;
      const dx = replay.int(5) - 2;
      if (dy !== 0 || dx !== 0) moved++;
      for (let c = 0; c < 2; c++) {
        for (let y = 0; y < 6; y++) {
          for (let x = 0; x < 5; x++) {
            const sy = y - dy;
            const sx = x - dx;
            const inside = sy >= 0 && sy < 6 && sx >= 0 && sx < 5;
            const want = inside ? before[((i * 2 + c) * 6 + sy) * 5 + sx]! : 0;
            assert.equal(b.images[((i * 2 + c) * 6 + y) * 5 + x], want, `image ${i} (${dy},${dx}) c${c} y${y} x${x}`);
          }
        }
      }
    }
    assert.ok(moved > 0, 'the seed should move at least one image');
  });

  it('rejects shifts that would empty the image', () => {
    assert.throws(() => randomShift(firstBatch(), 5, createRng(1)), /maxShift must be an integer in \[0, 4\] for 6×5 images, got 5/);
    assert.throws(() => randomShift(firstBatch(), -1, createRng(1)), /got -1/);
  });
});

describe('randomHorizontalFlip', () => {
  it('mirrors rows with probability 1, is the identity with 0, and is seeded', () => {
    const b = batches(indexedDataset(2, [1, 2, 3]), { batchSize: 2 }).next().value as DatasetBatch;
    const before = b.images.slice();
    randomHorizontalFlip(b, createRng(1), 0);
    assert.deepEqual(b.images, before);
    randomHorizontalFlip(b, createRng(1), 1);
    assert.deepEqual([...b.images.subarray(0, 6)].map((v) => Math.round(v * 1000)), [2, 1, 0, 5, 4, 3]);
    assert.deepEqual(b.shape, [2, 1, 2, 3]);
    const x = firstBatch();
    const y = firstBatch();
    randomHorizontalFlip(x, createRng(4));
    randomHorizontalFlip(y, createRng(4));
    assert.deepEqual(x.images, y.images);
    assert.throws(() => randomHorizontalFlip(x, createRng(1), 1.5), /probability must be in \[0, 1\], got 1.5/);
  });
});
