import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed } from '../../src/data/index.js';

describe('createRng (xoshiro128**)', () => {
  it('repeats the same stream for the same seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    const sb = Array.from({ length: 100 }, () => b.nextUint32());
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
    for (const v of sa) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  });

  it('next() lies in [0, 1) with mean near 1/2', () => {
    const rng = createRng(1);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      assert.ok(x >= 0 && x < 1, `next() gave ${x}`);
      sum += x;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
  });

  it('int(n) covers [0, n) evenly and rejects bad n', () => {
    const rng = createRng(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]! += 1;
    for (const k of counts) assert.ok(Math.abs(k - 10_000) < 500, `bucket ${k}`);
    assert.equal(rng.int(1), 0);
    assert.throws(() => rng.int(0), /n must be an integer in \[1, 2\^32\], got 0/);
    assert.throws(() => rng.int(2.5), /got 2.5/);
  });

  it('normal() has mean 0 and std 1', () => {
    const rng = createRng(3);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    const mean = s / n;
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(s2 / n - mean * mean) - 1) < 0.02);
  });

  it('shuffle() is a seeded permutation', () => {
    const a = createRng(5).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    const b = createRng(5).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(a, b);
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    assert.notDeepEqual([...a], Array.from({ length: 50 }, (_, i) => i));
  });

  it('deriveSeed separates (seed, salt) pairs that a sum would merge', () => {
    assert.notEqual(deriveSeed(1, 0), deriveSeed(0, 1));
    assert.equal(deriveSeed(9, 2), deriveSeed(9, 2));
  });

  it('rejects seeds that are not safe integers', () => {
    assert.throws(() => createRng(0.5), /seed must be a safe integer, got 0.5/);
    assert.throws(() => createRng(Number.NaN), /got NaN/);
  });
});
