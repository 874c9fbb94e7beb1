// Scalar twin of f32_spmm_32x1__simd128 (STYLE.md §10): the same contract written as
// plain loops, one output pixel at a time, summing the nonzeros in CSR order.

/**
 * For units u in [start, end), u = img * rows + r:
 *   y[img, r, oy*outCols + ox] = clamp(bias[r] + sum_e values[e] * x[img, offsets[e] + oy*inRowStride + ox])
 * over e in [rowPtr[r], rowPtr[r+1]); see f32-spmm-32x1-simd128.ts for the layouts.
 */
export function f32_spmm_32x1__scalar(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let u = start; u < end; u++) {
    const img = u / rows, r = u - img * rows;
    const xi = xPtr + ((<usize>img * xBatchStride) << 2);
    const yr = yPtr + ((<usize>img * yBatchStride + <usize>r * ldy) << 2);
    const e0 = load<i32>(rowPtrPtr + (<usize>r << 2));
    const e1 = load<i32>(rowPtrPtr + (<usize>(r + 1) << 2));
    const b: f32 = biasPtr != 0 ? load<f32>(biasPtr + (<usize>r << 2)) : 0;
    for (let oy = 0; oy < outRows; oy++) {
      for (let ox = 0; ox < outCols; ox++) {
        let acc = b;
        for (let e = e0; e < e1; e++) {
          const off = load<i32>(offsetsPtr + (<usize>e << 2)) + oy * inRowStride + ox;
          acc += load<f32>(valuesPtr + (<usize>e << 2)) * load<f32>(xi + (<usize>off << 2));
        }
        // wasm's pmax then pmin, as the SIMD kernel clamps: a NaN sum stays NaN.
        acc = acc < minV ? minV : acc;
        acc = maxV < acc ? maxV : acc;
        store<f32>(yr + (<usize>(oy * outCols + ox) << 2), acc);
      }
    }
  }
}
