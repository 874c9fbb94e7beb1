// The int8 GEMM driver over prepacked weights: C (m x n) = W (m x k int8 codes, packed once
// by qu8_gemm_pack_w) times (B - zx) (k x n uint8 codes), through the qu8 epilogue.
//
// Loop order: B is packed NC columns at a time into scratch (NC chosen so the packed block
// is about 256 KB); for each 8-column panel of the block, the 4x8c2 micro-kernel walks the
// weight panels, so the activation panel (kp*32 bytes) stays in L1 while the weights, the
// smaller stream (16 bytes per step against 32), come from L2. The reduction is not
// blocked: every tile runs all of k, so its int32 sums go straight to the epilogue.
import { qu8_gemm_4x8c2__simd128 } from './qu8-gemm-4x8c2-simd128';
import { qu8_gemm_pack_x, qu8PairCount, qu8PaddedRows } from './qu8-gemm-pack';
import { qu8Finish4, qu8Store8, qu8StoreLanes, qu8ClampLo, qu8ClampHi } from '../qu8-misc/qu8-epilogue';

const PACK_BUDGET_BYTES = 256 * 1024;
const NC_MAX = 2048;
const TILE_BYTES = 128;

/** Columns of B packed per block for a reduction of kp pairs: a multiple of 8. */
// @ts-ignore: decorator
@inline function blockColumns(kp: i32): i32 {
  if (kp <= 0) return NC_MAX;
  const nc = (PACK_BUDGET_BYTES / (kp * 4)) & ~7;
  return nc < 8 ? 8 : nc > NC_MAX ? NC_MAX : nc;
}

/** Per-thread scratch bytes qu8_gemm_prepacked (and its row-range form) needs for a reduction of k. */
export function qu8_gemm_scratch_bytes(k: i32): i32 {
  const kp = qu8PairCount(max(k, 0));
  return TILE_BYTES + blockColumns(kp) * kp * 4 + 64;
}

/**
 * The epilogue for rows [rLo, rHi) of the tile whose first row is r0 and first column j:
 * ncols (1..8) columns, element (r, c) at y[r*ldyRow + c*ldyCol].
 */
// @ts-ignore: decorator
@inline function storeTile(
  accPtr: usize, r0: i32, rLo: i32, rHi: i32, j: i32, ncols: i32, rowSumPtr: usize, xZeroPoint: i32,
  multiplierPtr: usize, offsetPtr: usize, outKind: i32, lo: v128, hi: v128, yPtr: usize, ldyRow: usize, ldyCol: usize,
): void {
  for (let r = rLo; r < rHi; r++) {
    const t = accPtr + (<usize>(r - r0) << 5);
    const rq = <usize>r << 2;
    const corr = i32x4.splat(xZeroPoint * load<i32>(rowSumPtr + rq));
    const mult = f32x4.splat(load<f32>(multiplierPtr + rq)), off = f32x4.splat(load<f32>(offsetPtr + rq));
    const v0 = qu8Finish4(i32x4.sub(v128.load(t), corr), mult, off, lo, hi, outKind);
    const v1 = qu8Finish4(i32x4.sub(v128.load(t, 16), corr), mult, off, lo, hi, outKind);
    const idx = <usize>r * ldyRow + <usize>j * ldyCol;
    if (ldyCol == 1 && ncols == 8) {
      qu8Store8(yPtr, idx, v0, v1, outKind);
    } else {
      qu8StoreLanes(yPtr, idx, ldyCol, v0, min(ncols, 4), outKind);
      qu8StoreLanes(yPtr, idx + 4 * ldyCol, ldyCol, v1, ncols - 4, outKind);
    }
  }
}

/**
 * Rows [rowStart, rowEnd) of C = W (B - zx) through the epilogue (see qu8_gemm_prepacked).
 * Tiles start at whole weight panels; rows of a panel outside the range are computed and
 * dropped, so any range works and a range cut at multiples of 4 wastes nothing.
 */
export function qu8GemmRows(
  m: i32, n: i32, k: i32, packedWPtr: usize, bPtr: usize, ldb: i32, transB: i32,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  yPtr: usize, ldyRow: i32, ldyCol: i32, rowStart: i32, rowEnd: i32, scratchPtr: usize,
): void {
  const rEnd = min(rowEnd, m);
  const rStart = max(rowStart, 0);
  if (n <= 0 || rStart >= rEnd) return;
  const kp = qu8PairCount(max(k, 0));
  const mPad = qu8PaddedRows(m);
  const rowSumPtr = packedWPtr;
  const panels = packedWPtr + (<usize>mPad << 2);
  const panelBytes = <usize>kp << 4;
  const xPanelBytes = <usize>kp << 5;
  const nc = blockColumns(kp);
  const accPtr = scratchPtr;
  const xPack = scratchPtr + TILE_BYTES;
  const lo = f32x4.splat(qu8ClampLo(clampLo, outKind)), hi = f32x4.splat(qu8ClampHi(clampHi, outKind));
  const q0 = rStart >> 2, q1 = (rEnd + 3) >> 2;
  for (let jc = 0; jc < n; jc += nc) {
    const ncb = min(nc, n - jc);
    qu8_gemm_pack_x(transB, k, ncb, bPtr, ldb, jc, xPack);
    for (let jr = 0; jr < ncb; jr += 8) {
      const ncols = min(8, ncb - jr);
      const xPanel = xPack + <usize>(jr >> 3) * xPanelBytes;
      for (let q = q0; q < q1; q++) {
        qu8_gemm_4x8c2__simd128(kp, panels + <usize>q * panelBytes, xPanel, accPtr);
        storeTile(accPtr, q << 2, max(rStart, q << 2), min(rEnd, (q << 2) + 4), jc + jr, ncols, rowSumPtr, xZeroPoint,
          multiplierPtr, offsetPtr, outKind, lo, hi, yPtr, <usize>ldyRow, <usize>ldyCol);
      }
    }
  }
}

/**
 * C[r][j] = epilogue_r(sum_p W[r][p] * (B(p, j) - xZeroPoint)) for r < m, j < n, stored at
 * element r*ldyRow + j*ldyCol of y (uint8 for outKind 0, float32 for 1).
 * packedWPtr: qu8_gemm_pack_w(m, k, ...) output. B: uint8 codes, B(p, j) at bPtr[p*ldb + j]
 * (transB = 0) or bPtr[j*ldb + p] (transB = 1). multiplier/offset: m floats each.
 * scratchPtr: qu8_gemm_scratch_bytes(k) bytes, 16-byte aligned.
 */
export function qu8_gemm_prepacked(
  m: i32, n: i32, k: i32, packedWPtr: usize, bPtr: usize, ldb: i32, transB: i32,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  yPtr: usize, ldyRow: i32, ldyCol: i32, scratchPtr: usize,
): void {
  qu8GemmRows(m, n, k, packedWPtr, bPtr, ldb, transB, xZeroPoint, multiplierPtr, offsetPtr, outKind,
    clampLo, clampHi, yPtr, ldyRow, ldyCol, 0, m, scratchPtr);
}

/** qu8_gemm_prepacked over rows [start, end) of C only, for the thread pool (use grain 4). */
export function qu8_gemm_prepacked_rows(
  m: i32, n: i32, k: i32, packedWPtr: usize, bPtr: usize, ldb: i32, transB: i32,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  yPtr: usize, ldyRow: i32, ldyCol: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  qu8GemmRows(m, n, k, packedWPtr, bPtr, ldb, transB, xZeroPoint, multiplierPtr, offsetPtr, outKind,
    clampLo, clampHi, yPtr, ldyRow, ldyCol, start, end, scratchPtr);
}
