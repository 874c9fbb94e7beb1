/** float16 conversion against hand-computed IEEE half values and the grid quantization puts scales on. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exactInF16, f16BitsToF32, f32ToF16Bits, roundToF16 } from '../../src/kernels/index.js';
import { onF16Grid } from '../../src/compress/index.js';

describe('float16', () => {
  it('encodes hand-computed half-precision bit patterns', () => {
    // 1 = 0x3c00, -2 = 0xc000, 65504 (largest) = 0x7bff, 2^-14 (smallest normal) = 0x0400,
    // 2^-24 (smallest subnormal) = 0x0001, 0.1 rounds to 0x2e66 = 0.0999755859375.
    const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [0.1, 0x2e66]];
    for (const [v, bits] of cases) {
      assert.equal(f32ToF16Bits(v), bits, `bits of ${v}`);
      if (v !== 0.1) assert.equal(f16BitsToF32(bits), v, `value of 0x${bits.toString(16)}`);
    }
    assert.equal(roundToF16(0.1), 0.0999755859375);
    // Ties go to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
    assert.equal(roundToF16(1 + 2 ** -11), 1);
    assert.equal(roundToF16(1 + 3 * 2 ** -11), 1 + 2 ** -9);
    assert.equal(roundToF16(70000), Infinity);
  });

  it('exactInF16 holds exactly for values on the grid', () => {
    assert.ok(exactInF16([0, 1, -0.5, 0.0999755859375, 65504]));
    assert.ok(!exactInF16([0.1]));
    assert.ok(!exactInF16([-0]), '-0 keeps float32, since float16 storage would lose nothing but the codec treats it as a value');
  });

  it('onF16Grid rounds inside the normal range and leaves the rest alone', () => {
    for (const v of [0.1, 3.3, -0.0123, 2 ** -14, 65504]) {
      const r = onF16Grid(v);
      assert.ok(exactInF16([r]), `${v} → ${r} is on the grid`);
      assert.ok(Math.abs(r - v) <= Math.abs(v) * 2 ** -11, `${v} → ${r} within half an ulp`);
    }
    for (const v of [1e-6, -3e-5, 1e5, 0]) assert.equal(onF16Grid(v), v);
  });
});
