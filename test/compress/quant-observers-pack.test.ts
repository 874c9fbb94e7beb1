/** Observers (hand-computed ranges) and k-bit packing (hand-packed bytes, round trips). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QuantizationError, makeObserver, packCodes, unpackCodes, packedByteLength } from '../../src/compress/quantize/index.js';
import { randomFloats } from '../helpers/assert.js';

describe('observers', () => {
  it('min-max keeps the extremes over all batches', () => {
    const o = makeObserver('minmax');
    o.observe([0.5, -1, 2]);
    o.observe([3, 0]);
    o.observe([-0.5]);
    assert.deepEqual(o.range(), { lo: -1, hi: 3 });
  });

  it('EMA: the first batch sets the range, later ones move it by the momentum', () => {
    const o = makeObserver('ema', { momentum: 0.5 });
    o.observe([0, 1]);
    o.observe([-1, 3]); // lo 0 + 0.5·(−1 − 0) = −0.5; hi 1 + 0.5·(3 − 1) = 2
    assert.deepEqual(o.range(), { lo: -0.5, hi: 2 });
    o.observe([1, 1]); // lo −0.5 + 0.5·1.5 = 0.25; hi 2 + 0.5·(−1) = 1.5
    assert.deepEqual(o.range(), { lo: 0.25, hi: 1.5 });
  });

  it('percentile: exact while the sample holds everything, close with reservoir sampling', () => {
    const exact = makeObserver('percentile', { percentile: 99 });
    exact.observe(Float32Array.from({ length: 500 }, (_, i) => i));
    exact.observe(Float32Array.from({ length: 500 }, (_, i) => 500 + i));
    const r = exact.range(); // ranks 9.99 and 989.01 of 0..999
    assert.ok(Math.abs(r.lo - 9.99) < 1e-6 && Math.abs(r.hi - 989.01) < 1e-6, JSON.stringify(r));
    const sampled = makeObserver('percentile', { percentile: 99, sampleSize: 4000, seed: 3 });
    for (let b = 0; b < 20; b++) sampled.observe(randomFloats(5000, 50 + b, 0, 1)); // 100k uniform values
    const s = sampled.range();
    assert.ok(Math.abs(s.hi - 0.99) < 0.01 && Math.abs(s.lo - 0.01) < 0.01, JSON.stringify(s));
  });

  it('an observer that saw nothing, or NaN, says so', () => {
    assert.throws(() => makeObserver('minmax', { name: 'relu4' }).range(), (e: Error) => e instanceof QuantizationError && /relu4.*no batches observed/.test(e.message));
    assert.throws(() => makeObserver('ema', { name: 'fc11' }).observe([1, NaN]), /fc11.*element 1 is NaN/);
    assert.throws(() => makeObserver('percentile', { percentile: 0 }), /percentile must be in \(0, 100\]/);
  });
});

describe('k-bit packing', () => {
  it('packs least significant bit first (hand-packed bytes)', () => {
    assert.deepEqual(Array.from(packCodes([1, 2, 3], 4, 0)), [0x21, 0x03]);
    // 3-bit codes 7, 0, 5: 7 | 0 << 3 | 5 << 6 = 327 = 0x0147
    assert.deepEqual(Array.from(packCodes([7, 0, 5], 3, 0)), [0x47, 0x01]);
    // signed 2-bit codes −1, 0, 1 with qmin −1 are stored as 0, 1, 2
    assert.deepEqual(Array.from(packCodes([-1, 0, 1], 2, -1)), [0b100100]);
    assert.equal(packedByteLength(61470, 4), 30735);
  });

  it('round-trips every width from 2 to 16 bits, including both range ends', () => {
    for (let bits = 2; bits <= 16; bits++) {
      const qmin = -(2 ** (bits - 1)), qmax = 2 ** (bits - 1) - 1;
      const codes = Int32Array.from(randomFloats(257, bits, qmin, qmax + 1), Math.floor);
      codes[0] = qmin;
      codes[1] = qmax;
      const bytes = packCodes(codes, bits, qmin);
      assert.equal(bytes.length, Math.ceil((257 * bits) / 8));
      assert.deepEqual(Array.from(unpackCodes(bytes, bits, qmin, new Int32Array(257))), Array.from(codes), `${bits} bits`);
    }
    assert.throws(() => packCodes([8], 3, 0), /code 8 at 0 is outside \[0, 7\]/);
  });
});
