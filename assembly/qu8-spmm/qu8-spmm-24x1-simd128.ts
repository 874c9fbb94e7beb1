// Sparse int8 weights x dense uint8 activations ("offset SpMM"): tiles of up to 32 output
// pixels of one output row (24 when the kernels were named). The contract is f32_spmm_32x1's (see index.ts) with int8 codes
// and the shared requantize/dequantize epilogue (../qu8-misc/qu8-epilogue.ts).
//
// Inner loop: two nonzeros (a, b) at a time. Their runs of x are loaded as plain v128 (16
// codes) or 64-bit (8 codes) loads, byte-interleaved (a0 b0 a1 b1 ...), zero-extended to
// i16 and multiplied by the splatted i16 pair (w_a, w_b) with i32x4.dot_i16x8_s, so each dot
// does eight multiply-adds into int32: per pair and 16 pixels 2 loads, 2 shuffles, 4
// extends, 4 dots and 4 adds for 32 MACs. The activation zero point is not subtracted per
// pixel; acc = sum w*x - zx * rowSum[r] is corrected once per output.
//
// Measured on one core (Xeon, V8 11.3, conv2 of the Keras MNIST CNN as a direct conv and
// as an im2col'd [288][576] matrix, 50-95% random sparsity), in GOP/s over nonzeros:
//   this inner loop (16-byte loads, byte interleave, extend)     43-48
//   x pre-extended to i16 in scratch, i16 interleave             45-50 (plus a per-image pass)
//   two load8x8_u runs + i16x8 shuffle interleave                 31-38
//   32-pixel tiles (8 accumulators) or two pairs per iteration    30-38 (V8 spills)
// (but on ResNet-20's convs at 95% sparsity, over whole framed planes as one row, 32-pixel
// tiles made the whole model 3-5% faster than 24-pixel ones: they are the default now)
//   even/odd split by masks and shifts (no extends)               29-34
//   one nonzero at a time, i16x8.mul then widen to i32            13-18
//   reading the CSR directly (pair weights built per tile)        33-45
//   float32, the same loop shape                                  23-26
// and on 24-pixel conv tiles, i16 accumulation of i16x8.mul products in groups whose
// sum |w| <= 255 (so the i16 sums cannot overflow) over an i16 copy of x - 128 was 15%
// slower than this loop with 8-bit codes and 12% faster with 4-bit codes: not worth an
// image-sized scratch copy. Against f32_spmm_32x1 on the direct conv layout this kernel is
// ahead up to 80% sparsity (1.1x) and behind at 90% and 95% (0.85x, 0.7x): a pair costs as much as
// two float nonzeros there (unaligned loads split cache lines; the byte shuffles and
// extends compete with the dots for the same vector ports), and the requantizing epilogue
// (seven vector ops per four outputs against the float kernel's two) dominates short rows.
// On [K][N] layouts (im2col, x^T of a linear layer) the loads are aligned and the uint8
// activations a quarter of the bytes: 1.3-1.7x the float kernel there.
// The i16 copy is no faster once its conversion pass is paid and needs scratch the size
// of an image, so the kernel reads the uint8 activations directly. Pairs are prepared once
// per output row in scratch (weights as an i16 pair, two offsets): rebuilding them per tile
// cost a quarter of the time at 95% sparsity. Output rows outside, pixel tiles inside was
// faster than the reverse here (25% at 90% sparsity on the im2col layout).
//
// Tiles: a row of W >= 8 pixels is g = ceil(W/8) groups of 8, split into ceil(g/4) tiles of
// near-equal size (24 -> 3, 26 -> 4, 33 -> 3+2, 576 -> 18 x 4), because walking a row's
// pairs is paid per tile (ceil(g/3) with a fused pool, whose accumulators wait in scratch); the last tile ends at W, recomputing pixels its neighbour wrote
// when W is not a multiple of 8 (the same bits). Rows narrower than 8 stack up to three
// output rows per tile and store W lanes of each. A single pixel per row (batch-1 linear
// layer) is a sparse dot product vectorised across nonzeros instead. Tiles of wide rows
// load only valid pixels; rows narrower than 8 load 8 bytes, up to 7 past the row's end
// (the caller keeps 64 readable bytes after any valid read). Stores never leave the valid
// pixels.
//
// Fused 2x2 stride-2 max pool (qu8_spmm_24x1_maxpool2x2, floor mode): the same tiles over the
// conv columns a pooled row needs; a tile's top conv row keeps its int32 accumulators in
// scratch, its bottom row takes the maxima with them and pairs columns, and only then runs the
// epilogue, on a quarter of the outputs. Pooled rows of at most 3 outputs use the stacked tile.
//
// Fused residual add (qu8_spmm_24x1_add, uint8 outputs): the same tiles; the epilogue
// (qu8FinishAdd4) adds the other input's four codes at the same element of a tensor laid out as
// y in the real domain, onto the add's grid, and the stores write the sum. A fully pruned row is
// then no fill: it walks its tiles with an empty pair table.
import {
  qu8Finish4, qu8Finish1, qu8Store16, qu8Store8, qu8Store4, qu8Store1, qu8StoreLanes, qu8ClampLo, qu8ClampHi, QU8_OUT_F32, QU8_OUT_U8,
  qu8FinishAdd4, qu8FinishAdd1, qu8Narrow8, qu8Narrow16,
} from '../qu8-misc/qu8-epilogue';
import { fillRun as fillBytes } from '../xx-pad/byte-runs';

/** Bytes of one prepared pair: i32 (w_a | w_b << 16), i32 offset a, i32 offset b. */
export const QU8_SPMM_PAIR_BYTES = 12;

/**
 * Writes the pair records of nonzeros [e0, e1) at tabPtr and returns the end of the table.
 * An odd last nonzero is paired with weight 0 at its own offset.
 */
// @ts-ignore: decorator
@inline export function qu8SpmmPairs(e0: i32, e1: i32, offsetsPtr: usize, valuesPtr: usize, tabPtr: usize): usize {
  let t = tabPtr;
  let e = e0;
  for (; e + 2 <= e1; e += 2, t += QU8_SPMM_PAIR_BYTES) {
    const wa = <i32>load<i8>(valuesPtr + <usize>e);
    const wb = <i32>load<i8>(valuesPtr + <usize>e, 1);
    store<i32>(t, (wa & 0xffff) | (wb << 16));
    store<i32>(t, load<i32>(offsetsPtr + (<usize>e << 2)), 4);
    store<i32>(t, load<i32>(offsetsPtr + (<usize>e << 2), 4), 8);
  }
  if (e < e1) {
    const o = load<i32>(offsetsPtr + (<usize>e << 2));
    store<i32>(t, <i32>load<i8>(valuesPtr + <usize>e) & 0xffff);
    store<i32>(t, o, 4);
    store<i32>(t, o, 8);
    t += QU8_SPMM_PAIR_BYTES;
  }
  return t;
}

// Bytes 0..7 of a and b interleaved (a0 b0 a1 b1 ...), and bytes 8..15.
// @ts-ignore: decorator
@inline function zipLo(a: v128, b: v128): v128 {
  return v128.shuffle<u8>(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
// @ts-ignore: decorator
@inline function zipHi(a: v128, b: v128): v128 {
  return v128.shuffle<u8>(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/** The 2x2 window maxima of four conv columns in each of m0 and m1 (row maxima already taken). */
// @ts-ignore: decorator
@inline function pairMax(m0: v128, m1: v128): v128 {
  return i32x4.max_s(v128.shuffle<i32>(m0, m1, 0, 2, 4, 6), v128.shuffle<i32>(m0, m1, 1, 3, 5, 7));
}

/**
 * qu8Store16, or with a mask (uint8 outputs, maskPtr != 0) the fill byte wherever the mask's byte
 * for that output is 0: 16 copies of it sit just before the mask (see qu8_spmm_24x1__simd128).
 */
// @ts-ignore: decorator
@inline function rowStore16(yPtr: usize, idx: usize, v0: v128, v1: v128, v2: v128, v3: v128, outKind: i32, maskPtr: usize): void {
  if (maskPtr == 0 || outKind != QU8_OUT_U8) {
    qu8Store16(yPtr, idx, v0, v1, v2, v3, outKind);
    return;
  }
  v128.store(yPtr + idx, v128.bitselect(qu8Narrow16(v0, v1, v2, v3), v128.load(maskPtr - 16), v128.load(maskPtr + idx)));
}

/** qu8Store8 with rowStore16's mask. */
// @ts-ignore: decorator
@inline function rowStore8(yPtr: usize, idx: usize, v0: v128, v1: v128, outKind: i32, maskPtr: usize): void {
  if (maskPtr == 0 || outKind != QU8_OUT_U8) {
    qu8Store8(yPtr, idx, v0, v1, outKind);
    return;
  }
  v128.store64_lane(yPtr + idx, v128.bitselect(qu8Narrow8(v0, v1), v128.load(maskPtr - 16), v128.load64_zero(maskPtr + idx)), 0);
}

/** qu8Finish4, or with res (outKind 0) with the residual's four codes at rPtr added (see qu8FinishAdd4). */
// @ts-ignore: decorator
@inline function finish4(
  res: bool, acc: v128, mult: v128, off: v128, lo: v128, hi: v128, outKind: i32, rPtr: usize, kLo: v128, kHi: v128, kMult: v128, kOff: v128,
): v128 {
  return res ? qu8FinishAdd4(acc, mult, off, lo, hi, rPtr, kLo, kHi, kMult, kOff) : qu8Finish4(acc, mult, off, lo, hi, outKind);
}

// The constants of qu8FinishAdd4 from the block at k, splatted once per tile (zeros without res).
// @ts-ignore: decorator
@inline function addConst(res: bool, k: usize, at: i32): v128 {
  return res ? v128.load32_splat(k + <usize>at) : i32x4.splat(0);
}

// Modes of tileRow: the epilogue and stores (ROW), or, for a fused 2x2 max pool, the first conv
// row's raw accumulators kept at accPtr (POOL_TOP), then the second row's taken with them
// through the window max, the epilogue and the stores of 4G pooled outputs (POOL_BOTTOM).
// The pair table and inner loop are the unfused kernel's, so the fused kernel walks them as
// often; computing both rows in one tile needs twice the accumulators (V8 spills past six).
const ROW = 0, POOL_TOP = 1, POOL_BOTTOM = 2;

/**
 * Runs of 8 (G = 1), 16 (G = 2), 24 (G = 3) or 32 (G = 4, mode ROW only) pixels of one output
 * row; `mode` and `res` constants.
 * With res (mode ROW), the residual input's codes for these pixels start at rAt (uint8); with a
 * mask (mode ROW), outputs whose mask byte is 0 are stored as the fill byte (see rowStore16).
 */
// @ts-ignore: decorator
@inline function tileRow(
  G: i32, mode: i32, tabPtr: usize, tabEnd: usize, xb: usize, init: v128, mult: v128, off: v128, lo: v128, hi: v128,
  outKind: i32, yPtr: usize, idx: usize, accPtr: usize, res: bool, rAt: usize, addPtr: usize, maskPtr: usize,
): void {
  let a0 = init, a1 = init, a2 = init, a3 = init, a4 = init, a5 = init, a6 = init, a7 = init;
  for (let t = tabPtr; t < tabEnd; t += QU8_SPMM_PAIR_BYTES) {
    const w = v128.load32_splat(t);
    const pa = xb + <usize>load<i32>(t, 4), pb = xb + <usize>load<i32>(t, 8);
    if (G >= 2) {
      const va = v128.load(pa), vb = v128.load(pb);
      const l = zipLo(va, vb), h = zipHi(va, vb);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(h), w));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(h), w));
    } else {
      const l = zipLo(v128.load64_zero(pa), v128.load64_zero(pb));
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
    }
    if (G == 3) {
      const l = zipLo(v128.load64_zero(pa, 16), v128.load64_zero(pb, 16));
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
    }
    if (G == 4) {
      const va = v128.load(pa, 16), vb = v128.load(pb, 16);
      const l = zipLo(va, vb), h = zipHi(va, vb);
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
      a6 = i32x4.add(a6, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(h), w));
      a7 = i32x4.add(a7, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(h), w));
    }
  }
  if (mode == POOL_TOP) {
    v128.store(accPtr, a0);
    v128.store(accPtr, a1, 16);
    if (G >= 2) {
      v128.store(accPtr, a2, 32);
      v128.store(accPtr, a3, 48);
    }
    if (G == 3) {
      v128.store(accPtr, a4, 64);
      v128.store(accPtr, a5, 80);
    }
    return;
  }
  if (mode == POOL_BOTTOM) {
    // Integer maxima are exact in any order; the epilogue is monotone for a positive multiplier.
    const v0 = qu8Finish4(pairMax(i32x4.max_s(a0, v128.load(accPtr)), i32x4.max_s(a1, v128.load(accPtr, 16))), mult, off, lo, hi, outKind);
    if (G == 1) {
      qu8Store4(yPtr, idx, v0, outKind);
    } else {
      qu8Store8(yPtr, idx, v0,
        qu8Finish4(pairMax(i32x4.max_s(a2, v128.load(accPtr, 32)), i32x4.max_s(a3, v128.load(accPtr, 48))), mult, off, lo, hi, outKind), outKind);
    }
    if (G == 3) {
      qu8Store4(yPtr, idx + 8,
        qu8Finish4(pairMax(i32x4.max_s(a4, v128.load(accPtr, 64)), i32x4.max_s(a5, v128.load(accPtr, 80))), mult, off, lo, hi, outKind), outKind);
    }
    return;
  }
  const kLo = addConst(res, addPtr, 0), kHi = addConst(res, addPtr, 4), kMult = addConst(res, addPtr, 8), kOff = addConst(res, addPtr, 12);
  const v0 = finish4(res, a0, mult, off, lo, hi, outKind, rAt, kLo, kHi, kMult, kOff);
  const v1 = finish4(res, a1, mult, off, lo, hi, outKind, rAt + 4, kLo, kHi, kMult, kOff);
  if (G == 1) {
    rowStore8(yPtr, idx, v0, v1, outKind, maskPtr);
  } else {
    rowStore16(yPtr, idx, v0, v1,
      finish4(res, a2, mult, off, lo, hi, outKind, rAt + 8, kLo, kHi, kMult, kOff),
      finish4(res, a3, mult, off, lo, hi, outKind, rAt + 12, kLo, kHi, kMult, kOff), outKind, maskPtr);
  }
  if (G == 3) {
    rowStore8(yPtr, idx + 16,
      finish4(res, a4, mult, off, lo, hi, outKind, rAt + 16, kLo, kHi, kMult, kOff),
      finish4(res, a5, mult, off, lo, hi, outKind, rAt + 20, kLo, kHi, kMult, kOff), outKind, maskPtr);
  }
  if (G == 4) {
    rowStore16(yPtr, idx + 16,
      finish4(res, a4, mult, off, lo, hi, outKind, rAt + 16, kLo, kHi, kMult, kOff),
      finish4(res, a5, mult, off, lo, hi, outKind, rAt + 20, kLo, kHi, kMult, kOff),
      finish4(res, a6, mult, off, lo, hi, outKind, rAt + 24, kLo, kHi, kMult, kOff),
      finish4(res, a7, mult, off, lo, hi, outKind, rAt + 28, kLo, kHi, kMult, kOff), outKind, maskPtr);
  }
}

/**
 * R (1..3) output rows of n (1..8) pixels each, for rows narrower than 8: x rows xStep
 * bytes apart, outputs yStep elements apart. Loads read 8 bytes per row. With pool2x2 (R = 2),
 * the two rows' 8 pixels become 4 window maxima, of which the first n (1..4) are stored.
 * With res, the residual add reads 8 bytes per row of the input from rAt, rows rStep bytes apart.
 */
// @ts-ignore: decorator
@inline function tileStacked(
  R: i32, n: i32, tabPtr: usize, tabEnd: usize, xb: usize, xStep: usize, init: v128, mult: v128, off: v128,
  lo: v128, hi: v128, outKind: i32, yPtr: usize, idx: usize, yStep: usize, pool2x2: bool, res: bool, rAt: usize, rStep: usize, addPtr: usize,
): void {
  let a0 = init, a1 = init, a2 = init, a3 = init, a4 = init, a5 = init;
  for (let t = tabPtr; t < tabEnd; t += QU8_SPMM_PAIR_BYTES) {
    const w = v128.load32_splat(t);
    const pa = xb + <usize>load<i32>(t, 4), pb = xb + <usize>load<i32>(t, 8);
    let l = zipLo(v128.load64_zero(pa), v128.load64_zero(pb));
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
    if (R > 1) {
      l = zipLo(v128.load64_zero(pa + xStep), v128.load64_zero(pb + xStep));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
    }
    if (R > 2) {
      l = zipLo(v128.load64_zero(pa + 2 * xStep), v128.load64_zero(pb + 2 * xStep));
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
    }
  }
  if (pool2x2) {
    // Integer maxima are exact in any order, and the epilogue is monotone for a positive multiplier.
    const m0 = i32x4.max_s(a0, a2), m1 = i32x4.max_s(a1, a3);
    const m = i32x4.max_s(v128.shuffle<i32>(m0, m1, 0, 2, 4, 6), v128.shuffle<i32>(m0, m1, 1, 3, 5, 7));
    const v = qu8Finish4(m, mult, off, lo, hi, outKind);
    if (n == 4) qu8Store4(yPtr, idx, v, outKind);
    else qu8StoreLanes(yPtr, idx, 1, v, n, outKind);
    return;
  }
  const n0 = min(n, 4), n1 = n - 4;
  const kLo = addConst(res, addPtr, 0), kHi = addConst(res, addPtr, 4), kMult = addConst(res, addPtr, 8), kOff = addConst(res, addPtr, 12);
  qu8StoreLanes(yPtr, idx, 1, finish4(res, a0, mult, off, lo, hi, outKind, rAt, kLo, kHi, kMult, kOff), n0, outKind);
  qu8StoreLanes(yPtr, idx + 4, 1, finish4(res, a1, mult, off, lo, hi, outKind, rAt + 4, kLo, kHi, kMult, kOff), n1, outKind);
  if (R > 1) {
    qu8StoreLanes(yPtr, idx + yStep, 1, finish4(res, a2, mult, off, lo, hi, outKind, rAt + rStep, kLo, kHi, kMult, kOff), n0, outKind);
    qu8StoreLanes(yPtr, idx + yStep + 4, 1, finish4(res, a3, mult, off, lo, hi, outKind, rAt + rStep + 4, kLo, kHi, kMult, kOff), n1, outKind);
  }
  if (R > 2) {
    qu8StoreLanes(yPtr, idx + 2 * yStep, 1, finish4(res, a4, mult, off, lo, hi, outKind, rAt + 2 * rStep, kLo, kHi, kMult, kOff), n0, outKind);
    qu8StoreLanes(yPtr, idx + 2 * yStep + 4, 1, finish4(res, a5, mult, off, lo, hi, outKind, rAt + 2 * rStep + 4, kLo, kHi, kMult, kOff), n1, outKind);
  }
}

/**
 * sum_e values[e] * x[offsets[e]] over nonzeros [e0, e1) at one pixel (xb), vectorised across
 * nonzeros: eight codes gathered into lanes (v128.load8_lane), one dot with eight weights.
 * A batch-1 linear layer has one pixel per row, so its nonzeros are the only parallelism.
 */
// @ts-ignore: decorator
@inline function pixelDot(e0: i32, e1: i32, offsetsPtr: usize, valuesPtr: usize, xb: usize): i32 {
  let acc = i32x4.splat(0);
  let e = e0;
  for (; e + 8 <= e1; e += 8) {
    const op = offsetsPtr + (<usize>e << 2);
    let xv = v128.load8_splat(xb + <usize>load<i32>(op));
    xv = v128.load8_lane(xb + <usize>load<i32>(op, 4), xv, 1);
    xv = v128.load8_lane(xb + <usize>load<i32>(op, 8), xv, 2);
    xv = v128.load8_lane(xb + <usize>load<i32>(op, 12), xv, 3);
    xv = v128.load8_lane(xb + <usize>load<i32>(op, 16), xv, 4);
    xv = v128.load8_lane(xb + <usize>load<i32>(op, 20), xv, 5);
    xv = v128.load8_lane(xb + <usize>load<i32>(op, 24), xv, 6);
    xv = v128.load8_lane(xb + <usize>load<i32>(op, 28), xv, 7);
    const wv = i16x8.extend_low_i8x16_s(v128.load64_zero(valuesPtr + <usize>e));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(xv), wv));
  }
  let s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; e < e1; e++) s += <i32>load<i8>(valuesPtr + <usize>e) * <i32>load<u8>(xb + <usize>load<i32>(offsetsPtr + (<usize>e << 2)));
  return s;
}

/**
 * One tile of G groups of 8 pixels at conv column ox of the row at xr: stored at element
 * base + ox, or with pool2x2, maxed 2x2 with the row irs bytes below and stored at base + ox/2.
 * With res, the residual row's codes start at rRow.
 * Inlined: as a call it cost a third of the time of an empty row's tile (12 vs 18 us per conv2
 * image with no nonzeros).
 */
// @ts-ignore: decorator
@inline function rowTile(
  pool2x2: bool, G: i32, tabPtr: usize, tabEnd: usize, xr: usize, irs: usize, ox: i32, init: v128, mult: v128, off: v128,
  lo: v128, hi: v128, outKind: i32, yRow: usize, base: usize, accPtr: usize, res: bool, rRow: usize, addPtr: usize, maskPtr: usize,
): void {
  const xb = xr + <usize>ox;
  const rAt = rRow + <usize>ox;
  if (pool2x2) {
    const idx = base + <usize>(ox >> 1);
    if (G == 3) {
      tileRow(3, POOL_TOP, tabPtr, tabEnd, xb, init, mult, off, lo, hi, outKind, yRow, idx, accPtr, false, 0, 0, 0);
      tileRow(3, POOL_BOTTOM, tabPtr, tabEnd, xb + irs, init, mult, off, lo, hi, outKind, yRow, idx, accPtr, false, 0, 0, 0);
    } else if (G == 2) {
      tileRow(2, POOL_TOP, tabPtr, tabEnd, xb, init, mult, off, lo, hi, outKind, yRow, idx, accPtr, false, 0, 0, 0);
      tileRow(2, POOL_BOTTOM, tabPtr, tabEnd, xb + irs, init, mult, off, lo, hi, outKind, yRow, idx, accPtr, false, 0, 0, 0);
    } else {
      tileRow(1, POOL_TOP, tabPtr, tabEnd, xb, init, mult, off, lo, hi, outKind, yRow, idx, accPtr, false, 0, 0, 0);
      tileRow(1, POOL_BOTTOM, tabPtr, tabEnd, xb + irs, init, mult, off, lo, hi, outKind, yRow, idx, accPtr, false, 0, 0, 0);
    }
    return;
  }
  const idx = base + <usize>ox;
  if (G == 4) tileRow(4, ROW, tabPtr, tabEnd, xb, init, mult, off, lo, hi, outKind, yRow, idx, 0, res, rAt, addPtr, maskPtr);
  else if (G == 3) tileRow(3, ROW, tabPtr, tabEnd, xb, init, mult, off, lo, hi, outKind, yRow, idx, 0, res, rAt, addPtr, maskPtr);
  else if (G == 2) tileRow(2, ROW, tabPtr, tabEnd, xb, init, mult, off, lo, hi, outKind, yRow, idx, 0, res, rAt, addPtr, maskPtr);
  else tileRow(1, ROW, tabPtr, tabEnd, xb, init, mult, off, lo, hi, outKind, yRow, idx, 0, res, rAt, addPtr, maskPtr);
}

/**
 * Units u in [start, end), u = img * rows + r: for oy < outRows, ox < outCols,
 *   acc = sum_{e in row r} values[e] * x[img*xBatchStride + offsets[e] + oy*inRowStride + ox]
 *         - xZeroPoint * rowSum[r]
 * goes through the epilogue with multiplier[r], offset[r] and lands at element
 * img*yBatchStride + r*ldy + oy*ldyRow + ox of y (uint8 for outKind 0, float32 for 1); ldyRow
 * >= outCols, so y may be the inside of a larger frame (a halo the kernel never writes).
 * maskPtr (uint8 outputs, one output row of 16 or more; 0: none): outputs (oy = 0, ox) whose byte
 * maskPtr[ox] is 0 are stored as the fill byte instead (0xff: computed); the 16 bytes before the
 * mask hold the fill byte, 16 times.
 * A conv over a whole framed plane as one row computes the halo's columns between its rows too,
 * and the mask puts back the zero point there (qu8.ts, flat).
 * scratchPtr: qu8_spmm_scratch_bytes(max nonzeros in a row) bytes, 4-byte aligned (unused when outCols == 1).
 */
export function qu8_spmm_24x1__simd128(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32, maskPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8Spmm24x1(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr, xZeroPoint, multiplierPtr,
    offsetPtr, outKind, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, start, end, scratchPtr, false, false, 0, 0, 0, 0, 0, maskPtr);
}

/**
 * qu8_spmm_24x1__simd128 on the direct conv layout followed by a 2x2 stride-2 max pool (floor
 * mode): outRows x outCols are the conv's, and element img*yBatchStride + r*ldy + py*ldyRow + px
 * of y is the max over dy, dx in {0, 1} of the conv output at (2py+dy, 2px+dx). The max is
 * taken on the int32 accumulators, before the epilogue: the pooled conv where every multiplier
 * is positive (the runtime checks). Same scratch as qu8_spmm_24x1__simd128.
 */
export function qu8_spmm_24x1_maxpool2x2__simd128(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8Spmm24x1(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr, xZeroPoint, multiplierPtr,
    offsetPtr, outKind, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, start, end, scratchPtr, true, false, 0, 0, 0, 0, 0, 0);
}

/**
 * qu8_spmm_24x1__simd128 with uint8 outputs (outKind 0) and a residual add in its epilogue: the
 * code b at element img*resBatchStride + r*ldr + oy*ldrRow + ox of resPtr (not overlapping y) is
 * added to output (oy, ox) of row r in the real domain before the one rounding (qu8FinishAdd4,
 * constants at addParamsPtr); multiplier and offset take acc to steps of the output grid, and
 * [clampLo, clampHi] clamps the sum. Reads up to 7 bytes past a row of resPtr on rows narrower
 * than 8. maskPtr as for qu8_spmm_24x1__simd128. Same scratch.
 */
export function qu8_spmm_24x1_add__simd128(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32, maskPtr: usize,
  resPtr: usize, ldr: i32, ldrRow: i32, resBatchStride: i32, addParamsPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  qu8Spmm24x1(rows, outRows, outCols, inRowStride, rowPtrPtr, offsetsPtr, valuesPtr, rowSumPtr, xZeroPoint, multiplierPtr,
    offsetPtr, QU8_OUT_U8, clampLo, clampHi, xPtr, xBatchStride, yPtr, ldy, ldyRow, yBatchStride, start, end, scratchPtr, false, true,
    resPtr, ldr, ldrRow, resBatchStride, addParamsPtr, maskPtr);
}

/** count outputs from yPtr set to v (a whole code for uint8 outputs). */
// @ts-ignore: decorator
@inline function fillRun(yPtr: usize, count: i32, v: f32, outKind: i32): void {
  if (outKind == QU8_OUT_F32) {
    const vv = f32x4.splat(v);
    let i = 0;
    for (; i + 4 <= count; i += 4) v128.store(yPtr + (<usize>i << 2), vv);
    for (; i < count; i++) store<f32>(yPtr + (<usize>i << 2), v);
  } else {
    // Rows inside a frame are short runs: whole vector stores, not a memory.fill call each.
    fillBytes(yPtr, i8x16.splat(<i8>(<i32>v)), <usize>count);
  }
}

/** count (>= 16) uint8 outputs from yPtr set to v, or to the fill byte where the mask says (see rowStore16). */
// @ts-ignore: decorator
@inline function fillMasked(yPtr: usize, count: i32, v: f32, maskPtr: usize): void {
  const vv = i8x16.splat(<i8>(<i32>v)), fill = v128.load(maskPtr - 16);
  for (let i = 0; i < count; i += 16) {
    const at = <usize>min(i, count - 16);
    v128.store(yPtr + at, v128.bitselect(vv, fill, v128.load(maskPtr + at)));
  }
}

/** The body of the three kernels; pool2x2 and res (never both) are constants at each call. */
// @ts-ignore: decorator
@inline function qu8Spmm24x1(
  rows: i32, outRows: i32, outCols: i32, inRowStride: i32,
  rowPtrPtr: usize, offsetsPtr: usize, valuesPtr: usize, rowSumPtr: usize,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  xPtr: usize, xBatchStride: i32, yPtr: usize, ldy: i32, ldyRow: i32, yBatchStride: i32,
  start: i32, end: i32, scratchPtr: usize, pool2x2: bool, res: bool,
  resPtr: usize, ldr: i32, ldrRow: i32, resBatchStride: i32, addPtr: usize, maskPtr: usize,
): void {
  if (rows <= 0 || outRows <= 0 || outCols <= 0) return;
  const loS = qu8ClampLo(clampLo, outKind), hiS = qu8ClampHi(clampHi, outKind);
  const lo = f32x4.splat(loS), hi = f32x4.splat(hiS);
  const shift: usize = outKind == QU8_OUT_F32 ? 2 : 0;
  const irs = <usize>inRowStride;
  const yrs = <usize>ldyRow, rrs = <usize>ldrRow;
  // With pool2x2, the conv columns a pooled row needs: the last one of an odd width is dropped.
  const ph = pool2x2 ? outRows >> 1 : outRows;
  const W = pool2x2 ? (outCols >> 1) << 1 : outCols;
  if (ph == 0 || W == 0) return;
  // Outputs per stored row.
  const rowOut = pool2x2 ? W >> 1 : W;
  // A row of g = ceil(W/8) groups of 8 pixels splits into ceil(g/4) tiles of near-equal
  // size (32 -> 4, 26 -> 4, 33 -> 3+2, 811 -> 24 x 4 + 2 x 3), since walking a row's pairs is paid
  // per tile; with a fused pool, ceil(g/3), its accumulators kept for a second row. The last
  // tile ends at W, overlapping its neighbour when W is not a multiple of 8.
  const groups = (W + 7) >> 3;
  const maxG = pool2x2 ? 3 : 4;
  const tiles = (groups + maxG - 1) / maxG;
  const perTile = groups / tiles, extra = groups % tiles;
  for (let u = start; u < end; u++) {
    const img = u / rows, r = u - img * rows;
    const rq = <usize>r << 2;
    const e0 = load<i32>(rowPtrPtr + rq), e1 = load<i32>(rowPtrPtr + rq, 4);
    const xi = xPtr + <usize>img * <usize>xBatchStride;
    const yRow = yPtr + ((<usize>img * <usize>yBatchStride + <usize>r * <usize>ldy) << shift);
    // The residual's plane (res: uint8).
    const rRow = resPtr + <usize>img * <usize>resBatchStride + <usize>r * <usize>ldr;
    const corrS = xZeroPoint * load<i32>(rowSumPtr + rq);
    const multS = load<f32>(multiplierPtr + rq), offS = load<f32>(offsetPtr + rq);
    if (e0 == e1 && !res) {
      // A fully pruned row is one value (its pool's max too): a fill, not a tile walk with
      // an epilogue per four pixels. Pruned first layers are mostly such rows.
      const v = qu8Finish1(-corrS, multS, offS, loS, hiS, outKind);
      if (maskPtr != 0 && outKind == QU8_OUT_U8) fillMasked(yRow, rowOut, v, maskPtr);
      else if (yrs == <usize>rowOut) fillRun(yRow, ph * rowOut, v, outKind);
      else for (let oy = 0; oy < ph; oy++) fillRun(yRow + ((<usize>oy * yrs) << shift), rowOut, v, outKind);
      continue;
    }
    if (W == 1) {
      for (let oy = 0; oy < outRows; oy++) {
        const acc = pixelDot(e0, e1, offsetsPtr, valuesPtr, xi + <usize>oy * irs) - corrS;
        const v = res ? qu8FinishAdd1(acc, multS, offS, loS, hiS, rRow + <usize>oy * rrs, addPtr) : qu8Finish1(acc, multS, offS, loS, hiS, outKind);
        qu8Store1(yRow, <usize>oy * yrs, v, outKind);
      }
      continue;
    }
    const tabEnd = qu8SpmmPairs(e0, e1, offsetsPtr, valuesPtr, scratchPtr);
    const init = i32x4.splat(-corrS), mult = f32x4.splat(multS), off = f32x4.splat(offS);
    if (W < 8) {
      if (pool2x2) {
        // Up to three pooled outputs: both conv rows in one tile of eight columns.
        for (let py = 0; py < ph; py++) {
          tileStacked(2, W >> 1, scratchPtr, tabEnd, xi + <usize>(2 * py) * irs, irs, init, mult, off, lo, hi, outKind, yRow, <usize>py * yrs, 0, true, false, 0, 0, 0);
        }
        continue;
      }
      let oy = 0;
      for (; oy + 3 <= outRows; oy += 3) {
        tileStacked(3, W, scratchPtr, tabEnd, xi + <usize>oy * irs, irs, init, mult, off, lo, hi, outKind, yRow, <usize>oy * yrs, yrs, false, res, rRow + <usize>oy * rrs, rrs, addPtr);
      }
      if (outRows - oy == 2) {
        tileStacked(2, W, scratchPtr, tabEnd, xi + <usize>oy * irs, irs, init, mult, off, lo, hi, outKind, yRow, <usize>oy * yrs, yrs, false, res, rRow + <usize>oy * rrs, rrs, addPtr);
      } else if (outRows - oy == 1) {
        tileStacked(1, W, scratchPtr, tabEnd, xi + <usize>oy * irs, irs, init, mult, off, lo, hi, outKind, yRow, <usize>oy * yrs, yrs, false, res, rRow + <usize>oy * rrs, rrs, addPtr);
      }
      continue;
    }
    // The first pooled row's accumulators wait in scratch after the pair table.
    const accPtr = tabEnd;
    for (let oy = 0; oy < ph; oy++) {
      const xr = xi + <usize>(pool2x2 ? 2 * oy : oy) * irs;
      const base = <usize>oy * yrs;
      const rr = rRow + <usize>oy * rrs;
      let ox = 0;
      for (let i = 0; i < tiles; i++) {
        const G = perTile + (i < extra ? 1 : 0);
        if (i < tiles - 1) {
          rowTile(pool2x2, G, scratchPtr, tabEnd, xr, irs, ox, init, mult, off, lo, hi, outKind, yRow, base, accPtr, res, rr, addPtr, maskPtr);
          ox += G << 3;
        } else if (W >= G << 3) {
          rowTile(pool2x2, G, scratchPtr, tabEnd, xr, irs, W - (G << 3), init, mult, off, lo, hi, outKind, yRow, base, accPtr, res, rr, addPtr, maskPtr);
        } else {
          // A single tile wider than the row: G-1 groups from 0, one more ending at W.
          if (G > 1) rowTile(pool2x2, G - 1, scratchPtr, tabEnd, xr, irs, 0, init, mult, off, lo, hi, outKind, yRow, base, accPtr, res, rr, addPtr, maskPtr);
          rowTile(pool2x2, 1, scratchPtr, tabEnd, xr, irs, W - 8, init, mult, off, lo, hi, outKind, yRow, base, accPtr, res, rr, addPtr, maskPtr);
        }
      }
    }
  }
}
