// The 5x8 f32 GEMM micro-kernel: one 5-row by 8-column tile of C from packed panels.
//
// Panel layouts (made by f32-gemm-pack.ts, zero-padded so every tile is full):
//   A panel: kc steps of 5 floats, element (r, p) at aPanelPtr[p*5 + r] (alpha already in);
//   B panel: kc steps of 8 floats, element (p, c) at bPanelPtr[p*8 + c].
//
// Why 5x8 and why no alpha/beta here: ten f32x4 accumulators, two B vectors, one
// broadcast A value and one product fill 14 of the 15 xmm registers V8 allocates on x64.
// Measured on one core with an L1-resident loop (kc = 256): this kernel ~50 GFLOP/s, a
// 4x8 ~42, a 6x8 ~27 (it spills). Any arithmetic on the accumulators after the loop
// (scaling by alpha, adding beta * C) made TurboFan hoist all five A broadcasts to the
// top of the loop body, spill two accumulators, and halve the speed (~22 GFLOP/s). So
// the packer folds alpha into A, the driver pre-scales C when beta is not 0 or 1, and
// the kernel only starts from zero or from C and stores.

/**
 * C[r, c] = (accumulate ? C[r, c] : 0) + sum_p A[r, p] * B[p, c] for r < 5, c < 8, with C
 * at cPtr, row stride ldc (floats). accumulate == 0 never reads C, so NaN there cannot leak.
 */
export function f32_gemm_5x8__simd128(
  kc: i32, aPanelPtr: usize, bPanelPtr: usize, cPtr: usize, ldc: i32, accumulate: i32,
): void {
  const rowBytes = <usize>ldc << 2;
  const r0 = cPtr, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes, r4 = r3 + rowBytes;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  if (accumulate != 0) {
    c00 = v128.load(r0); c01 = v128.load(r0, 16);
    c10 = v128.load(r1); c11 = v128.load(r1, 16);
    c20 = v128.load(r2); c21 = v128.load(r2, 16);
    c30 = v128.load(r3); c31 = v128.load(r3, 16);
    c40 = v128.load(r4); c41 = v128.load(r4, 16);
  }
  let a = aPanelPtr;
  let b = bPanelPtr;
  const aEnd = aPanelPtr + <usize>kc * 20;
  while (a < aEnd) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av: v128;
    av = v128.load32_splat(a, 0);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 16);
    c40 = f32x4.add(c40, f32x4.mul(av, b0));
    c41 = f32x4.add(c41, f32x4.mul(av, b1));
    a += 20;
    b += 32;
  }
  v128.store(r0, c00); v128.store(r0, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
  v128.store(r4, c40); v128.store(r4, c41, 16);
}
