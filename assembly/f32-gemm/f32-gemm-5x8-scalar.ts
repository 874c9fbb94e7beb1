// Scalar twin of f32_gemm_5x8__simd128 (STYLE.md §10): same packed layouts, same contract.

/** C[r, c] = (accumulate ? C[r, c] : 0) + sum_p A[r, p] * B[p, c] over one packed 5x8 tile. */
export function f32_gemm_5x8__scalar(
  kc: i32, aPanelPtr: usize, bPanelPtr: usize, cPtr: usize, ldc: i32, accumulate: i32,
): void {
  for (let r = 0; r < 5; r++) {
    for (let c = 0; c < 8; c++) {
      let acc: f32 = 0;
      for (let p = 0; p < kc; p++) {
        acc += load<f32>(aPanelPtr + ((<usize>(p * 5 + r)) << 2)) * load<f32>(bPanelPtr + ((<usize>(p * 8 + c)) << 2));
      }
      const out = cPtr + ((<usize>(r * ldc + c)) << 2);
      store<f32>(out, accumulate != 0 ? load<f32>(out) + acc : acc);
    }
  }
}
