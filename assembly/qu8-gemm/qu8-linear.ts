// 8-bit linear layer: y[b][o] = epilogue_o(sum_i W[o][i] * (x[b][i] - zx)) for a batch of
// uint8 rows, parallel over output features [start, end) (grain 4 keeps every thread on
// whole weight panels). From QU8_LINEAR_GEMM_MIN_BATCH rows on, the batch is the GEMM's
// column dimension (x packed transposed, 8 rows per panel); below it, each row runs the
// 16c2 GEMV, because a GEMM panel would be mostly padding.
import { qu8GemmRows, qu8_gemm_scratch_bytes } from './qu8-gemm-prepacked';
import { qu8PairCount, qu8PaddedRows } from './qu8-gemm-pack';
import { qu8GemvPanels } from './qu8-gemv-16c2-simd128';
import { qu8Finish4, qu8Finish1, qu8Store4, qu8Store1, qu8ClampLo, qu8ClampHi } from '../qu8-misc/qu8-epilogue';

export const QU8_LINEAR_GEMM_MIN_BATCH = 4;
const GEMV_ACC_BYTES = 64;

/** Per-thread scratch bytes qu8_linear needs. */
export function qu8_linear_scratch_bytes(batch: i32, inFeatures: i32): i32 {
  if (batch >= QU8_LINEAR_GEMM_MIN_BATCH) return qu8_gemm_scratch_bytes(inFeatures);
  return GEMV_ACC_BYTES + qu8PairCount(max(inFeatures, 0)) * 4 + 16;
}

/** x row widened to kp i16 pairs at pairsPtr, the odd tail paired with 0. */
// @ts-ignore: decorator
@inline function widenRow(xRow: usize, k: i32, pairsPtr: usize): void {
  let i = 0;
  for (; i + 16 <= k; i += 16) {
    const v = v128.load(xRow + <usize>i);
    v128.store(pairsPtr + (<usize>i << 1), i16x8.extend_low_i8x16_u(v));
    v128.store(pairsPtr + (<usize>i << 1), i16x8.extend_high_i8x16_u(v), 16);
  }
  for (; i < k; i++) store<i16>(pairsPtr + (<usize>i << 1), <i16>load<u8>(xRow + <usize>i));
  if (k & 1) store<i16>(pairsPtr + (<usize>k << 1), 0);
}

/** Epilogue of the GEMV's P panels (rows 4q..4q+4P) for rows inside [rStart, rEnd). */
// @ts-ignore: decorator
@inline function storeGemv(
  P: i32, accPtr: usize, q: i32, rStart: i32, rEnd: i32, rowSumPtr: usize, zx: v128, xZeroPoint: i32,
  multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32, lo: v128, hi: v128, yRow: usize,
): void {
  for (let g = 0; g < P; g++) {
    const r0 = (q + g) << 2;
    const a = accPtr + (<usize>g << 4);
    if (r0 >= rStart && r0 + 4 <= rEnd) {
      // A whole panel: four features with their own multiplier and offset, one per lane.
      const rq = <usize>r0 << 2;
      const corr = i32x4.mul(zx, v128.load(rowSumPtr + rq));
      const v = qu8Finish4(i32x4.sub(v128.load(a), corr), v128.load(multiplierPtr + rq), v128.load(offsetPtr + rq), lo, hi, outKind);
      qu8Store4(yRow, <usize>r0, v, outKind);
    } else {
      for (let r = max(r0, rStart); r < min(r0 + 4, rEnd); r++) {
        const rq = <usize>r << 2;
        const acc = load<i32>(a + (<usize>(r - r0) << 2)) - xZeroPoint * load<i32>(rowSumPtr + rq);
        qu8Store1(yRow, <usize>r, qu8Finish1(acc, load<f32>(multiplierPtr + rq), load<f32>(offsetPtr + rq), clampLo, clampHi, outKind), outKind);
      }
    }
  }
}

/**
 * Output features [start, end) of y[b][o] (batch x outFeatures, uint8 for outKind 0, float32
 * for 1) = epilogue_o(sum_i W[o][i] * (x[b][i] - xZeroPoint)), x: batch x inFeatures uint8
 * codes. packedWPtr: qu8_gemm_pack_w(outFeatures, inFeatures, ...). multiplier/offset:
 * outFeatures floats. scratchPtr: qu8_linear_scratch_bytes(batch, inFeatures), 16-byte aligned.
 */
export function qu8_linear(
  xPtr: usize, batch: i32, inFeatures: i32, outFeatures: i32, packedWPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  yPtr: usize, start: i32, end: i32, scratchPtr: usize,
): void {
  const rEnd = min(end, outFeatures), rStart = max(start, 0);
  if (rStart >= rEnd || batch <= 0) return;
  if (batch >= QU8_LINEAR_GEMM_MIN_BATCH) {
    qu8GemmRows(outFeatures, batch, inFeatures, packedWPtr, xPtr, inFeatures, 1, xZeroPoint, multiplierPtr, offsetPtr,
      outKind, clampLo, clampHi, yPtr, 1, outFeatures, rStart, rEnd, scratchPtr);
    return;
  }
  const kp = qu8PairCount(max(inFeatures, 0));
  const mPad = qu8PaddedRows(outFeatures);
  const rowSumPtr = packedWPtr;
  const panels = packedWPtr + (<usize>mPad << 2);
  const panelBytes = <usize>kp << 4;
  const accPtr = scratchPtr, pairsPtr = scratchPtr + GEMV_ACC_BYTES;
  const loS = qu8ClampLo(clampLo, outKind), hiS = qu8ClampHi(clampHi, outKind);
  const lo = f32x4.splat(loS), hi = f32x4.splat(hiS), zx = i32x4.splat(xZeroPoint);
  const shift: usize = outKind == 1 ? 2 : 0;
  const q1 = (rEnd + 3) >> 2;
  for (let b = 0; b < batch; b++) {
    widenRow(xPtr + <usize>b * <usize>inFeatures, inFeatures, pairsPtr);
    const yRow = yPtr + ((<usize>b * <usize>outFeatures) << shift);
    let q = rStart >> 2;
    for (; q + 4 <= q1; q += 4) {
      qu8GemvPanels(4, kp, panels + <usize>q * panelBytes, panelBytes, pairsPtr, accPtr);
      storeGemv(4, accPtr, q, rStart, rEnd, rowSumPtr, zx, xZeroPoint, multiplierPtr, offsetPtr, outKind, loS, hiS, lo, hi, yRow);
    }
    const left = q1 - q;
    const wq = panels + <usize>q * panelBytes;
    if (left == 3) {
      qu8GemvPanels(3, kp, wq, panelBytes, pairsPtr, accPtr);
      storeGemv(3, accPtr, q, rStart, rEnd, rowSumPtr, zx, xZeroPoint, multiplierPtr, offsetPtr, outKind, loS, hiS, lo, hi, yRow);
    } else if (left == 2) {
      qu8GemvPanels(2, kp, wq, panelBytes, pairsPtr, accPtr);
      storeGemv(2, accPtr, q, rStart, rEnd, rowSumPtr, zx, xZeroPoint, multiplierPtr, offsetPtr, outKind, loS, hiS, lo, hi, yRow);
    } else if (left == 1) {
      qu8GemvPanels(1, kp, wq, panelBytes, pairsPtr, accPtr);
      storeGemv(1, accPtr, q, rStart, rEnd, rowSumPtr, zx, xZeroPoint, multiplierPtr, offsetPtr, outKind, loS, hiS, lo, hi, yRow);
    }
  }
}
