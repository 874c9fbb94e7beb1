// Sparse weights x dense activations ("offset SpMM"): the kernel pruned convolutions and
// linear layers run on. Weights are CSR over output rows r (channels or features):
// rowPtr i32[rows+1], and per nonzero e its value and its offset (in floats) into one
// image of x. Output pixel (oy, ox) of row r reads x at offsets[e] + oy*inRowStride + ox,
// so one kernel covers a direct stride-1 convolution over a zero-padded image, an im2col'd
// [K][N] matrix and a transposed activation matrix x^T [in][batch] (see index.ts).
//
// The idea is XNNPACK's f32-spmm 32x1: a tile of up to 32 output pixels of one row lives in
// eight f32x4 accumulators; each nonzero is splatted once and multiplied into eight
// vector loads of x at its offset. Eight accumulators, the splat and one loaded vector
// take 10 of the 16 xmm registers V8 has on x64, so nothing spills.
//
// Loop order: pixel tiles outside, output rows inside. One tile's input footprint (the
// taps of all input channels around one output row) is a few KB and stays in L1 while
// every output row's nonzeros stream past it; with rows outside, each nonzero would
// instead fetch 32 pixels of x from L2.
//
// Tiles: a row of W pixels is nv = ceil(W/4) vectors, split into ceil(nv/8) tiles of
// near-equal width (24 -> 6, 26 -> 7, 100 -> 7+6+6+6) rather than 8+8+8+1, because the
// cost of walking a row's nonzeros is paid per tile. Rows at most 8 pixels wide stack
// 4 or 8 output rows into one tile. The last vector of a ragged row loads up to 3 floats
// past the row's end (the caller guarantees 64 readable bytes there) and stores only its
// valid lanes. A single output pixel (batch-1 linear layer) is a sparse dot product,
// vectorised across nonzeros instead.
//
// Weights: one body, generic over the weight element W, serves two kernels.
// f32_spmm_32x1 (W = f32) starts each accumulator at the bias. f32_qc8w_spmm_32x1 (W = i8)
// keeps a k <= 8-bit quantized model's codes in memory as they are, never expanded to f32,
// with one f32 scale per output row: each code is splatted as its exact f32 value (looked up
// in a 256-entry table, see CODE_TO_F32), the accumulators start at 0 and take
// acc * scale + bias once per row, before the clamp. The codes stream a quarter of the bytes.
//
// Fused 2x2 max pooling (the *_maxpool2x2 kernels, a direct conv followed by MaxPool2d with
// kernel = stride = 2, no padding, floor mode): a tile holds two conv rows (2py, 2py+1) of V
// vectors, and each window's max is taken on the accumulators, before the epilogue. The
// epilogue (bias, a positive scale, the clamp) is monotone, so max then epilogue is the
// pooled epilogue; the runtime falls back to conv then pool where a row scale is not
// positive. The conv outputs are never stored: a quarter of the epilogues and stores.

// @ts-ignore: decorator
@inline function clamp4(v: v128, vmin: v128, vmax: v128): v128 {
  return f32x4.pmin(f32x4.pmax(v, vmin), vmax);
}

/** Stores the first `lanes` (1..4) lanes of v at p. */
// @ts-ignore: decorator
@inline function storeLanes(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) {
    v128.store(p, v);
  } else if (lanes == 2) {
    v128.store64_lane(p, v, 0);
  } else if (lanes == 1) {
    v128.store32_lane(p, v, 0);
  } else {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  }
}

// @ts-ignore: decorator
@inline function rowBias(biasPtr: usize, r: i32): v128 {
  return f32x4.splat(biasPtr != 0 ? load<f32>(biasPtr + (<usize>r << 2)) : 0);
}

/** Refuses, at compile time, a weight element other than the two the kernels define. */
// @ts-ignore: decorator
@inline function checkWeightType<W>(): void {
  if (!isFloat<W>() && !(isInteger<W>() && isSigned<W>() && sizeof<W>() == 1)) ERROR('f32-spmm: weights are f32 or i8 codes');
  if (isFloat<W>() && sizeof<W>() != 4) ERROR('f32-spmm: float weights are f32');
}

// The f32 value of every i8 code, indexed by its byte (0..127, then -128..-1). The inner
// loop keeps the FP ports busy (a multiply and an add per accumulator and nonzero), so
// converting each code there (f32.convert_i32_s, or i32x4.splat + f32x4.convert_i32x4_s)
// cost 14-20% on the conv2 benchmark at 50-95% sparsity; this 1 KB table, hot in L1, costs
// a byte load and one broadcast load per nonzero, the loads f32 weights need.
const CODE_TO_F32: usize = memory.data<f32>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
  32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
  64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79,
  80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
  96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
  112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127,
  -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113,
  -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97,
  -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81,
  -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65,
  -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49,
  -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33,
  -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17,
  -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1,
]);

/** The weight at vp in all four lanes: an f32 as it is, an i8 code through CODE_TO_F32. */
// @ts-ignore: decorator
@inline function splatWeight<W>(vp: usize): v128 {
  if (isInteger<W>()) return v128.load32_splat(CODE_TO_F32 + (<usize>load<u8>(vp) << 2));
  return v128.load32_splat(vp);
}

/** Four consecutive weights at vp as f32x4. */
// @ts-ignore: decorator
@inline function loadWeights4<W>(vp: usize): v128 {
  if (isInteger<W>()) {
    return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(vp))));
  }
  return v128.load(vp);
}

/** Where a row's accumulators start: at the bias for f32 weights, at 0 for codes (scaled first). */
// @ts-ignore: decorator
@inline function accStart<W>(biasPtr: usize, r: i32): v128 {
  return isInteger<W>() ? f32x4.splat(0) : rowBias(biasPtr, r);
}

// The scale and bias of a code row are read after its nonzeros, so that they do not hold
// two registers through the inner loop: eight accumulators, the splat, a load, vmin and
// vmax already take 12 of V8's xmm registers. For f32 weights these fold to unused constants.

/** The row scale of code weights in all four lanes. */
// @ts-ignore: decorator
@inline function epilogueScale<W>(scalesPtr: usize, r: i32): v128 {
  return isInteger<W>() ? v128.load32_splat(scalesPtr + (<usize>r << 2)) : f32x4.splat(1);
}

/** The bias code rows add after scaling; f32 rows started from it. */
// @ts-ignore: decorator
@inline function epilogueBias<W>(biasPtr: usize, r: i32): v128 {
  return isInteger<W>() ? rowBias(biasPtr, r) : f32x4.splat(0);
}

/** A finished accumulator, clamped: codes take acc * scale + bias; f32 sums hold the bias already. */
// @ts-ignore: decorator
@inline function finish<W>(acc: v128, scale: v128, bias: v128, vmin: v128, vmax: v128): v128 {
  return clamp4(isInteger<W>() ? f32x4.add(f32x4.mul(acc, scale), bias) : acc, vmin, vmax);
}

/**
 * One-row tile of V (a constant 1..8 at each call site) vectors for output rows
 * [r0, r1): x at xTile is the tile's first pixel, y at yTile + r*yRowBytes. The last
 * vector stores `lanes` lanes.
 */
// @ts-ignore: decorator
@inline function tileRow<W>(
  V: i32, xTile: usize, yTile: usize, yRowBytes: usize, lanes: i32, r0: i32, r1: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, vmin: v128, vmax: v128,
): void {
  for (let r = r0; r < r1; r++) {
    const e0 = load<i32>(rowPtrPtr + (<usize>r << 2));
    const e1 = load<i32>(rowPtrPtr + (<usize>r << 2), 4);
    const a = accStart<W>(biasPtr, r);
    let a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a, a6 = a, a7 = a;
    let op = offsetsPtr + (<usize>e0 << 2);
    let vp = valuesPtr + <usize>e0 * sizeof<W>();
    const opEnd = offsetsPtr + (<usize>e1 << 2);
    while (op < opEnd) {
      const p = xTile + (<usize>load<i32>(op) << 2);
      const w = splatWeight<W>(vp);
      op += 4;
      vp += sizeof<W>();
      a0 = f32x4.add(a0, f32x4.mul(v128.load(p), w));
      if (V > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(p, 16), w));
      if (V > 2) a2 = f32x4.add(a2, f32x4.mul(v128.load(p, 32), w));
      if (V > 3) a3 = f32x4.add(a3, f32x4.mul(v128.load(p, 48), w));
      if (V > 4) a4 = f32x4.add(a4, f32x4.mul(v128.load(p, 64), w));
      if (V > 5) a5 = f32x4.add(a5, f32x4.mul(v128.load(p, 80), w));
      if (V > 6) a6 = f32x4.add(a6, f32x4.mul(v128.load(p, 96), w));
      if (V > 7) a7 = f32x4.add(a7, f32x4.mul(v128.load(p, 112), w));
    }
    const sc = epilogueScale<W>(scalesPtr, r), b = epilogueBias<W>(biasPtr, r);
    const y = yTile + <usize>r * yRowBytes;
    // Every vector but the last is whole; V is a constant, so these fold to straight stores.
    if (V > 1) v128.store(y, finish<W>(a0, sc, b, vmin, vmax));
    if (V > 2) v128.store(y, finish<W>(a1, sc, b, vmin, vmax), 16);
    if (V > 3) v128.store(y, finish<W>(a2, sc, b, vmin, vmax), 32);
    if (V > 4) v128.store(y, finish<W>(a3, sc, b, vmin, vmax), 48);
    if (V > 5) v128.store(y, finish<W>(a4, sc, b, vmin, vmax), 64);
    if (V > 6) v128.store(y, finish<W>(a5, sc, b, vmin, vmax), 80);
    if (V > 7) v128.store(y, finish<W>(a6, sc, b, vmin, vmax), 96);
    const last = V == 1 ? a0 : V == 2 ? a1 : V == 3 ? a2 : V == 4 ? a3 : V == 5 ? a4 : V == 6 ? a5 : V == 7 ? a6 : a7;
    storeLanes(y + (<usize>(V - 1) << 4), finish<W>(last, sc, b, vmin, vmax), lanes);
  }
}

/**
 * R stacked output rows (R a constant 2..8) of one vector each, for rows at most 4 pixels
 * wide: input rows sBytes apart, output rows oBytes apart.
 */
// @ts-ignore: decorator
@inline function tileRowsX1<W>(
  R: i32, xTile: usize, sBytes: usize, yTile: usize, oBytes: usize, yRowBytes: usize, lanes: i32, r0: i32, r1: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, vmin: v128, vmax: v128,
): void {
  for (let r = r0; r < r1; r++) {
    const e0 = load<i32>(rowPtrPtr + (<usize>r << 2));
    const e1 = load<i32>(rowPtrPtr + (<usize>r << 2), 4);
    const a = accStart<W>(biasPtr, r);
    let a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a, a6 = a, a7 = a;
    let op = offsetsPtr + (<usize>e0 << 2);
    let vp = valuesPtr + <usize>e0 * sizeof<W>();
    const opEnd = offsetsPtr + (<usize>e1 << 2);
    while (op < opEnd) {
      const p0 = xTile + (<usize>load<i32>(op) << 2);
      const w = splatWeight<W>(vp);
      op += 4;
      vp += sizeof<W>();
      const p1 = p0 + sBytes;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(p0), w));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(p1), w));
      if (R > 2) {
        const p2 = p1 + sBytes, p3 = p2 + sBytes;
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p2), w));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p3), w));
        if (R > 4) {
          const p4 = p3 + sBytes, p5 = p4 + sBytes, p6 = p5 + sBytes, p7 = p6 + sBytes;
          a4 = f32x4.add(a4, f32x4.mul(v128.load(p4), w));
          a5 = f32x4.add(a5, f32x4.mul(v128.load(p5), w));
          a6 = f32x4.add(a6, f32x4.mul(v128.load(p6), w));
          a7 = f32x4.add(a7, f32x4.mul(v128.load(p7), w));
        }
      }
    }
    const sc = epilogueScale<W>(scalesPtr, r), b = epilogueBias<W>(biasPtr, r);
    const y0 = yTile + <usize>r * yRowBytes;
    storeLanes(y0, finish<W>(a0, sc, b, vmin, vmax), lanes);
    storeLanes(y0 + oBytes, finish<W>(a1, sc, b, vmin, vmax), lanes);
    if (R > 2) {
      storeLanes(y0 + 2 * oBytes, finish<W>(a2, sc, b, vmin, vmax), lanes);
      storeLanes(y0 + 3 * oBytes, finish<W>(a3, sc, b, vmin, vmax), lanes);
      if (R > 4) {
        storeLanes(y0 + 4 * oBytes, finish<W>(a4, sc, b, vmin, vmax), lanes);
        storeLanes(y0 + 5 * oBytes, finish<W>(a5, sc, b, vmin, vmax), lanes);
        storeLanes(y0 + 6 * oBytes, finish<W>(a6, sc, b, vmin, vmax), lanes);
        storeLanes(y0 + 7 * oBytes, finish<W>(a7, sc, b, vmin, vmax), lanes);
      }
    }
  }
}

/** Four stacked output rows of two vectors each, for rows 5 to 8 pixels wide. */
// @ts-ignore: decorator
@inline function tileRowsX2<W>(
  xTile: usize, sBytes: usize, yTile: usize, oBytes: usize, yRowBytes: usize, lanes: i32, r0: i32, r1: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, vmin: v128, vmax: v128,
): void {
  for (let r = r0; r < r1; r++) {
    const e0 = load<i32>(rowPtrPtr + (<usize>r << 2));
    const e1 = load<i32>(rowPtrPtr + (<usize>r << 2), 4);
    const a = accStart<W>(biasPtr, r);
    let a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a, a6 = a, a7 = a;
    let op = offsetsPtr + (<usize>e0 << 2);
    let vp = valuesPtr + <usize>e0 * sizeof<W>();
    const opEnd = offsetsPtr + (<usize>e1 << 2);
    while (op < opEnd) {
      const p0 = xTile + (<usize>load<i32>(op) << 2);
      const w = splatWeight<W>(vp);
      op += 4;
      vp += sizeof<W>();
      const p1 = p0 + sBytes, p2 = p1 + sBytes, p3 = p2 + sBytes;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(p0), w));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(p0, 16), w));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(p1), w));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(p1, 16), w));
      a4 = f32x4.add(a4, f32x4.mul(v128.load(p2), w));
      a5 = f32x4.add(a5, f32x4.mul(v128.load(p2, 16), w));
      a6 = f32x4.add(a6, f32x4.mul(v128.load(p3), w));
      a7 = f32x4.add(a7, f32x4.mul(v128.load(p3, 16), w));
    }
    const sc = epilogueScale<W>(scalesPtr, r), b = epilogueBias<W>(biasPtr, r);
    const y0 = yTile + <usize>r * yRowBytes, y1 = y0 + oBytes, y2 = y1 + oBytes, y3 = y2 + oBytes;
    v128.store(y0, finish<W>(a0, sc, b, vmin, vmax));
    storeLanes(y0 + 16, finish<W>(a1, sc, b, vmin, vmax), lanes);
    v128.store(y1, finish<W>(a2, sc, b, vmin, vmax));
    storeLanes(y1 + 16, finish<W>(a3, sc, b, vmin, vmax), lanes);
    v128.store(y2, finish<W>(a4, sc, b, vmin, vmax));
    storeLanes(y2 + 16, finish<W>(a5, sc, b, vmin, vmax), lanes);
    v128.store(y3, finish<W>(a6, sc, b, vmin, vmax));
    storeLanes(y3 + 16, finish<W>(a7, sc, b, vmin, vmax), lanes);
  }
}

/**
 * The 2x2 window maxima of conv columns 0..7 (row 0 in t0a, t0b; row 1 in t1a, t1b) as four
 * lanes. Taps are taken in the window's row-major order, a later one winning only when
 * strictly greater (pmax), as f32_maxpool2d_fwd does: ties and NaNs resolve as conv then pool.
 */
// @ts-ignore: decorator
@inline function windowMax(t0a: v128, t0b: v128, t1a: v128, t1b: v128): v128 {
  const m = f32x4.pmax(v128.shuffle<f32>(t0a, t0b, 0, 2, 4, 6), v128.shuffle<f32>(t0a, t0b, 1, 3, 5, 7));
  return f32x4.pmax(f32x4.pmax(m, v128.shuffle<f32>(t1a, t1b, 0, 2, 4, 6)), v128.shuffle<f32>(t1a, t1b, 1, 3, 5, 7));
}

/**
 * A pooled tile: conv rows 2py and 2py+1 (sBytes apart in x) over V (a constant 1..4) vectors
 * from an even conv column, giving 2V pooled outputs of which the first `count` are stored.
 */
// @ts-ignore: decorator
@inline function tilePool2x2<W>(
  V: i32, xTile: usize, sBytes: usize, yTile: usize, yRowBytes: usize, count: i32, r0: i32, r1: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, vmin: v128, vmax: v128,
): void {
  for (let r = r0; r < r1; r++) {
    const e0 = load<i32>(rowPtrPtr + (<usize>r << 2));
    const e1 = load<i32>(rowPtrPtr + (<usize>r << 2), 4);
    const a = accStart<W>(biasPtr, r);
    // a0..a3: conv row 2py, a4..a7: row 2py+1.
    let a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a, a6 = a, a7 = a;
    let op = offsetsPtr + (<usize>e0 << 2);
    let vp = valuesPtr + <usize>e0 * sizeof<W>();
    const opEnd = offsetsPtr + (<usize>e1 << 2);
    while (op < opEnd) {
      const p = xTile + (<usize>load<i32>(op) << 2);
      const q = p + sBytes;
      const w = splatWeight<W>(vp);
      op += 4;
      vp += sizeof<W>();
      a0 = f32x4.add(a0, f32x4.mul(v128.load(p), w));
      a4 = f32x4.add(a4, f32x4.mul(v128.load(q), w));
      if (V > 1) {
        a1 = f32x4.add(a1, f32x4.mul(v128.load(p, 16), w));
        a5 = f32x4.add(a5, f32x4.mul(v128.load(q, 16), w));
      }
      if (V > 2) {
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p, 32), w));
        a6 = f32x4.add(a6, f32x4.mul(v128.load(q, 32), w));
      }
      if (V > 3) {
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p, 48), w));
        a7 = f32x4.add(a7, f32x4.mul(v128.load(q, 48), w));
      }
    }
    const sc = epilogueScale<W>(scalesPtr, r), b = epilogueBias<W>(biasPtr, r);
    const y = yTile + <usize>r * yRowBytes;
    // An odd last vector pairs with itself: its lanes 2, 3 are duplicates, never stored.
    const lo = V > 1 ? windowMax(a0, a1, a4, a5) : windowMax(a0, a0, a4, a4);
    storeLanes(y, finish<W>(lo, sc, b, vmin, vmax), min(count, 4));
    if (V > 2) {
      const hi = V > 3 ? windowMax(a2, a3, a6, a7) : windowMax(a2, a2, a6, a6);
      storeLanes(y + 16, finish<W>(hi, sc, b, vmin, vmax), count - 4);
    }
  }
}

/**
 * One output pixel per row (a batch-1 linear layer): a sparse dot product with four
 * nonzeros per step, x gathered lane by lane.
 */
// @ts-ignore: decorator
@inline function dotRows<W>(
  xi: usize, y: usize, yRowBytes: usize, r0: i32, r1: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
): void {
  for (let r = r0; r < r1; r++) {
    const e0 = load<i32>(rowPtrPtr + (<usize>r << 2));
    const e1 = load<i32>(rowPtrPtr + (<usize>r << 2), 4);
    let op = offsetsPtr + (<usize>e0 << 2);
    let vp = valuesPtr + <usize>e0 * sizeof<W>();
    const opEnd = offsetsPtr + (<usize>e1 << 2);
    let acc = f32x4.splat(0);
    while (op + 16 <= opEnd) {
      let g = v128.load32_zero(xi + (<usize>load<i32>(op) << 2));
      g = v128.load32_lane(xi + (<usize>load<i32>(op, 4) << 2), g, 1);
      g = v128.load32_lane(xi + (<usize>load<i32>(op, 8) << 2), g, 2);
      g = v128.load32_lane(xi + (<usize>load<i32>(op, 12) << 2), g, 3);
      acc = f32x4.add(acc, f32x4.mul(loadWeights4<W>(vp), g));
      op += 16;
      vp += 4 * sizeof<W>();
    }
    const bias: f32 = biasPtr != 0 ? load<f32>(biasPtr + (<usize>r << 2)) : 0;
    let s: f32 = isInteger<W>() ? 0 : bias;
    s += (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    while (op < opEnd) {
      s += <f32>load<W>(vp) * load<f32>(xi + (<usize>load<i32>(op) << 2));
      op += 4;
      vp += sizeof<W>();
    }
    if (isInteger<W>()) s = s * load<f32>(scalesPtr + (<usize>r << 2)) + bias;
    s = s < minV ? minV : s;
    s = maxV < s ? maxV : s;
    store<f32>(y + <usize>r * yRowBytes, s);
  }
}

/** Output rows [r0, r1) of one image: x image at xi, y image at yi. */
function spmmImage<W>(
  outRows: i32, outCols: i32, inRowStride: i32, rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize,
  scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32, xi: usize, yi: usize, ldy: i32, r0: i32, r1: i32,
): void {
  const yRowBytes = <usize>ldy << 2;
  if (outRows == 1 && outCols == 1) {
    dotRows<W>(xi, yi, yRowBytes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, minV, maxV);
    return;
  }
  const vmin = f32x4.splat(minV), vmax = f32x4.splat(maxV);
  const sBytes = <usize>inRowStride << 2;
  const oBytes = <usize>outCols << 2;
  const nv = (outCols + 3) >> 2;
  const lastLanes = outCols - ((nv - 1) << 2);
  if (nv <= 2 && outRows >= 4) {
    // Narrow rows: stack R output rows per tile. A ragged last stack moves back over rows
    // already written (outRows - R); recomputing them gives the same bits.
    const R = nv == 1 && outRows >= 8 ? 8 : 4;
    for (let oy = 0; oy < outRows; oy += R) {
      const oy0 = min(oy, outRows - R);
      const xTile = xi + <usize>oy0 * sBytes;
      const yTile = yi + <usize>oy0 * oBytes;
      if (nv == 2) {
        tileRowsX2<W>(xTile, sBytes, yTile, oBytes, yRowBytes, lastLanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax);
      } else if (R == 8) {
        tileRowsX1<W>(8, xTile, sBytes, yTile, oBytes, yRowBytes, lastLanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax);
      } else {
        tileRowsX1<W>(4, xTile, sBytes, yTile, oBytes, yRowBytes, lastLanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax);
      }
    }
    return;
  }
  const ntiles = (nv + 7) >> 3;
  const base = nv / ntiles, extra = nv - base * ntiles;
  for (let oy = 0; oy < outRows; oy++) {
    let v0 = 0;
    for (let t = 0; t < ntiles; t++) {
      const V = base + (t < extra ? 1 : 0);
      const lanes = t == ntiles - 1 ? lastLanes : 4;
      const xTile = xi + <usize>oy * sBytes + (<usize>v0 << 4);
      const yTile = yi + <usize>oy * oBytes + (<usize>v0 << 4);
      switch (V) {
        case 8: tileRow<W>(8, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 7: tileRow<W>(7, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 6: tileRow<W>(6, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 5: tileRow<W>(5, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 4: tileRow<W>(4, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 3: tileRow<W>(3, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 2: tileRow<W>(2, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        default: tileRow<W>(1, xTile, yTile, yRowBytes, lanes, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
      }
      v0 += V;
    }
  }
}

/**
 * Output rows [r0, r1) of one image, pooled 2x2: outRows x outCols conv outputs become
 * (outRows >> 1) x (outCols >> 1) maxima, stored ldy apart per row.
 */
function spmmImagePool2x2<W>(
  outRows: i32, outCols: i32, inRowStride: i32, rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize,
  scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32, xi: usize, yi: usize, ldy: i32, r0: i32, r1: i32,
): void {
  const ph = outRows >> 1, pw = outCols >> 1;
  if (ph == 0 || pw == 0) return;
  const yRowBytes = <usize>ldy << 2;
  const vmin = f32x4.splat(minV), vmax = f32x4.splat(maxV);
  const sBytes = <usize>inRowStride << 2;
  // Conv vectors (4 columns, 2 pooled outputs each) per pooled row, in near-equal tiles of at
  // most 4: two rows of 4 take the eight accumulators.
  const nv = (pw + 1) >> 1;
  const ntiles = (nv + 3) >> 2;
  const base = nv / ntiles, extra = nv - base * ntiles;
  for (let py = 0; py < ph; py++) {
    let v0 = 0;
    for (let t = 0; t < ntiles; t++) {
      const V = base + (t < extra ? 1 : 0);
      const count = t == ntiles - 1 ? pw - 2 * v0 : 2 * V;
      const xTile = xi + <usize>(2 * py) * sBytes + (<usize>v0 << 4);
      const yTile = yi + ((<usize>py * <usize>pw + (<usize>v0 << 1)) << 2);
      switch (V) {
        case 4: tilePool2x2<W>(4, xTile, sBytes, yTile, yRowBytes, count, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 3: tilePool2x2<W>(3, xTile, sBytes, yTile, yRowBytes, count, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        case 2: tilePool2x2<W>(2, xTile, sBytes, yTile, yRowBytes, count, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
        default: tilePool2x2<W>(1, xTile, sBytes, yTile, yRowBytes, count, r0, r1, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, vmin, vmax); break;
      }
      v0 += V;
    }
  }
}

/**
 * The simd128 body of both kernels, over the weight element W (f32, or i8 codes scaled by
 * scalesPtr per row): units u in [start, end), u = img * rows + r.
 */
// @ts-ignore: decorator
@inline function spmm32x1<W>(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32, start: i32, end: i32, pool2x2: bool,
): void {
  checkWeightType<W>();
  if (rows <= 0 || outRows <= 0 || outCols <= 0) return;
  let u = start;
  while (u < end) {
    // The units of one image run together, so its pixel tiles are walked once per call.
    const img = u / rows;
    const r0 = u - img * rows;
    const r1 = min(rows, r0 + (end - u));
    const xi = xPtr + ((<usize>img * xBatchStride) << 2);
    const yi = yPtr + ((<usize>img * yBatchStride) << 2);
    if (pool2x2) spmmImagePool2x2<W>(outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, minV, maxV, xi, yi, ldy, r0, r1);
    else spmmImage<W>(outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, minV, maxV, xi, yi, ldy, r0, r1);
    u += r1 - r0;
  }
}

/**
 * Same contract as f32_spmm_32x1__scalar: units u in [start, end), u = img * rows + r, and
 * y[img, r, oy*outCols + ox] = clamp(bias[r] + sum_e values[e] * x[img, offsets[e] + oy*inRowStride + ox]).
 * Reads up to 3 floats past the last pixel of each x row it uses; writes only valid pixels.
 */
export function f32_spmm_32x1__simd128(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1<f32>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, 0, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, false);
}

/**
 * Same contract as f32_qc8w_spmm_32x1__scalar: f32_spmm_32x1__simd128 with i8 codes at
 * valuesPtr and one f32 scale per row at scalesPtr, y[img, r, oy*outCols + ox] =
 * clamp(bias[r] + scales[r] * sum_e codes[e] * x[img, offsets[e] + oy*inRowStride + ox]).
 */
export function f32_qc8w_spmm_32x1__simd128(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1<i8>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, false);
}

/**
 * Same contract as f32_spmm_32x1_maxpool2x2__scalar: f32_spmm_32x1__simd128 followed by a 2x2
 * stride-2 max pool (floor mode): y[img, r, py*(outCols>>1) + px] = max over dy, dx in {0, 1}
 * of the conv output at (2py+dy, 2px+dx), for py < outRows>>1, px < outCols>>1.
 */
export function f32_spmm_32x1_maxpool2x2__simd128(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1<f32>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, 0, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, true);
}

/**
 * Same contract as f32_qc8w_spmm_32x1_maxpool2x2__scalar: f32_qc8w_spmm_32x1__simd128 followed
 * by a 2x2 stride-2 max pool (floor mode). Exact only where every row scale is positive.
 */
export function f32_qc8w_spmm_32x1_maxpool2x2__simd128(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, scalesPtr: usize, biasPtr: usize, minV: f32, maxV: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  spmm32x1<i8>(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, scalesPtr, biasPtr, minV, maxV,
    xPtr, xBatchStride, yPtr, ldy, yBatchStride, start, end, true);
}
