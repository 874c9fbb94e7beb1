// The one epilogue every 8-bit kernel ends with: an int32 accumulator, already corrected
// for the activation zero point, becomes an output value in one of two kinds.
//
//   outKind 0 (QU8_OUT_U8, requantize):  q = clamp(nearest(f32(acc) * multiplier + offset), lo, hi)
//     stored as uint8; the caller passes multiplier = sx*sw/sy, offset = bias/sy + zy and
//     lo/hi = qmin/qmax as whole floats (a fused ReLU is lo = zy, ReLU6 hi = min(255, zy + round(6/sy))).
//   outKind 1 (QU8_OUT_F32, dequantize): y = clamp(f32(acc) * multiplier + offset, lo, hi)
//     stored as float32; multiplier = sx*sw, offset = bias, lo/hi = minV/maxV (may be +-Infinity).
//
// Numeric choices, shared bit for bit by the simd128 and scalar forms:
// - f32(acc) rounds to nearest (exact below 2^24), then one f32 multiply and one f32 add:
//   wasm has no fused multiply-add, so both forms round the same two times.
// - The clamp comes before the rounding and is written as pmax/pmin, i.e. `v < lo ? lo : v`
//   then `hi < v ? hi : v`; the scalar form spells out the same comparisons, so even a -0
//   comes out identical. For outKind 0 the bounds are first limited to [0, 255] (see
//   qu8ClampLo/Hi); with whole bounds, rounding after the clamp equals clamping after it.
// - nearest is round half to even, as ONNX QuantizeLinear does (Math.round would send ties
//   up, one code away from onnxruntime). The simd128 form rounds by adding 2^23: for v in
//   [0, 255] the sum's unit in the last place is 1, so the add itself rounds v half to even,
//   and the low byte of the sum's bits is the code. That replaces f32x4.nearest and a
//   saturating float-to-int conversion (about eight instructions in V8 per four outputs)
//   with one add and one and; the scalar form calls nearest<f32>.

//
// A residual add fused into the epilogue (qu8FinishAdd4/1, outKind 0 only) adds the other
// input in the real domain before the one rounding, onto the add's grid: see qu8FinishAdd4.

export const QU8_OUT_U8 = 0;
export const QU8_OUT_F32 = 1;

const ROUND_MAGIC: f32 = 8388608.0; // 2^23

/** The lower clamp bound the kernels apply: for outKind 0 limited to [0, 255]. */
// @ts-ignore: decorator
@inline export function qu8ClampLo(clampLo: f32, outKind: i32): f32 {
  return outKind == QU8_OUT_U8 ? min<f32>(max<f32>(clampLo, 0), 255) : clampLo;
}

/** The upper clamp bound the kernels apply: for outKind 0 limited to [0, 255]. */
// @ts-ignore: decorator
@inline export function qu8ClampHi(clampHi: f32, outKind: i32): f32 {
  return outKind == QU8_OUT_U8 ? min<f32>(max<f32>(clampHi, 0), 255) : clampHi;
}

/**
 * Four accumulators (int32, zero point already removed) to four outputs: for outKind 0 the
 * codes as int32 lanes, for outKind 1 the float32 values. lo/hi come from qu8ClampLo/Hi.
 */
// @ts-ignore: decorator
@inline export function qu8Finish4(acc: v128, mult: v128, off: v128, lo: v128, hi: v128, outKind: i32): v128 {
  const v = qu8Scale4(acc, mult, off, lo, hi);
  return outKind == QU8_OUT_U8 ? qu8Code4(v) : v;
}

/** qu8Finish4 up to the rounding: the clamped float32 values. */
// @ts-ignore: decorator
@inline export function qu8Scale4(acc: v128, mult: v128, off: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), mult), off), lo), hi);
}

/** Floats in [0, 255] rounded half to even to int32 codes (the ROUND_MAGIC add and a mask). */
// @ts-ignore: decorator
@inline export function qu8Code4(v: v128): v128 {
  return v128.and(f32x4.add(v, f32x4.splat(ROUND_MAGIC)), i32x4.splat(0xff));
}

/** Scalar twin of qu8Finish4, as a float (a whole number for outKind 0). */
// @ts-ignore: decorator
@inline export function qu8Finish1(acc: i32, mult: f32, off: f32, lo: f32, hi: f32, outKind: i32): f32 {
  let v = <f32>acc * mult + off;
  v = v < lo ? lo : v;
  v = hi < v ? hi : v;
  if (outKind == QU8_OUT_U8) v = nearest<f32>(v);
  return v;
}

/** Eight int32 codes (two qu8Finish4 results, outKind 0) narrowed to bytes 0..7 of the result. */
// @ts-ignore: decorator
@inline export function qu8Narrow8(c0: v128, c1: v128): v128 {
  const h = i16x8.narrow_i32x4_s(c0, c1);
  return i8x16.narrow_i16x8_u(h, h);
}

/** Sixteen int32 codes narrowed to sixteen bytes (saturating, so [0, 255] passes unchanged). */
// @ts-ignore: decorator
@inline export function qu8Narrow16(c0: v128, c1: v128, c2: v128, c3: v128): v128 {
  return i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(c0, c1), i16x8.narrow_i32x4_s(c2, c3));
}

/** Stores one finished value as element idx of y (a byte for outKind 0, a float for 1). */
// @ts-ignore: decorator
@inline export function qu8Store1(yPtr: usize, idx: usize, v: f32, outKind: i32): void {
  if (outKind == QU8_OUT_U8) {
    const q = <i32>v; // whole already; the conversion saturates like trunc_sat
    store<u8>(yPtr + idx, <u8>(q < 0 ? 0 : q > 255 ? 255 : q));
  } else {
    store<f32>(yPtr + (idx << 2), v);
  }
}

/** Stores four qu8Finish4 outputs at elements idx..idx+3 of y. */
// @ts-ignore: decorator
@inline export function qu8Store4(yPtr: usize, idx: usize, v: v128, outKind: i32): void {
  if (outKind == QU8_OUT_U8) v128.store32_lane(yPtr + idx, qu8Narrow8(v, v), 0);
  else v128.store(yPtr + (idx << 2), v);
}

/** Stores eight qu8Finish4 outputs at elements idx..idx+7 of y. */
// @ts-ignore: decorator
@inline export function qu8Store8(yPtr: usize, idx: usize, v0: v128, v1: v128, outKind: i32): void {
  if (outKind == QU8_OUT_U8) {
    v128.store64_lane(yPtr + idx, qu8Narrow8(v0, v1), 0);
  } else {
    const p = yPtr + (idx << 2);
    v128.store(p, v0);
    v128.store(p, v1, 16);
  }
}

/** Stores sixteen qu8Finish4 outputs at elements idx..idx+15 of y. */
// @ts-ignore: decorator
@inline export function qu8Store16(yPtr: usize, idx: usize, v0: v128, v1: v128, v2: v128, v3: v128, outKind: i32): void {
  if (outKind == QU8_OUT_U8) {
    v128.store(yPtr + idx, qu8Narrow16(v0, v1, v2, v3));
  } else {
    const p = yPtr + (idx << 2);
    v128.store(p, v0);
    v128.store(p, v1, 16);
    v128.store(p, v2, 32);
    v128.store(p, v3, 48);
  }
}

/** Stores the first n (0..4) lanes of a qu8Finish4 output at elements idx, idx+step, ... of y. */
// @ts-ignore: decorator
@inline export function qu8StoreLanes(yPtr: usize, idx: usize, step: usize, v: v128, n: i32, outKind: i32): void {
  if (outKind == QU8_OUT_U8) {
    if (n > 0) store<u8>(yPtr + idx, i8x16.extract_lane_u(v, 0));
    if (n > 1) store<u8>(yPtr + idx + step, i8x16.extract_lane_u(v, 4));
    if (n > 2) store<u8>(yPtr + idx + 2 * step, i8x16.extract_lane_u(v, 8));
    if (n > 3) store<u8>(yPtr + idx + 3 * step, i8x16.extract_lane_u(v, 12));
  } else {
    if (n > 0) store<f32>(yPtr + (idx << 2), f32x4.extract_lane(v, 0));
    if (n > 1) store<f32>(yPtr + ((idx + step) << 2), f32x4.extract_lane(v, 1));
    if (n > 2) store<f32>(yPtr + ((idx + 2 * step) << 2), f32x4.extract_lane(v, 2));
    if (n > 3) store<f32>(yPtr + ((idx + 3 * step) << 2), f32x4.extract_lane(v, 3));
  }
}

/** Sixteen whole float32 values (any range) converted with saturation to sixteen bytes. */
// @ts-ignore: decorator
@inline export function qu8NarrowFloats16(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  return qu8Narrow16(i32x4.trunc_sat_f32x4_s(v0), i32x4.trunc_sat_f32x4_s(v1),
    i32x4.trunc_sat_f32x4_s(v2), i32x4.trunc_sat_f32x4_s(v3));
}

/**
 * Bytes of a fused residual add's constants (qu8_add_params), float32 each: the conv's grid
 * range in output steps (lo, hi), b's multiplier, b's offset.
 */
export const QU8_ADD_PARAM_BYTES = 16;

/**
 * qu8Finish4 for outKind 0 with a residual input added in the real domain: the conv's value,
 * in steps of the output grid, is f32(acc) * mult + off clamped to the conv's own grid range
 * [p[0], p[1]] (where its codes would saturate), then the four codes b at bPtr come in as
 * f32(b) * p[2] + p[3] (p[3] holds the output zero point less b's), and the sum is clamped to
 * [lo, hi] and rounded: code(clamp(clamp(f32(acc)*mult + off, p0, p1) + (f32(b)*p2 + p3), lo, hi)).
 * The conv's output is not rounded onto its grid first: within half a conv step of what the
 * unfused pair computes, so within one output step where the conv's scale is at most the
 * output's. Reads 4 bytes at bPtr. The kernels splat the block's four values once per tile,
 * after the inner loop (reloading them per four outputs cost more: stores in between may alias).
 */
// @ts-ignore: decorator
@inline export function qu8FinishAdd4(
  acc: v128, mult: v128, off: v128, lo: v128, hi: v128, bPtr: usize, convLo: v128, convHi: v128, bMult: v128, bOffset: v128,
): v128 {
  const c = qu8Scale4(acc, mult, off, convLo, convHi);
  const b = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(bPtr))));
  return qu8Code4(f32x4.pmin(f32x4.pmax(f32x4.add(c, f32x4.add(f32x4.mul(b, bMult), bOffset)), lo), hi));
}

/** Scalar twin of qu8FinishAdd4. */
// @ts-ignore: decorator
@inline export function qu8FinishAdd1(acc: i32, mult: f32, off: f32, lo: f32, hi: f32, bPtr: usize, p: usize): f32 {
  let c = <f32>acc * mult + off;
  const cLo = load<f32>(p), cHi = load<f32>(p, 4);
  c = c < cLo ? cLo : c;
  c = cHi < c ? cHi : c;
  let v = c + (<f32>load<u8>(bPtr) * load<f32>(p, 8) + load<f32>(p, 12));
  v = v < lo ? lo : v;
  v = hi < v ? hi : v;
  return nearest<f32>(v);
}

/** Writes the constants block qu8FinishAdd4 reads (see QU8_ADD_PARAM_BYTES). */
// @ts-ignore: decorator
@inline export function qu8AddParams(ptr: usize, convLo: f32, convHi: f32, bMult: f32, bOffset: f32): void {
  store<f32>(ptr, convLo);
  store<f32>(ptr, convHi, 4);
  store<f32>(ptr, bMult, 8);
  store<f32>(ptr, bOffset, 12);
}
