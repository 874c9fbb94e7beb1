// The blocked, packed GEMM driver (Goto/BLIS loop order). For each NC-column block of B
// and KC-step block of the reduction, B is packed once into 8-column panels; for each
// MC-row block of A, A is packed into 5-row panels; then the 5x8 micro-kernel walks the
// tiles with the B panel outer, so one 8 KB B panel (KC*8 floats) stays in L1 while the
// 120 KB packed A block (MC*KC floats) streams from L2.
import { f32_gemm_5x8__simd128 } from './f32-gemm-5x8-simd128';
import { f32_gemm_pack_a_5, f32_gemm_pack_b_8, F32_GEMM_MR, F32_GEMM_NR } from './f32-gemm-pack';

const MR = F32_GEMM_MR;
const NR = F32_GEMM_NR;
const KC = 256;
const MC = 120; // multiple of MR
const NC = 512; // multiple of NR; the packed B block is KC*NC*4 = 512 KB, an L2's worth
const A_PACK_BYTES = MC * KC * 4;
const B_PACK_BYTES = KC * NC * 4;
const TILE_BYTES = MR * NR * 4;

/** Bytes of scratch f32_gemm and its parallel forms need, whatever the shape. */
export function f32_gemm_scratch_bytes(): i32 {
  return A_PACK_BYTES + B_PACK_BYTES + TILE_BYTES;
}

/** C = beta * C over an m x n block, where beta == 0 writes zeros without reading C. */
function scaleC(m: i32, n: i32, beta: f32, cPtr: usize, ldc: i32): void {
  if (beta == 1) return;
  const vb = f32x4.splat(beta);
  for (let i = 0; i < m; i++) {
    const row = cPtr + ((<usize>i * ldc) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = row + (<usize>j << 2);
      v128.store(o, beta == 0 ? f32x4.splat(0) : f32x4.mul(vb, v128.load(o)));
    }
    for (; j < n; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(o, beta == 0 ? 0 : beta * load<f32>(o));
    }
  }
}

/** Copies the top-left mr x nr block of C into a 5x8 tile (row stride NR) or back. */
function copyTile(mr: i32, nr: i32, fromPtr: usize, fromLd: i32, toPtr: usize, toLd: i32): void {
  for (let r = 0; r < mr; r++) {
    const src = fromPtr + ((<usize>r * fromLd) << 2), dst = toPtr + ((<usize>r * toLd) << 2);
    if (nr == NR) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
    } else {
      for (let c = 0; c < nr; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
    }
  }
}

/**
 * C (m x n, row stride ldc) = alpha * op(A) * op(B) + beta * C, row-major.
 * op(A) is m x k: transA = 0 reads (i, p) at aPtr[i*lda + p], transA = 1 at aPtr[p*lda + i].
 * op(B) is k x n: transB = 0 reads (p, j) at bPtr[p*ldb + j], transB = 1 at bPtr[j*ldb + p].
 * beta == 0 ignores C's old contents, NaN included. scratchPtr: 16-byte aligned,
 * f32_gemm_scratch_bytes() long.
 */
export function f32_gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  aPtr: usize, lda: i32, bPtr: usize, ldb: i32, beta: f32, cPtr: usize, ldc: i32, scratchPtr: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    scaleC(m, n, beta, cPtr, ldc);
    return;
  }
  // The micro-kernel only overwrites or adds (see f32-gemm-5x8-simd128.ts), so a beta
  // other than 0 or 1 is applied to C up front, costing one pass over C.
  let firstAccumulate = 1;
  if (beta == 0) firstAccumulate = 0;
  else if (beta != 1) scaleC(m, n, beta, cPtr, ldc);
  const aPack = scratchPtr;
  const bPack = aPack + A_PACK_BYTES;
  const tile = bPack + B_PACK_BYTES;
  const ldcBytes = <usize>ldc << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // Later k blocks add onto what the first one wrote.
      const accumulate = pc == 0 ? firstAccumulate : 1;
      f32_gemm_pack_b_8(transB, nc, kc, bPtr, ldb, pc, jc, bPack);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        f32_gemm_pack_a_5(transA, mc, kc, alpha, aPtr, lda, ic, pc, aPack);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bPanel = bPack + (<usize>(jr * kc) << 2);
          let cTile = cPtr + <usize>ic * ldcBytes + (<usize>(jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const aPanel = aPack + (<usize>(ir * kc) << 2);
            if (mr == MR && nr == NR) {
              f32_gemm_5x8__simd128(kc, aPanel, bPanel, cTile, ldc, accumulate);
            } else {
              // A ragged tile runs on a full-size copy of its part of C, so that every
              // element sums in the order a full tile uses (C first, then the products in
              // p order): results then do not depend on where a thread's rows or columns
              // begin, and so not on the thread count.
              if (accumulate != 0) copyTile(mr, nr, cTile, ldc, tile, NR);
              f32_gemm_5x8__simd128(kc, aPanel, bPanel, tile, NR, accumulate);
              copyTile(mr, nr, tile, NR, cTile, ldc);
            }
            cTile += ldcBytes * MR;
          }
        }
      }
    }
  }
}

/** f32_gemm over rows [start, end) of C only, for the thread pool. */
export function f32_gemm_rows(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  aPtr: usize, lda: i32, bPtr: usize, ldb: i32, beta: f32, cPtr: usize, ldc: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const rows = min(end, m) - start;
  if (rows <= 0) return;
  const aOffset = transA == 0 ? <usize>start * lda : <usize>start;
  f32_gemm(transA, transB, rows, n, k, alpha, aPtr + (aOffset << 2), lda, bPtr, ldb,
    beta, cPtr + ((<usize>start * ldc) << 2), ldc, scratchPtr);
}

/** f32_gemm over columns [start, end) of C only, for the thread pool. */
export function f32_gemm_cols(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  aPtr: usize, lda: i32, bPtr: usize, ldb: i32, beta: f32, cPtr: usize, ldc: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const cols = min(end, n) - start;
  if (cols <= 0) return;
  const bOffset = transB == 0 ? <usize>start : <usize>start * ldb;
  f32_gemm(transA, transB, m, cols, k, alpha, aPtr, lda, bPtr + (bOffset << 2), ldb,
    beta, cPtr + (<usize>start << 2), ldc, scratchPtr);
}
