// The qu8-spmm family's front door: the entry point the runtime calls (parallel over
// [start, end) of the img * rows units), the simd128 kernel, its scalar twin and the
// scratch size. The contract is f32_spmm_32x1's, argument for argument where they share
// meaning, with int8 weight codes, uint8 activations and the qu8 epilogue:
//
//   direct stride-1 conv over an image padded with the activation zero point (not 0):
//     offsets = ic*Hp*Wp + ky*dh*Wp + kx*dw, inRowStride = Wp, outRows = OH, outCols = OW;
//   im2col'd uint8 input [K][N]: offsets = k*N, outRows = 1, outCols = N;
//   linear layer on x^T [in][batch]: offsets = k*batch, outRows = 1, outCols = batch
//     (the output is then y^T [out][batch]).
//
// Offsets are in bytes (= elements) of one image of x. rowSum[r] = sum of row r's codes
// (the runtime computes it when it packs the CSR); acc = sum w*x - zx*rowSum is the exact
// int32 sum of w*(x - zx). The caller keeps 64 readable bytes after the last byte any
// valid pixel reads (rows narrower than 8 pixels load 8 bytes); writes stay inside the
// valid pixels. ldy, ldyRow (>= outCols; a row of a haloed frame), yBatchStride are in output
// elements (bytes for outKind 0, floats for 1).
// qu8_spmm_maxpool2x2 fuses a following 2x2 stride-2 max pool (floor mode) into the direct conv
// layout, taking each window's max on the accumulators (see qu8_spmm_24x1_maxpool2x2__simd128).
// qu8_spmm_add fuses a following residual add (and its ReLU) into the uint8 epilogue, on any
// of the layouts, the add's other input with strides of its own (see qu8_spmm_24x1_add__simd128).
import { qu8_spmm_24x1__simd128, qu8_spmm_24x1_maxpool2x2__simd128, qu8_spmm_24x1_add__simd128, QU8_SPMM_PAIR_BYTES } from './qu8-spmm-24x1-simd128';
export { qu8_spmm_24x1__simd128, qu8_spmm_24x1_maxpool2x2__simd128, qu8_spmm_24x1_add__simd128 } from './qu8-spmm-24x1-simd128';
export { qu8_spmm_24x1__scalar, qu8_spmm_24x1_maxpool2x2__scalar, qu8_spmm_24x1_add__scalar } from './qu8-spmm-24x1-scalar';

/**
 * Per-thread scratch bytes qu8_spmm and qu8_spmm_maxpool2x2 need when no row has more than
 * maxRowNnz nonzeros: the pair table, then (pooled) one tile's six v128 accumulators.
 */
export function qu8_spmm_scratch_bytes(maxRowNnz: i32): i32 {
  return ((max(maxRowNnz, 0) + 1) >> 1) * QU8_SPMM_PAIR_BYTES + 16 + 6 * 16;
}

/**
 * Units u in [start, end), u = img * rows + r (see qu8_spmm_24x1__simd128):
 * y[img*yBatchStride + r*ldy + oy*ldyRow + ox] = epilogue(sum_e values[e] *
 * (x[img*xBatchStride + offsets[e] + oy*inRowStride + ox] - xZeroPoint)).
 */
export function qu8_spmm(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32, maskPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8_spmm_24x1__simd128(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr,
    xZeroPoint, multiplierPtr, offsetPtr, outKind, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, maskPtr,
    start, end, scratchPtr);
}

/**
 * qu8_spmm on the direct conv layout followed by a 2x2 stride-2 max pool: element
 * img*yBatchStride + r*ldy + py*ldyRow + px of y is the max over dy, dx in {0, 1} of
 * qu8_spmm's output at conv pixel (2py+dy, 2px+dx), for multipliers > 0. Same scratch as qu8_spmm.
 */
export function qu8_spmm_maxpool2x2(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8_spmm_24x1_maxpool2x2__simd128(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr,
    xZeroPoint, multiplierPtr, offsetPtr, outKind, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride,
    start, end, scratchPtr);
}

/**
 * qu8_spmm with uint8 outputs and a residual add in its epilogue: element i of y is
 *   code(clamp(clamp(f32(acc)*multiplier[r] + offset[r], convLo, convHi) + (f32(b[i])*bMult + bOffset), clampLo, clampHi))
 * with b the codes at resPtr (laid out as y, not overlapping it) and the add's constants at
 * addParamsPtr (16 bytes, see qu8_add_params): the conv's value and b in steps of the output
 * grid, summed before the one rounding. Same scratch as qu8_spmm.
 */
export function qu8_spmm_add(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32, maskPtr: usize,
  resPtr: usize, ldr: i32, ldrRow: i32, resBatchStride: i32, addParamsPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8_spmm_24x1_add__simd128(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr,
    xZeroPoint, multiplierPtr, offsetPtr, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, maskPtr,
    resPtr, ldr, ldrRow, resBatchStride, addParamsPtr, start, end, scratchPtr);
}
