/** Matrix products on the packed GEMM kernel: matmul with transposes, and linear layers. */
import { call, parallel, type ParallelKernelParams } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor } from '../tensor.js';

let gemmScratchBytes = 0;

/**
 * C = op(A) op(B) for 2-D tensors, without recording. Work is split over the rows of C, or
 * over its columns when C is short and wide.
 */
export function gemm(a: Tensor, b: Tensor, transA: boolean, transB: boolean, out?: Tensor, beta = 0): Tensor {
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  assertShape(a.rank === 2 && b.rank === 2 && k === kb, () =>
    `matmul: [${a.shape.join(', ')}]${transA ? 'ᵀ' : ''} x [${b.shape.join(', ')}]${transB ? 'ᵀ' : ''}: inner dims ${k} and ${kb} differ`);
  const c = out ?? Tensor.empty([m, n]);
  if (gemmScratchBytes === 0) gemmScratchBytes = call('f32_gemm_scratch_bytes');
  const args: ParallelKernelParams['f32_gemm_rows'] = [transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a.ptr, ac, b.ptr, bc, beta, c.ptr, n];
  // Rows need at least a few micro-tile rows per thread to keep the packed panels busy.
  if (m >= 16 || n < 64) parallel('f32_gemm_rows', args, m, { grain: 4, minPerThread: Math.max(4, Math.ceil((1 << 17) / Math.max(1, n * k))), scratchBytes: gemmScratchBytes });
  else parallel('f32_gemm_cols', args, n, { grain: 16, minPerThread: Math.max(16, Math.ceil((1 << 17) / Math.max(1, m * k))), scratchBytes: gemmScratchBytes });
  return c;
}

/**
 * Matrix product with optional transposes.
 * @example const c = matmul(a, b, { transB: true }); // a · bᵀ
 */
export function matmul(a: Tensor, b: Tensor, { transA = false, transB = false } = {}): Tensor {
  const c = gemm(a, b, transA, transB);
  return record(c, 'MatMul', [a, b], (dc) => [
    // dA = dC op(B)ᵀ (then transposed back when A was), dB likewise.
    a.requiresGrad ? (transA ? gemm(b, dc, transB, true) : gemm(dc, b, false, !transB)) : null,
    b.requiresGrad ? (transB ? gemm(dc, a, true, transA) : gemm(a, dc, !transA, false)) : null,
  ]);
}

/**
 * y = x Wᵀ + b with W stored [out, in] (PyTorch and ONNX Gemm transB=1 layout).
 * @example const y = linear(x, weight, bias); // x: [batch, in]
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  assertShape(x.rank === 2 && w.rank === 2 && x.shape[1] === w.shape[1], () =>
    `linear: input [${x.shape.join(', ')}] has ${x.shape[1]} features, weight [${w.shape.join(', ')}] expects ${w.shape[1]}`);
  const [batch] = x.shape as [number];
  const outFeatures = w.shape[0]!;
  let y: Tensor;
  if (b !== null) {
    assertShape(b.size === outFeatures, () => `linear: bias has ${b.size} values, weight has ${outFeatures} outputs`);
    // Seed C with the bias rows so the GEMM adds to them (beta = 1): no separate pass.
    y = Tensor.empty([batch, outFeatures]);
    const yv = y.view(), bv = b.view();
    for (let i = 0; i < batch; i++) yv.set(bv, i * outFeatures);
    gemm(x, w, false, true, y, 1);
  } else {
    y = gemm(x, w, false, true);
  }
  const inputs = b === null ? [x, w] : [x, w, b];
  return record(y, 'Linear', inputs, (dy) => [
    x.requiresGrad ? gemm(dy, w, false, false) : null,
    w.requiresGrad ? gemm(dy, x, true, false) : null,
    b !== null && b.requiresGrad ? sumRows(dy) : null,
  ]);
}

/** out[j] = Σ_i x[i][j] for a 2-D x. */
export function sumRows(x: Tensor): Tensor {
  const [rows, cols] = x.shape as [number, number];
  const out = Tensor.empty([cols]);
  parallel('f32_sum_rows', [x.ptr, out.ptr, rows, cols], cols, { grain: 4, minPerThread: 1 << 12 });
  return out;
}
