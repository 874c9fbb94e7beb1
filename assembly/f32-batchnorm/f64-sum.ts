// Widening helpers shared by the batch-norm reductions. Channel sums run over n*hw
// elements (tens of thousands in a training batch), where f32 accumulators lose digits
// that the variance and dgamma need, so every reduction accumulates in f64 lanes.

/** Adds the four f32 lanes of v into two f64x2 accumulators: lanes 0,1 into lo, 2,3 into hi. */
@inline export function addLow(acc: v128, v: v128): v128 {
  return f64x2.add(acc, f64x2.promote_low_f32x4(v));
}

/** The upper two f32 lanes of v moved down, ready for promote_low. */
@inline export function highHalf(v: v128): v128 {
  return f32x4.shuffle(v, v, 2, 3, 0, 1);
}

/** Sum of the four f64 lanes of two accumulators. */
@inline export function hsum2(a: v128, b: v128): f64 {
  const s = f64x2.add(a, b);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Byte offset of plane (img, ch) in an NCHW float tensor. */
@inline export function planeOffset(img: i32, c: i32, ch: i32, hw: i32): usize {
  return ((<usize>img * <usize>c + <usize>ch) * <usize>hw) << 2;
}
