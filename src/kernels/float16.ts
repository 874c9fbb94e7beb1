/**
 * IEEE half precision, bit-exact, for the places that store numbers in it: the `.pqm` codec
 * writes a tensor as float16 only when every value survives the round trip, and quantization
 * puts weight scales and biases on the float16 grid so that they do.
 */
const f32Scratch = new Float32Array(1);
const u32OfF32 = new Uint32Array(f32Scratch.buffer);

/** float32 → IEEE half bits, rounding to nearest even; used only where the caller checks exactness. */
export function f32ToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32OfF32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to infinity: the bit layout does it.
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** True when every value survives a round trip through float16 unchanged. */
export function exactInF16(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (f16BitsToF32(f32ToF16Bits(v)) !== v || Object.is(v, -0)) return false;
  }
  return true;
}

/**
 * The nearest float16 value, as a number (ties to even). Outside float16's range the result is
 * ±Infinity and below its subnormals 0; callers that need a finite or non-zero value check.
 * @example roundToF16(0.1) === 0.0999755859375
 */
export function roundToF16(value: number): number {
  return f16BitsToF32(f32ToF16Bits(value));
}
