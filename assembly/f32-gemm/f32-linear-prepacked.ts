// Inference linear layer over weights prepacked once: y[batch x out] = clamp(x W^T + b).
// It runs as y^T = W x^T: W [out x in] (row-major, as stored) is the prepacked A, x is op(B)
// read transposed in place (B(p, j) = x[j*in + p], so no transposed copy of x is made), and
// the tiles of y^T are stored transposed into y. Threads split the output features in
// whole 5-row panels of W, so every thread streams only its share of the weights, which
// is what bounds a batch-1 layer; batch 1 to 3 take the 5x1 matrix-vector kernel.
import { f32_gemm_prepacked_core, f32_gemm_prepacked_scratch_bytes } from './f32-gemm-prepacked';
import { F32_GEMM_MR } from './f32-gemm-pack';

/** Work units of f32_linear_prepacked: 5-row panels of W, ceil(outFeatures / 5). */
export function f32_linear_prepacked_units(outFeatures: i32): i32 {
  return (outFeatures + F32_GEMM_MR - 1) / F32_GEMM_MR;
}

/** Bytes of per-thread scratch f32_linear_prepacked needs, whatever its panel range. */
export function f32_linear_prepacked_scratch_bytes(batch: i32, inFeatures: i32, outFeatures: i32): i32 {
  return f32_gemm_prepacked_scratch_bytes(outFeatures, batch, inFeatures);
}

/**
 * y[b, o] = clamp(sum_i x[b, i] * W[o, i] + bias[o], minV, maxV) for output features o in
 * panels [start, end) (o in [5*start, min(5*end, outFeatures))), with W prepacked by
 * f32_gemm_prepack_a(outFeatures, inFeatures, w, inFeatures, out); x is [batch x in] and y
 * [batch x out], both row-major and dense. scratchPtr: 16-byte aligned,
 * f32_linear_prepacked_scratch_bytes(batch, inFeatures, outFeatures) long.
 */
export function f32_linear_prepacked(
  xPtr: usize, aPackedPtr: usize, biasPtr: usize, minV: f32, maxV: f32, yPtr: usize,
  batch: i32, inFeatures: i32, outFeatures: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  const o0 = start * F32_GEMM_MR;
  const o1 = min(end * F32_GEMM_MR, outFeatures);
  if (o1 <= o0) return;
  f32_gemm_prepacked_core(o1 - o0, batch, inFeatures,
    aPackedPtr + ((<usize>o0 * inFeatures) << 2), xPtr, inFeatures, 1,
    biasPtr != 0 ? biasPtr + (<usize>o0 << 2) : 0, minV, maxV,
    yPtr + (<usize>o0 << 2), outFeatures, 1, scratchPtr);
}
