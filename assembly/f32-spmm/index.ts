// The f32-spmm family's front door: the entry points the runtime calls (parallel over
// [start, end) of the img * rows units), plus the simd128 kernels and their scalar twins.
// f32_spmm_32x1 takes f32 weights; f32_qc8w_spmm_32x1 (XNNPACK's name for f32 activations
// with channelwise-quantized 8-bit weights) takes i8 codes and one f32 scale per row, so a
// pruned model quantized to k <= 8 bits runs on its codes without expanding them.
//
// One contract serves three layouts of x (offsets are in floats, per image):
//   direct stride-1 conv over a zero-padded Hp x Wp image: offsets = ic*Hp*Wp + ky*dh*Wp + kx*dw,
//     inRowStride = Wp, outRows = OH, outCols = OW (no im2col);
//   im2col'd input [K][N]: offsets = k*N, outRows = 1, outCols = N;
//   linear layer on x^T [in][batch]: offsets = k*batch, outRows = 1, outCols = batch.
// The caller keeps 64 readable bytes after the last float any valid pixel reads: vector
// loads run up to 3 floats past a row's end. Writes stay inside the valid pixels.
//
// The *_maxpool2x2 kernels fuse a following 2x2 stride-2 max pool (floor mode) into the direct
// conv layout: outRows x outCols stay the conv's, and each row stores (outRows >> 1) x
// (outCols >> 1) window maxima, taken before the epilogue (exact for positive row scales).
import {
  f32_spmm_32x1__simd128, f32_qc8w_spmm_32x1__simd128, f32_spmm_32x1_maxpool2x2__simd128, f32_qc8w_spmm_32x1_maxpool2x2__simd128,
} from './f32-spmm-32x1-simd128';
export {
  f32_spmm_32x1__simd128, f32_qc8w_spmm_32x1__simd128, f32_spmm_32x1_maxpool2x2__simd128, f32_qc8w_spmm_32x1_maxpool2x2__simd128,
} from './f32-spmm-32x1-simd128';
export {
  f32_spmm_32x1__scalar, f32_qc8w_spmm_32x1__scalar, f32_spmm_32x1_maxpool2x2__scalar, f32_qc8w_spmm_32x1_maxpool2x2__scalar,
} from './f32-spmm-32x1-scalar';

/**
 * Units u in [start, end), u = img * rows + r: y[img*yBatchStride + r*ldy + oy*outCols + ox] =
 * clamp(bias[r] + sum_{e in row r} values[e] * x[img*xBatchStride + offsets[e] + oy*inRowStride + ox],
 * minV, maxV) for oy < outRows, ox < outCols. biasPtr == 0 means no bias. Needs no scratch.
 */
export function f32_spmm_32x1(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_spmm_32x1__simd128(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, biasPtr,
    minV, maxV, xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, scratchPtr);
}

/**
 * f32_spmm_32x1 with 8-bit weights: i8 codes at valuesPtr (one per nonzero, in CSR order)
 * and one f32 scale per output row at scalesPtr. Units u in [start, end), u = img * rows + r:
 * y[img*yBatchStride + r*ldy + oy*outCols + ox] = clamp(bias[r] + scales[r] *
 * sum_{e in row r} codes[e] * x[img*xBatchStride + offsets[e] + oy*inRowStride + ox], minV, maxV).
 * biasPtr == 0 means no bias. Needs no scratch; the same 64 readable bytes after x.
 */
export function f32_qc8w_spmm_32x1(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_qc8w_spmm_32x1__simd128(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr,
    minV, maxV, xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, scratchPtr);
}

/**
 * f32_spmm_32x1 on the direct conv layout followed by a 2x2 stride-2 max pool: units u in
 * [start, end), u = img * rows + r, y[img*yBatchStride + r*ldy + py*(outCols>>1) + px] = max over
 * dy, dx in {0, 1} of f32_spmm_32x1's output at conv pixel (2py+dy, 2px+dx). Needs no scratch.
 */
export function f32_spmm_32x1_maxpool2x2(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_spmm_32x1_maxpool2x2__simd128(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, biasPtr,
    minV, maxV, xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, scratchPtr);
}

/**
 * f32_qc8w_spmm_32x1 followed by a 2x2 stride-2 max pool, as f32_spmm_32x1_maxpool2x2. The max
 * is taken on the code sums before the row scale, so it is the pooled conv only where every
 * scale is positive.
 */
export function f32_qc8w_spmm_32x1_maxpool2x2(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_qc8w_spmm_32x1_maxpool2x2__simd128(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr,
    minV, maxV, xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, scratchPtr);
}
