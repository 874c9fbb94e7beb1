// Scalar twin of f32_gemm_5x1__simd128 (STYLE.md §10): same packed panel, same contract.

/** out[r] = sum_{p < kc} A[r, p] * x[p] for r < 5, A packed as a 5-row panel. */
export function f32_gemm_5x1__scalar(kc: i32, aPanelPtr: usize, xPtr: usize, outPtr: usize): void {
  for (let r = 0; r < 5; r++) {
    let acc: f32 = 0;
    for (let p = 0; p < kc; p++) {
      acc += load<f32>(aPanelPtr + (<usize>(p * 5 + r) << 2)) * load<f32>(xPtr + (<usize>p << 2));
    }
    store<f32>(outPtr + (<usize>r << 2), acc);
  }
}
