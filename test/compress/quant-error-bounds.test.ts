/**
 * Quantizer properties: round-trip error at most half a step inside the range, zero exact,
 * codes in range, degenerate channels, hand-computed cases, and clear errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  QuantizationError, codeRange, dequantize, quantizationSse, quantizeTensor, minMaxRange, percentileRange, mseRange, type QuantizedTensor,
} from '../../src/compress/quantize/index.js';
import { createModel } from '../../src/nn/index.js';
import { postTrainingQuantize } from '../../src/compress/quantize/index.js';
import { randomFloats } from '../helpers/assert.js';

/**
 * Checks |x − x̂| <= s/2 for every x inside [(qmin − z)s, (qmax − z)s]. The slack covers float32:
 * x / s is rounded to float32 (as QuantizeLinear does), off by up to |x/s|·2^-24 steps, and
 * the product (q − z)·s is rounded again.
 */
function expectHalfStep(x: ArrayLike<number>, q: QuantizedTensor, what: string): void {
  const xq = dequantize(q);
  const inner = x.length / q.scales.length;
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner), s = q.scales[c]!, z = q.zeroPoints[c]!;
    assert.ok(q.values[i]! >= q.qmin && q.values[i]! <= q.qmax, `${what}: code ${q.values[i]} outside [${q.qmin}, ${q.qmax}]`);
    const lo = (q.qmin - z) * s, hi = (q.qmax - z) * s;
    if (x[i]! < lo || x[i]! > hi) continue;
    const slack = s * (Math.abs(x[i]! / s) + 1) * 2 ** -22;
    const err = Math.abs(x[i]! - xq[i]!);
    assert.ok(err <= s / 2 + slack, `${what}[${i}]: x ${x[i]}, x̂ ${xq[i]}, error ${err} > scale/2 = ${s / 2}`);
  }
}

describe('uniform quantizer error bounds', () => {
  it('every b in [2, 16], symmetric or not, per tensor or channel: error <= scale/2 and zero is exact', () => {
    const shape = [6, 4, 3, 3];
    const x = randomFloats(216, 42, -3, 1.5);
    for (let i = 0; i < x.length; i += 7) x[i] = 0; // zeros spread over every channel, as a pruning mask leaves them
    for (let bits = 2; bits <= 16; bits++) {
      for (const symmetric of [true, false]) {
        for (const granularity of ['tensor', 'channel'] as const) {
          const what = `${bits}-bit ${symmetric ? 'sym' : 'asym'} ${granularity}`;
          const q = quantizeTensor(x, shape, { bits, symmetric, granularity });
          assert.equal(q.scales.length, granularity === 'channel' ? 6 : 1);
          const { qmin, qmax } = codeRange({ bits, symmetric, signed: symmetric });
          assert.deepEqual([q.qmin, q.qmax], [qmin, qmax]);
          for (const z of q.zeroPoints) assert.ok(Number.isInteger(z) && z >= qmin && z <= qmax, `${what}: zero point ${z}`);
          if (symmetric) assert.ok(q.zeroPoints.every((z) => z === 0), `${what}: symmetric zero point must be 0`);
          expectHalfStep(x, q, what);
          const xq = dequantize(q);
          for (let i = 0; i < x.length; i += 7) assert.equal(xq[i], 0, `${what}: zero at ${i} came back as ${xq[i]}`);
        }
      }
    }
  });

  it('code ranges follow the documented choice', () => {
    assert.deepEqual(codeRange({ bits: 8, symmetric: true, signed: true }), { qmin: -127, qmax: 127 });
    assert.deepEqual(codeRange({ bits: 2, symmetric: true, signed: true }), { qmin: -1, qmax: 1 });
    assert.deepEqual(codeRange({ bits: 8, symmetric: false, signed: false }), { qmin: 0, qmax: 255 });
    assert.deepEqual(codeRange({ bits: 8, symmetric: false, signed: true }), { qmin: -128, qmax: 127 });
    assert.deepEqual(codeRange({ bits: 16, symmetric: true, signed: true }), { qmin: -32767, qmax: 32767 });
  });

  it('hand-computed 2-bit cases', () => {
    // Symmetric 2-bit is ternary: s = max|x| / 1 = 1; 0.5 is a tie and goes to the even code 0.
    const sym = quantizeTensor([-1, 0, 0.5, 1], [4], { bits: 2, symmetric: true, granularity: 'tensor' });
    assert.deepEqual([sym.scales[0], sym.zeroPoints[0], ...sym.values], [1, 0, -1, 0, 0, 1]);
    // Asymmetric 2-bit on [-1, 2]: s = 3 / 3 = 1, z = 0 - (-1) / 1 = 1.
    const asym = quantizeTensor([-1, 0, 0.5, 2], [4], { bits: 2, symmetric: false, granularity: 'tensor' });
    assert.deepEqual([asym.scales[0], asym.zeroPoints[0], ...asym.values], [1, 1, 0, 1, 1, 3]);
    // An all-positive range is widened to include 0: [0, 3] → s = 1, z = 0.
    const pos = quantizeTensor([1, 2, 3], [3], { bits: 2, symmetric: false, granularity: 'tensor' });
    assert.deepEqual([pos.scales[0], pos.zeroPoints[0], ...pos.values], [1, 0, 1, 2, 3]);
  });

  it('edge channels: all zero, constant, huge dynamic range, single elements', () => {
    const channels = [
      new Float32Array(5), // all zero
      new Float32Array(5).fill(0.3), // constant positive
      new Float32Array(5).fill(-7), // constant negative
      Float32Array.of(1e-6, -3e-5, 2e6, -1e6, 0), // eleven decades
      Float32Array.of(1e-30, 2e-30, -1e-30, 0, 1e-30), // tiny
    ];
    const x = new Float32Array(25);
    channels.forEach((c, i) => x.set(c, i * 5));
    for (let bits = 2; bits <= 16; bits += 2) {
      for (const symmetric of [true, false]) {
        const q = quantizeTensor(x, [5, 5], { bits, symmetric, granularity: 'channel', name: 'edge' });
        for (const s of q.scales) assert.ok(s > 0 && Number.isFinite(s), `scale ${s}`);
        const xq = dequantize(q);
        assert.ok(xq.every(Number.isFinite));
        assert.deepEqual(Array.from(xq.subarray(0, 5)), [0, 0, 0, 0, 0], 'all-zero channel stays exactly zero');
        expectHalfStep(x, q, `${bits}-bit ${symmetric ? 'sym' : 'asym'} edges`);
        // A constant channel sits on a range end, so it comes back up to the scale's rounding
        // to float16 (relative 2^-11, onF16Grid), not a whole step away.
        assert.ok(Math.abs(xq[5]! - 0.3) <= 0.3 * 2 ** -11 && Math.abs(xq[10]! + 7) <= 7 * 2 ** -11, `constants: ${xq[5]}, ${xq[10]}`);
        assert.equal(xq[19], 0);
      }
    }
    const one = quantizeTensor([0.7], [1], { bits: 4, granularity: 'channel' });
    assert.ok(Math.abs(dequantize(one)[0]! - 0.7) <= 0.7 * 2 ** -11);
    const single = quantizeTensor([-0.25, 0, 3], [3, 1], { bits: 3, symmetric: false, granularity: 'channel' });
    // Single-element channels sit on a range end: back up to the float16 rounding of the scale.
    Array.from(dequantize(single)).forEach((v, i) => {
      const want = [-0.25, 0, 3][i]!;
      assert.ok(Math.abs(v - want) <= Math.abs(want) * 2 ** -11, `channel ${i}: ${v} for ${want}`);
    });
  });

  it('NaN or Inf is an error naming the tensor (or layer) and element; bits outside [2, 16] are rejected', () => {
    const x = Float32Array.of(0.1, 0.2, 0.3, NaN);
    assert.throws(() => quantizeTensor(x, [2, 2], { bits: 4, name: 'conv0.weight' }), (e: Error) =>
      e instanceof QuantizationError && /conv0\.weight/.test(e.message) && /element 3 is NaN/.test(e.message));
    assert.throws(() => quantizeTensor([1, -Infinity], [2], { bits: 4, name: 'fc7.weight' }), /fc7\.weight: element 1 is -Infinity/);
    const model = createModel('lenet5', { seed: 1 });
    const w = model.namedParams().find(([n]) => n === 'fc9.weight')![1];
    w.value.view()[5] = Infinity;
    assert.throws(() => postTrainingQuantize(model, { weights: { bits: 8 } }), /lenet5\/fc9\.weight: element 5 is Infinity/);
    model.dispose();
    for (const bits of [1, 17, 0, 4.5, NaN]) {
      assert.throws(() => quantizeTensor([1, 2], [2], { bits, name: 'w' }), (e: Error) =>
        e instanceof QuantizationError && /bits must be an integer in \[2, 16\]/.test(e.message) && e.message.includes(String(bits)));
    }
  });
});

describe('range estimators', () => {
  const ramp = Float32Array.from({ length: 1000 }, (_, i) => i);

  it('percentile ranges interpolate between ranks (hand-computed)', () => {
    // rank = p/100 · 999; the 99th percentile of 0..999 is 989.01, the 1st is 9.99.
    const r = percentileRange(ramp, { bits: 8, symmetric: false, signed: false }, 99);
    assert.ok(Math.abs(r.lo - 9.99) < 1e-9 && Math.abs(r.hi - 989.01) < 1e-9, JSON.stringify(r));
    const sym = percentileRange(Float32Array.from(ramp, (v) => -v), { bits: 8, symmetric: true, signed: true }, 50);
    assert.ok(Math.abs(sym.hi - 499.5) < 1e-9 && sym.lo === -sym.hi);
  });

  it('the MSE search is never worse than min-max and clips a lone outlier at low bits', () => {
    const x = randomFloats(500, 9, -1, 1);
    x[17] = 4; // one outlier would waste most 3-bit codes on an empty stretch
    for (const symmetric of [true, false]) {
      const spec = { bits: 3, symmetric, signed: symmetric };
      const best = mseRange(x, spec), full = minMaxRange(x);
      assert.ok(best.hi < full.hi, `mse range ${JSON.stringify(best)} should clip the outlier`);
      assert.ok(quantizationSse(x, best, spec) < quantizationSse(x, full, spec));
    }
    const mse = quantizeTensor(x, [500], { bits: 3, granularity: 'tensor', method: 'mse' });
    const mm = quantizeTensor(x, [500], { bits: 3, granularity: 'tensor', method: 'minmax' });
    const sse = (q: QuantizedTensor) => dequantize(q).reduce((s, v, i) => s + (v - x[i]!) ** 2, 0);
    assert.ok(sse(mse) < sse(mm));
  });
});
