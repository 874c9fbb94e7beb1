// Packers for the 4x8c2 int8 GEMM and the 16c2 GEMV.
//
// Weights, packed once when a session is created (qu8_gemm_pack_w), m x k int8 codes:
//   [ rowSum: i32 x mPad | panel 0 | panel 1 | ... ]      mPad = ceil(m/4)*4, kp = ceil(k/2)
//   panel q (rows 4q..4q+3) is kp steps of 16 bytes; step p holds, for r = 0..3, the i16
//   pair (w[4q+r][2p], w[4q+r][2p+1]). Rows past m and the column past an odd k are 0.
//   rowSum[r] = sum_j w[r][j], for the activation zero-point correction.
//   The codes are stored widened to i16 (2 bytes per weight), because i32x4.dot_i16x8_s
//   takes i16 lanes and widening inside the inner loop would cost one more op per splat.
//
// Activations, packed per call into scratch (qu8_gemm_pack_x), k x n uint8 codes:
//   ceil(nc/8) panels of kp steps of 32 bytes; step p of panel q holds, for c = 0..7, the
//   i16 pair (x[2p][j], x[2p+1][j]) with j = j0 + 8q + c. Columns past the block and the
//   row past an odd k are 0 (0 times a zero weight; the zero point is corrected with rowSum).

export const QU8_GEMM_MR = 4;
export const QU8_GEMM_NR = 8;

// @ts-ignore: decorator
@inline export function qu8PairCount(k: i32): i32 {
  return (k + 1) >> 1;
}

// @ts-ignore: decorator
@inline export function qu8PaddedRows(m: i32): i32 {
  return (m + 3) & ~3;
}

/** Bytes of qu8_gemm_pack_w's output for an m x k weight matrix. */
export function qu8_gemm_packed_w_bytes(m: i32, k: i32): i32 {
  const mPad = qu8PaddedRows(max(m, 0));
  return mPad * 4 + mPad * qu8PairCount(max(k, 0)) * 4;
}

/**
 * Packs m x k int8 codes (row-major at wPtr, row stride k) into the layout above at outPtr
 * (16-byte aligned, qu8_gemm_packed_w_bytes(m, k) long). Runs once per layer, so it is plain loops.
 */
export function qu8_gemm_pack_w(m: i32, k: i32, wPtr: usize, outPtr: usize): void {
  const kp = qu8PairCount(k), mPad = qu8PaddedRows(m);
  for (let r = 0; r < mPad; r++) {
    let s = 0;
    if (r < m) for (let j = 0; j < k; j++) s += <i32>load<i8>(wPtr + <usize>r * <usize>k + <usize>j);
    store<i32>(outPtr + (<usize>r << 2), s);
  }
  const panels = outPtr + (<usize>mPad << 2);
  for (let q = 0; q < (mPad >> 2); q++) {
    for (let p = 0; p < kp; p++) {
      const step = panels + ((<usize>q * <usize>kp + <usize>p) << 4);
      for (let rr = 0; rr < 4; rr++) {
        const r = q * 4 + rr;
        const row = wPtr + <usize>r * <usize>k;
        const a = r < m && 2 * p < k ? <i32>load<i8>(row + <usize>(2 * p)) : 0;
        const b = r < m && 2 * p + 1 < k ? <i32>load<i8>(row + <usize>(2 * p + 1)) : 0;
        store<i16>(step + (<usize>rr << 2), <i16>a);
        store<i16>(step + (<usize>rr << 2), <i16>b, 2);
      }
    }
  }
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

/** Stores rows x0..x3 of a 4x4 i32 block transposed: column t at out + t*stepBytes. */
// @ts-ignore: decorator
@inline function storeTransposed(x0: v128, x1: v128, x2: v128, x3: v128, out: usize, stepBytes: usize): void {
  const t0 = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7), t3 = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
  v128.store(out + stepBytes, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7));
  v128.store(out + 2 * stepBytes, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5));
  v128.store(out + 3 * stepBytes, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7));
}

/** B(p, j) as an i32 code, 0 outside the k rows and the columns below jEnd. */
// @ts-ignore: decorator
@inline function codeAt(transB: i32, k: i32, jEnd: i32, bPtr: usize, ldb: i32, p: i32, j: i32): i32 {
  if (p >= k || j >= jEnd) return 0;
  return <i32>load<u8>(transB == 0 ? bPtr + <usize>p * <usize>ldb + <usize>j : bPtr + <usize>j * <usize>ldb + <usize>p);
}

/** Scalar packing of steps [p0, kp) of the 8-column panel starting at column j (any edge). */
// @ts-ignore: decorator
@inline function packPanelScalar(transB: i32, k: i32, kp: i32, p0: i32, jEnd: i32, bPtr: usize, ldb: i32, j: i32, out: usize): void {
  for (let p = p0; p < kp; p++) {
    const step = out + (<usize>p << 5);
    for (let c = 0; c < 8; c++) {
      store<i16>(step + (<usize>c << 2), <i16>codeAt(transB, k, jEnd, bPtr, ldb, 2 * p, j + c));
      store<i16>(step + (<usize>c << 2), <i16>codeAt(transB, k, jEnd, bPtr, ldb, 2 * p + 1, j + c), 2);
    }
  }
}

/**
 * Packs columns [j0, j0 + nc) of B (k x n uint8 codes) into ceil(nc/8) activation panels at
 * outPtr (16-byte aligned, ceil(nc/8) * ceil(k/2) * 32 bytes). transB = 0 reads B(p, j) at
 * bPtr[p*ldb + j] (an im2col matrix); 1 reads it at bPtr[j*ldb + p] (a batch of rows).
 * Vector loads stay inside the rows of B.
 */
export function qu8_gemm_pack_x(transB: i32, k: i32, nc: i32, bPtr: usize, ldb: i32, j0: i32, outPtr: usize): void {
  const kp = qu8PairCount(k);
  const panelBytes = <usize>kp << 5;
  const jEnd = j0 + nc;
  const ldbU = <usize>ldb;
  let jr = 0;
  if (transB == 0) {
    const kEvenSteps = k >> 1;
    const zero = i32x4.splat(0);
    // Two panels (16 columns) per pass: two 16-byte row loads give both panels' steps.
    for (; jr + 16 <= nc; jr += 16) {
      const out0 = outPtr + <usize>(jr >> 3) * panelBytes, out1 = out0 + panelBytes;
      const src = bPtr + <usize>(j0 + jr);
      for (let p = 0; p < kp; p++) {
        const r0 = v128.load(src + <usize>(2 * p) * ldbU);
        const r1 = p < kEvenSteps ? v128.load(src + <usize>(2 * p + 1) * ldbU) : zero;
        const l = zipLo(r0, r1), h = zipHi(r0, r1);
        const o = <usize>p << 5;
        v128.store(out0 + o, i16x8.extend_low_i8x16_u(l));
        v128.store(out0 + o, i16x8.extend_high_i8x16_u(l), 16);
        v128.store(out1 + o, i16x8.extend_low_i8x16_u(h));
        v128.store(out1 + o, i16x8.extend_high_i8x16_u(h), 16);
      }
    }
    for (; jr + 8 <= nc; jr += 8) {
      const out = outPtr + <usize>(jr >> 3) * panelBytes;
      const src = bPtr + <usize>(j0 + jr);
      for (let p = 0; p < kp; p++) {
        const r0 = v128.load64_zero(src + <usize>(2 * p) * ldbU);
        const r1 = p < kEvenSteps ? v128.load64_zero(src + <usize>(2 * p + 1) * ldbU) : zero;
        const l = zipLo(r0, r1);
        const o = <usize>p << 5;
        v128.store(out + o, i16x8.extend_low_i8x16_u(l));
        v128.store(out + o, i16x8.extend_high_i8x16_u(l), 16);
      }
    }
  } else {
    // Each column is a row of B: 16 bytes hold 8 steps of one column, widened to two
    // vectors of four i16 pairs; a 4x4 transpose of 32-bit pairs turns four columns' runs
    // into four steps' halves.
    for (; jr + 8 <= nc; jr += 8) {
      const out = outPtr + <usize>(jr >> 3) * panelBytes;
      const s0 = bPtr + <usize>(j0 + jr) * ldbU;
      let p = 0;
      for (; 2 * p + 16 <= k; p += 8) {
        const e = <usize>(2 * p);
        const o = out + (<usize>p << 5);
        for (let g = 0; g < 2; g++) {
          const sg = s0 + <usize>(4 * g) * ldbU + e;
          const v0 = v128.load(sg), v1 = v128.load(sg + ldbU), v2 = v128.load(sg + 2 * ldbU), v3 = v128.load(sg + 3 * ldbU);
          const og = o + (<usize>g << 4);
          storeTransposed(i16x8.extend_low_i8x16_u(v0), i16x8.extend_low_i8x16_u(v1),
            i16x8.extend_low_i8x16_u(v2), i16x8.extend_low_i8x16_u(v3), og, 32);
          storeTransposed(i16x8.extend_high_i8x16_u(v0), i16x8.extend_high_i8x16_u(v1),
            i16x8.extend_high_i8x16_u(v2), i16x8.extend_high_i8x16_u(v3), og + 128, 32);
        }
      }
      packPanelScalar(transB, k, kp, p, jEnd, bPtr, ldb, j0 + jr, out);
    }
  }
  if (jr < nc) packPanelScalar(transB, k, kp, 0, jEnd, bPtr, ldb, j0 + jr, outPtr + <usize>(jr >> 3) * panelBytes);
}
