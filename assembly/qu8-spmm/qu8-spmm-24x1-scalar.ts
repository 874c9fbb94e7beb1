// Scalar twin of qu8_spmm_24x1__simd128 (STYLE.md §10): the same contract and the same
// epilogue, one pixel and one nonzero at a time. It needs no scratch.
import { qu8Finish1, qu8FinishAdd1, qu8Store1, qu8ClampLo, qu8ClampHi, QU8_OUT_F32, QU8_OUT_U8 } from '../qu8-misc/qu8-epilogue';

/** Sum of row r's nonzeros [e0, e1) times the codes of one pixel at xp. */
// @ts-ignore: decorator
@inline function pixelSum(e0: i32, e1: i32, offsetsPtr: usize, valuesPtr: usize, xp: usize): i32 {
  let acc = 0;
  for (let e = e0; e < e1; e++) {
    acc += <i32>load<i8>(valuesPtr + <usize>e) * <i32>load<u8>(xp + <usize>load<i32>(offsetsPtr + (<usize>e << 2)));
  }
  return acc;
}

/**
 * The three twins; with pool2x2 each output is the max of a 2x2 window of accumulators, before the
 * epilogue; with res (uint8 outputs) the code at the same element of resPtr is added in the
 * epilogue (qu8FinishAdd1).
 */
// @ts-ignore: decorator
@inline function qu8Spmm24x1Scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32,
  start: i32, end: i32, pool2x2: bool, res: bool, resPtr: usize, ldr: i32, ldrRow: i32, resBatchStride: i32, addPtr: usize, maskPtr: usize,
): void {
  if (rows <= 0) return;
  const shift: usize = outKind == QU8_OUT_F32 ? 2 : 0;
  const lo = qu8ClampLo(clampLo, outKind), hi = qu8ClampHi(clampHi, outKind);
  const k = pool2x2 ? 2 : 1;
  const ph = outRows / k, pw = outCols / k;
  for (let u = start; u < end; u++) {
    const img = u / rows, r = u - img * rows;
    const rq = <usize>r << 2;
    const e0 = load<i32>(rowPtrPtr + rq), e1 = load<i32>(rowPtrPtr + rq, 4);
    const corr = xZeroPoint * load<i32>(rowSumPtr + rq);
    const mult = load<f32>(multiplierPtr + rq), off = load<f32>(offsetPtr + rq);
    const xi = xPtr + <usize>img * <usize>xBatchStride;
    const yRow = yPtr + ((<usize>img * <usize>yBatchStride + <usize>r * <usize>ldy) << shift);
    const rRow = resPtr + <usize>img * <usize>resBatchStride + <usize>r * <usize>ldr;
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        let acc = i32.MIN_VALUE;
        for (let t = 0; t < k * k; t++) {
          const xp = xi + <usize>(k * py + t / k) * <usize>inRowStride + <usize>(k * px + t % k);
          acc = max(acc, pixelSum(e0, e1, offsetsPtr, valuesPtr, xp));
        }
        const v = res
          ? qu8FinishAdd1(acc - corr, mult, off, lo, hi, rRow + <usize>py * <usize>ldrRow + <usize>px, addPtr)
          : qu8Finish1(acc - corr, mult, off, lo, hi, outKind);
        const at = <usize>py * <usize>ldyRow + <usize>px;
        if (maskPtr != 0 && outKind == QU8_OUT_U8 && load<u8>(maskPtr + at) == 0) store<u8>(yRow + at, load<u8>(maskPtr - 16));
        else qu8Store1(yRow, at, v, outKind);
      }
    }
  }
}

/** See qu8_spmm_24x1__simd128; scratchPtr is not used. */
export function qu8_spmm_24x1__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32, maskPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8Spmm24x1Scalar(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr, xZeroPoint, multiplierPtr,
    offsetPtr, outKind, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, start, end, false, false, 0, 0, 0, 0, 0, maskPtr);
}

/** See qu8_spmm_24x1_maxpool2x2__simd128; scratchPtr is not used. */
export function qu8_spmm_24x1_maxpool2x2__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8Spmm24x1Scalar(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr, xZeroPoint, multiplierPtr,
    offsetPtr, outKind, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, start, end, true, false, 0, 0, 0, 0, 0, 0);
}

/** See qu8_spmm_24x1_add__simd128; scratchPtr is not used. */
export function qu8_spmm_24x1_add__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32, maskPtr: usize,
  resPtr: usize, ldr: i32, ldrRow: i32, resBatchStride: i32, addParamsPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8Spmm24x1Scalar(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr, xZeroPoint, multiplierPtr,
    offsetPtr, QU8_OUT_U8, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, start, end, false, true,
    resPtr, ldr, ldrRow, resBatchStride, addParamsPtr, maskPtr);
}
