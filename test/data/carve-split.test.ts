/**
 * The test split carved from a folder without split folders: disjoint from train, together the
 * whole folder, 1 in 6 of each class, the same for the same seed, and a prefix (--limit) carves
 * the prefix of the full carve. Each image's pixel value is its own id, so the splits are read
 * back from the decoded pixels rather than from the carve's own indices.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { carveTestSplit, loadDatasetPath, makeDataset } from '../../src/data/index.js';
import { writeGrayPng } from '../helpers/image-folder.js';

const root = mkdtempSync(join(tmpdir(), 'pq-carve-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Classes of 12, 13 and 7 images; image k of class c has every pixel 100c + k + 1 (so ids < 256).
const SIZES = [12, 13, 7];
const folder = join(root, 'ids');
SIZES.forEach((n, c) => {
  for (let k = 0; k < n; k++) writeGrayPng(join(folder, `class${c}`, `${String(k).padStart(2, '0')}.png`), 2, 2, () => 80 * c + k + 1);
});
const ids = (images: Float32Array) => Array.from({ length: images.length / 4 }, (_, i) => Math.round(images[4 * i]! * 255));

describe('carved test split of a folder without split folders', () => {
  const load = (carveSeed: number | undefined, limit?: number) =>
    loadDatasetPath(folder, { shape: [1, 2, 2], ...(carveSeed !== undefined ? { carveSeed } : {}), ...(limit !== undefined ? { limit } : {}) });

  it('without a seed, the whole folder is both train and test', () => {
    const d = load(undefined);
    assert.equal(d.splits, 'whole');
    assert.equal(d.test.count, 32);
  });

  it('is disjoint from train, together the whole folder, labels kept, and about 1 in 6 of each class', () => {
    const d = load(0);
    assert.equal(d.splits, 'carved');
    assert.deepEqual(d.carve, { seed: 0, oneIn: 6 });
    const train = ids(d.train.images), test = ids(d.test.images);
    assert.equal(new Set([...train, ...test]).size, 32);
    assert.deepEqual([...train, ...test].sort((a, b) => a - b), SIZES.flatMap((n, c) => Array.from({ length: n }, (_, k) => 80 * c + k + 1)).sort((a, b) => a - b));
    [...d.test.labels].forEach((y, i) => assert.equal(y, Math.floor((test[i]! - 1) / 80)));
    [...d.train.labels].forEach((y, i) => assert.equal(y, Math.floor((train[i]! - 1) / 80)));
    // Whole blocks of 6 give exactly one each; a class's last, shorter block gives at most one.
    const perClass = SIZES.map((_, c) => test.filter((v) => Math.floor((v - 1) / 80) === c).length);
    assert.equal(perClass[0], 2);
    assert.ok(perClass[1]! >= 2 && perClass[1]! <= 3, `class 1: ${perClass[1]}`);
    assert.ok(perClass[2]! >= 1 && perClass[2]! <= 2, `class 2: ${perClass[2]}`);
  });

  it('is the same for the same seed (and the cache), and another for another seed', () => {
    const cacheDir = join(root, 'cache');
    const a = loadDatasetPath(folder, { shape: [1, 2, 2], carveSeed: 7, cacheDir });
    const b = loadDatasetPath(folder, { shape: [1, 2, 2], carveSeed: 7, cacheDir });
    assert.equal(b.cache?.hit, true);
    assert.deepEqual(ids(a.test.images), ids(b.test.images));
    const seeds = [0, 1, 2, 3].map((s) => ids(load(s).test.images).join());
    assert.ok(new Set(seeds).size > 1, 'the seed chooses the images');
  });

  it('carves a class-balanced prefix (--limit) to the prefix of the full carve', () => {
    const full = new Set(ids(load(3).test.images));
    const part = load(3, 18);
    assert.equal(part.train.count + part.test.count, 18);
    for (const v of ids(part.test.images)) assert.ok(full.has(v), `${v} is test in the prefix but train in the full folder`);
    for (const v of ids(part.train.images)) assert.ok(!full.has(v), `${v} is train in the prefix but test in the full folder`);
  });

  it('refuses a set too small to hold anything out, and keeps a class\'s only image for training', () => {
    const tiny = makeDataset({ name: 'tiny', images: new Float32Array(2), labels: Int32Array.of(0, 1), count: 2, shape: [1, 1, 1], classes: 2 });
    assert.throws(() => carveTestSplit(tiny, 0), /tiny: 2 image\(s\) are too few to hold out a test split of 1 in 6 per class/);
  });
});
