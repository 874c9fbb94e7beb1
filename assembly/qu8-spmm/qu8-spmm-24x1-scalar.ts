// Scalar twin of qu8_spmm_24x1__simd128 (STYLE.md §10): the same contract and the same
// epilogue, one pixel and one nonzero at a time. It needs no scratch.
import { qu8Finish1, qu8Store1, qu8ClampLo, qu8ClampHi, QU8_OUT_F32 } from '../qu8-misc/qu8-epilogue';

/** See qu8_spmm_24x1__simd128; scratchPtr is not used. */
export function qu8_spmm_24x1__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  if (rows <= 0) return;
  const shift: usize = outKind == QU8_OUT_F32 ? 2 : 0;
  const lo = qu8ClampLo(clampLo, outKind), hi = qu8ClampHi(clampHi, outKind);
  for (let u = start; u < end; u++) {
    const img = u / rows, r = u - img * rows;
    const rq = <usize>r << 2;
    const e0 = load<i32>(rowPtrPtr + rq), e1 = load<i32>(rowPtrPtr + rq, 4);
    const corr = xZeroPoint * load<i32>(rowSumPtr + rq);
    const mult = load<f32>(multiplierPtr + rq), off = load<f32>(offsetPtr + rq);
    const xi = xPtr + <usize>img * <usize>xBatchStride;
    const yRow = yPtr + ((<usize>img * <usize>yBatchStride + <usize>r * <usize>ldy) << shift);
    for (let oy = 0; oy < outRows; oy++) {
      for (let ox = 0; ox < outCols; ox++) {
        const xp = xi + <usize>oy * <usize>inRowStride + <usize>ox;
        let acc = 0;
        for (let e = e0; e < e1; e++) {
          acc += <i32>load<i8>(valuesPtr + <usize>e) * <i32>load<u8>(xp + <usize>load<i32>(offsetsPtr + (<usize>e << 2)));
        }
        qu8Store1(yRow, <usize>oy * <usize>outCols + <usize>ox, qu8Finish1(acc - corr, mult, off, lo, hi, outKind), outKind);
      }
    }
  }
}
