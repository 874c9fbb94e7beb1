// The whole-GEMM oracle: a plain triple loop with the same signature and contract as
// f32_gemm, and no packing or blocking to get wrong.

/** C = alpha * op(A) * op(B) + beta * C, one dot product per element of C. */
export function f32_gemm__scalar(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  aPtr: usize, lda: i32, bPtr: usize, ldb: i32, beta: f32, cPtr: usize, ldc: i32, scratchPtr: usize,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) {
        const a = load<f32>(aPtr + ((transA == 0 ? <usize>i * lda + p : <usize>p * lda + i) << 2));
        const b = load<f32>(bPtr + ((transB == 0 ? <usize>p * ldb + j : <usize>j * ldb + p) << 2));
        acc += a * b;
      }
      const out = cPtr + ((<usize>i * ldc + j) << 2);
      // beta == 0 must not read C: 0 * NaN would be NaN.
      store<f32>(out, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(out));
    }
  }
}
