/**
 * Percentile semantics (src/compress/prune/percentile.ts): level s prunes exactly
 * k = floor(s·n) weights, the smallest |w|, ties broken by index (and by layer order in
 * global scope). Oracles: hand-worked cases, and a brute-force reference that sorts
 * (|w|, index) pairs with a comparator and computes k in integer arithmetic from a
 * percent, so floating-point products like 0.29·100 cannot fool it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkSparsity, globalMagnitudeMasks, magnitudeMask, pruneCount, percentileToSparsity } from '../../src/compress/index.js';
import { randomFloats } from '../helpers/assert.js';

/** Reference: prune the k smallest (|w|, index); masked entries (existing[i] = 0) first. */
function reference(values: ArrayLike<number>, k: number, existing?: Uint8Array): Uint8Array {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  const key = (i: number) => (existing && existing[i] === 0 ? -1 : Math.abs(values[i]!));
  idx.sort((a, b) => key(a) - key(b) || a - b);
  const keep = new Uint8Array(values.length).fill(1);
  for (const i of idx.slice(0, k)) keep[i] = 0;
  if (existing) for (let i = 0; i < keep.length; i++) if (existing[i] === 0) keep[i] = 0;
  return keep;
}

/** floor(P·n / 100) in exact integer arithmetic. */
const kFromPercent = (percent: number, n: number) => Math.floor((percent * n) / 100);

const zeros = (m: Uint8Array) => m.reduce((s, b) => s + (b === 0 ? 1 : 0), 0);

describe('pruneCount', () => {
  it('is floor(s·n), with decimal levels taken as meant', () => {
    assert.equal(pruneCount(10, 0.95), 9);
    assert.equal(pruneCount(10, 0.99), 9);
    assert.equal(pruneCount(100, 0.29), 29); // 0.29 * 100 = 28.999999999999996 in doubles
    assert.equal(pruneCount(1000, 0.57), 570); // 0.57 * 1000 = 569.9999999999999
    for (let p = 0; p < 100; p++) {
      for (const n of [1, 2, 3, 7, 100, 999, 61706]) assert.equal(pruneCount(n, p / 100), kFromPercent(p, n), `p=${p} n=${n}`);
    }
  });
  it('tiny layers: n = 1 is never pruned, n = 2 loses one weight from s = 0.5', () => {
    assert.equal(pruneCount(1, 0.999), 0);
    assert.equal(pruneCount(2, 0.49), 0);
    assert.equal(pruneCount(2, 0.5), 1);
    assert.equal(pruneCount(2, 0.99), 1);
    assert.deepEqual([...magnitudeMask(Float32Array.of(-3), 0.99)], [1]);
    assert.deepEqual([...magnitudeMask(Float32Array.of(0.5, -0.25), 0.5)], [1, 0]);
    assert.deepEqual([...magnitudeMask(Float32Array.of(0.5, 0.5), 0.5)], [0, 1]); // tie: lower index goes
    assert.deepEqual([...magnitudeMask(new Float32Array(0), 0.5)], []);
  });
  it('rejects levels outside [0, 1), including p = 100, with the value in the message', () => {
    for (const bad of [1, 1.5, -0.01, NaN, Infinity]) {
      assert.throws(() => checkSparsity(bad, 'here'), (e: Error) => e instanceof RangeError && e.message.includes('[0, 1)') && e.message.includes(String(bad)));
      assert.throws(() => magnitudeMask(Float32Array.of(1, 2), bad), RangeError);
    }
    assert.throws(() => percentileToSparsity(100, 'cli --start'), /percentile must be a number in \[0, 100\), got 100/);
    assert.equal(percentileToSparsity(95, 'x'), 0.95);
  });
});

describe('magnitudeMask', () => {
  it('p = 0 prunes nothing, even zeros', () => {
    assert.deepEqual([...magnitudeMask(Float32Array.of(0, 1, -0, 2), 0)], [1, 1, 1, 1]);
  });
  it('hand-worked: sign is ignored and ties at the threshold go by index', () => {
    // |w| = [0.3, 0.1, 0.2, 0.1, 0.1, 0.4]; s = 0.5 → k = 3: the three 0.1s (indices 1, 3, 4)
    assert.deepEqual([...magnitudeMask(Float32Array.of(0.3, -0.1, 0.2, 0.1, -0.1, 0.4), 0.5)], [1, 0, 1, 0, 0, 1]);
    // k = 2 of three tied 0.1s: indices 1 and 3 go, 4 stays
    assert.deepEqual([...magnitudeMask(Float32Array.of(0.3, -0.1, 0.2, 0.1, -0.1, 0.4), 0.34)], [1, 0, 1, 0, 1, 1]);
    // all equal: the first k by index
    assert.deepEqual([...magnitudeMask(new Float32Array(7).fill(2), 0.6)], [0, 0, 0, 0, 1, 1, 1]);
  });
  it('agrees with the brute-force reference on heavy ties, every percent', () => {
    for (const n of [1, 2, 3, 17, 256]) {
      // values on a coarse grid so ties are everywhere
      const v = Float32Array.from(randomFloats(n, n, -1, 1), (x) => Math.round(x * 4) / 4);
      for (let p = 0; p < 100; p += 3) {
        const m = magnitudeMask(v, p / 100);
        assert.equal(zeros(m), kFromPercent(p, n), `n=${n} p=${p}`);
        assert.deepEqual(m, reference(v, kFromPercent(p, n)), `n=${n} p=${p}`);
      }
    }
  });
  it('never revives a masked weight and ranks masked weights first', () => {
    const v = Float32Array.of(5, 0.1, 4, 0.2, 3, 0.3);
    const old = Uint8Array.of(0, 1, 0, 1, 1, 1); // weights 0 and 2 were pruned although large
    // k = 3: the two masked (ranked first), then 0.1
    assert.deepEqual([...magnitudeMask(v, 0.5, old)], [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(magnitudeMask(v, 0.5, old), reference(v, 3, old));
    // asking for less than the mask has keeps the mask as it is
    assert.deepEqual([...magnitudeMask(v, 0.2, old)], [...old]);
  });
  it('rejects NaN weights with the index', () => {
    assert.throws(() => magnitudeMask(Float32Array.of(1, NaN), 0.5), /weight 1 is NaN/);
  });
});

describe('globalMagnitudeMasks', () => {
  it('ranks all layers together; ties go to the earlier layer, then the lower index', () => {
    const a = Float32Array.of(0.5, 0.1, 0.9), b = Float32Array.of(0.1, 0.05, 0.7, 0.1);
    // N = 7, s = 0.5 → k = 3: 0.05 (b1), then the 0.1s in order a1, b0 (b3 survives)
    const [ma, mb] = globalMagnitudeMasks([{ values: a }, { values: b }], 0.5);
    assert.deepEqual([...ma!], [1, 0, 1]);
    assert.deepEqual([...mb!], [0, 0, 1, 1]);
  });
  it('matches the reference over the concatenation, with exactly floor(s·N) pruned', () => {
    const layers = [3, 1, 50, 2, 129].map((n, i) => ({ values: Float32Array.from(randomFloats(n, 100 + i, -1, 1), (x) => Math.round(x * 8) / 8) }));
    const all = Float32Array.from(layers.flatMap((l) => [...l.values]));
    for (const p of [0, 10, 50, 90, 95, 99]) {
      const masks = globalMagnitudeMasks(layers, p / 100);
      const joined = Uint8Array.from(masks.flatMap((m) => [...m]));
      assert.deepEqual(joined, reference(all, kFromPercent(p, all.length)), `p=${p}`);
      assert.equal(zeros(joined), kFromPercent(p, all.length));
    }
  });
});
