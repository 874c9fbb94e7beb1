// Pruning masks are one byte per weight; SIMD updates need them as 32-bit lane masks.

/** All-ones lanes where mask[i..i+3] != 0, zero lanes where the weight is pruned. */
@inline export function laneMask4(maskPtr: usize, i: i32): v128 {
  const bytes = v128.load32_zero(maskPtr + <usize>i);
  const wide = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes));
  return i32x4.ne(wide, i32x4.splat(0));
}
