// Scalar twins of f32_spmm_32x1__simd128 and f32_qc8w_spmm_32x1__simd128 (STYLE.md §10):
// the same contracts written as plain loops, one output pixel at a time, summing the
// nonzeros in CSR order. Like the simd128 file, one body generic over the weight element
// W serves both: f32 weights sum onto the bias, i8 codes sum from 0 and take
// acc * scale + bias once per pixel.

/** The sum of row r's nonzeros [e0, e1) at one conv output, from `start` (the bias, or 0 for codes). */
// @ts-ignore: decorator
@inline function pixelSum<W>(start: f32, e0: i32, e1: i32, offsetsPtr: usize, valuesPtr: usize, xi: usize, at: i32): f32 {
  let acc = start;
  for (let e = e0; e < e1; e++) {
    const off = load<i32>(offsetsPtr + (<usize>e << 2)) + at;
    acc += <f32>load<W>(valuesPtr + <usize>e * sizeof<W>()) * load<f32>(xi + (<usize>off << 2));
  }
  return acc;
}

/**
 * For units u in [start, end), u = img * rows + r, over e in [rowPtr[r], rowPtr[r+1]):
 *   W = f32: y[img, r, oy*outCols + ox] = clamp(bias[r] + sum_e values[e] * x[img, offsets[e] + oy*inRowStride + ox])
 *   W = i8:  y[img, r, oy*outCols + ox] = clamp(sum_e codes[e] * x[img, offsets[e] + oy*inRowStride + ox] * scales[r] + bias[r])
 * see f32-spmm-32x1-simd128.ts for the layouts. With pool2x2, each 2x2 window of those sums
 * (before scale, bias and clamp, taps in row-major order, a later one winning only when
 * strictly greater) gives one output y[img, r, py*(outCols>>1) + px].
 */
// @ts-ignore: decorator
@inline function spmm32x1Scalar<W>(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32, start: i32, end: i32, pool2x2: bool,
): void {
  const k = pool2x2 ? 2 : 1;
  const ph = outRows / k, pw = outCols / k;
  for (let u = start; u < end; u++) {
    const img = u / rows, r = u - img * rows;
    const xi = xPtr + ((<usize>img * xBatchStride) << 2);
    const yr = yPtr + ((<usize>img * yBatchStride + <usize>r * ldy) << 2);
    const e0 = load<i32>(rowPtrPtr + (<usize>r << 2));
    const e1 = load<i32>(rowPtrPtr + (<usize>(r + 1) << 2));
    const b: f32 = biasPtr != 0 ? load<f32>(biasPtr + (<usize>r << 2)) : 0;
    const scale: f32 = isInteger<W>() ? load<f32>(scalesPtr + (<usize>r << 2)) : 1;
    const from: f32 = isInteger<W>() ? 0 : b;
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        let acc = pixelSum<W>(from, e0, e1, offsetsPtr, valuesPtr, xi, k * py * inRowStride + k * px);
        for (let t = 1; t < k * k; t++) {
          const v = pixelSum<W>(from, e0, e1, offsetsPtr, valuesPtr, xi, (k * py + t / k) * inRowStride + k * px + t % k);
          acc = acc < v ? v : acc;
        }
        if (isInteger<W>()) acc = acc * scale + b;
        // wasm's pmax then pmin, as the SIMD kernel clamps: a NaN sum stays NaN.
        acc = acc < minV ? minV : acc;
        acc = maxV < acc ? maxV : acc;
        store<f32>(yr + (<usize>(py * pw + px) << 2), acc);
      }
    }
  }
}

/** Scalar twin of f32_spmm_32x1__simd128: f32 weights at valuesPtr. */
export function f32_spmm_32x1__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1Scalar<f32>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, 0, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, false);
}

/** Scalar twin of f32_qc8w_spmm_32x1__simd128: i8 codes at valuesPtr, one f32 scale per row at scalesPtr. */
export function f32_qc8w_spmm_32x1__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1Scalar<i8>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, false);
}

/** Scalar twin of f32_spmm_32x1_maxpool2x2__simd128: f32_spmm_32x1__scalar then a 2x2 stride-2 max pool. */
export function f32_spmm_32x1_maxpool2x2__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1Scalar<f32>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, 0, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, true);
}

/** Scalar twin of f32_qc8w_spmm_32x1_maxpool2x2__simd128: the window max is taken before the row scale. */
export function f32_qc8w_spmm_32x1_maxpool2x2__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1Scalar<i8>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, true);
}
