// The 4x8c2 int8 GEMM micro-kernel: a 4-row by 8-column tile of int32 sums from packed
// panels (layouts in qu8-gemm-pack.ts), two steps of the reduction ("c2") per iteration.
//
// The idea is XNNPACK's qs8 "c2" wasmsimd dot16x2 GEMM, with the operands' roles swapped
// so that C rows are output channels and columns are pixels (NCHW): one 32-bit load-splat
// of a weight row's i16 pair (w[r][2p], w[r][2p+1]) against the activation panel's two
// vectors of four (x[2p][j], x[2p+1][j]) i16 pairs; i32x4.dot_i16x8_s does eight
// multiply-adds into int32, twice the work of an f32x4 multiply and add.
//
// Why 4x8: eight accumulators, two activation vectors, a splat and a product use 12 of the
// 16 xmm registers V8 has on x64. Measured on one core with an L1-resident loop (kp = 128):
// 4x8 ~85 GOP/s, 5x8 ~84, 8x4 ~81, 4x8 unrolled twice ~86, against ~44 GFLOP/s for the
// f32 5x8 kernel in the same harness. 4 rows also make a weight panel step exactly one v128,
// which the GEMV (qu8-gemv-16c2-simd128.ts) loads whole. The kernel stores its tile to
// memory and leaves the epilogue to the driver: arithmetic on the accumulators after the
// loop made TurboFan spill in the f32 kernel (see f32-gemm-5x8-simd128.ts).

/**
 * acc[r*8 + c] = sum_{p < kp} w(r, 2p) x(2p, c) + w(r, 2p+1) x(2p+1, c) for r < 4, c < 8, as
 * int32 at accPtr (128 bytes). wPanelPtr: kp steps of 16 bytes; xPanelPtr: kp steps of 32.
 */
export function qu8_gemm_4x8c2__simd128(kp: i32, wPanelPtr: usize, xPanelPtr: usize, accPtr: usize): void {
  let c00 = i32x4.splat(0), c01 = i32x4.splat(0), c10 = i32x4.splat(0), c11 = i32x4.splat(0);
  let c20 = i32x4.splat(0), c21 = i32x4.splat(0), c30 = i32x4.splat(0), c31 = i32x4.splat(0);
  let w = wPanelPtr, x = xPanelPtr;
  const wEnd = wPanelPtr + (<usize>kp << 4);
  while (w < wEnd) {
    const b0 = v128.load(x), b1 = v128.load(x, 16);
    let a = v128.load32_splat(w);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a, b0));
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a, b1));
    a = v128.load32_splat(w, 4);
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a, b0));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a, b1));
    a = v128.load32_splat(w, 8);
    c20 = i32x4.add(c20, i32x4.dot_i16x8_s(a, b0));
    c21 = i32x4.add(c21, i32x4.dot_i16x8_s(a, b1));
    a = v128.load32_splat(w, 12);
    c30 = i32x4.add(c30, i32x4.dot_i16x8_s(a, b0));
    c31 = i32x4.add(c31, i32x4.dot_i16x8_s(a, b1));
    w += 16;
    x += 32;
  }
  v128.store(accPtr, c00); v128.store(accPtr, c01, 16);
  v128.store(accPtr, c10, 32); v128.store(accPtr, c11, 48);
  v128.store(accPtr, c20, 64); v128.store(accPtr, c21, 80);
  v128.store(accPtr, c30, 96); v128.store(accPtr, c31, 112);
}
