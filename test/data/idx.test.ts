import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdx, DatasetFormatError } from '../../src/data/index.js';

/** A 2×2×3 ubyte IDX file: magic 00 00 08 03, dims 2, 2, 3, then 12 values. */
function smallIdx(): Uint8Array {
  return Uint8Array.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, ...Array.from({ length: 12 }, (_, i) => i * 20)]);
}

describe('parseIdx', () => {
  it('reads dims and values from a hand-made file', () => {
    const { dims, data } = parseIdx(smallIdx(), 'small.idx', 3);
    assert.deepEqual(dims, [2, 2, 3]);
    assert.deepEqual([...data], Array.from({ length: 12 }, (_, i) => i * 20));
  });

  it('reads big-endian dims above 255', () => {
    const bytes = new Uint8Array(8 + 300);
    bytes.set([0, 0, 8, 1, 0, 0, 0x01, 0x2c]);
    assert.deepEqual(parseIdx(bytes, 'labels.idx', 1).dims, [300]);
  });

  it('names file and byte offset for a wrong magic', () => {
    const bytes = smallIdx();
    bytes[1] = 0x8b; // as if the file were still gzip data
    assert.throws(
      () => parseIdx(bytes, 'train-images-idx3-ubyte', 3),
      (err: unknown) =>
        err instanceof DatasetFormatError &&
        /^train-images-idx3-ubyte @ byte 1: bad IDX magic/.test(err.message) &&
        err.message.includes('0x00 0x8b 0x08 0x03'),
    );
    const first = smallIdx();
    first[0] = 0x1f;
    assert.throws(() => parseIdx(first, 'f.idx'), /f\.idx @ byte 0: bad IDX magic/);
  });

  it('refuses other value types, the wrong rank and a truncated body', () => {
    const float = smallIdx();
    float[2] = 0x0d;
    assert.throws(() => parseIdx(float, 'f.idx'), /f\.idx @ byte 2: IDX type 0x0d \(float32\)/);
    assert.throws(() => parseIdx(smallIdx(), 'r.idx', 1), /r\.idx @ byte 3: IDX rank 3, expected 1/);
    assert.throws(() => parseIdx(smallIdx().subarray(0, 20), 't.idx'), /t\.idx @ byte 16: header dims \[2, 2, 3\] need 12 data bytes/);
    assert.throws(() => parseIdx(Uint8Array.from([0, 0]), 'tiny.idx'), /needs 4 bytes, file has 2/);
  });
});
