// Inference GEMM over prepacked weights: C[m x n] = clamp(A * B + bias[row], minV, maxV),
// A packed once by f32_gemm_prepack_a, B (activations) packed here. The conv and linear
// drivers call f32_gemm_prepacked_core directly.
//
// Blocking is Goto/BLIS's: for an MC-row block of A and an NC-column block of B, each
// KC-step block of B is packed into 8-column panels (B panel outside, A panels inside, so
// one kc*8 B panel stays in L1 while the MC*kc A block streams from L2). A reduction of
// up to KC_SINGLE steps is one block: each 5x8 tile is then finished in a scratch tile and
// the epilogue (bias, clamp, ragged edges, and the transposed store the linear driver
// wants) is applied once on the way out, so C is written once and never read. A longer
// reduction (a linear layer's 9216) is cut into blocks of at most KC steps that add into an
// MC x NC partial tile in scratch, so A, usually the largest operand, is read from memory
// once per NC columns instead of once per 8; the epilogue runs after the last block.
//
// Fewer than 4 columns (a batch-1 to batch-3 linear layer) run the 5x1 kernel once per
// column instead: padding them to the 8-wide panel would multiply the arithmetic by 8/n.
import { f32_gemm_5x8__simd128 } from './f32-gemm-5x8-simd128';
import { f32_gemm_5x1__simd128 } from './f32-gemm-5x1-simd128';
import { f32_gemm_pack_b_8, F32_GEMM_MR, F32_GEMM_NR } from './f32-gemm-pack';

const MR = F32_GEMM_MR;
const NR = F32_GEMM_NR;
const TILE_BYTES = MR * NR * 4;
const GEMV_MAX_N = 3;
const KC_SINGLE = 512; // one block up to here: the B panel is at most 16 KB
const KC = 256;
const MC = 160; // multiple of MR; the A block is at most MC*KC*4 = 160 KB
const NC = 128; // multiple of NR; the partial tile is at most MC*NC*4 = 80 KB

// @ts-ignore: decorator
@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

// @ts-ignore: decorator
@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** Steps per k block: k itself up to KC_SINGLE, else near-equal blocks of at most KC. */
// @ts-ignore: decorator
@inline function kBlock(k: i32): i32 {
  if (k <= KC_SINGLE) return k;
  const blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

// @ts-ignore: decorator
@inline function bPackBytes(n: i32, k: i32): usize {
  // The 5x1 path gathers a strided column of k floats into the same space.
  return align64(<usize>max(<i32>min(NC, roundUp(n, NR)) * kBlock(k), max(k, 1)) << 2);
}

/** Bytes of scratch f32_gemm_prepacked and f32_gemm_prepacked_core need for an m x n x k product. */
export function f32_gemm_prepacked_scratch_bytes(m: i32, n: i32, k: i32): i32 {
  let bytes = bPackBytes(n, k) + align64(TILE_BYTES);
  if (k > KC_SINGLE) bytes += align64(<usize>min(MC, roundUp(m, MR)) * min(NC, roundUp(n, NR)) * 4);
  return <i32>bytes;
}

// @ts-ignore: decorator
@inline function clamp4(v: v128, vmin: v128, vmax: v128): v128 {
  return f32x4.pmin(f32x4.pmax(v, vmin), vmax);
}

// @ts-ignore: decorator
@inline function clamp1(v: f32, minV: f32, maxV: f32): f32 {
  v = v < minV ? minV : v;
  return maxV < v ? maxV : v;
}

/**
 * Writes the top-left mr x nr of a 5x8 tile (row stride ldt floats) plus bias[r], clamped,
 * to C(r, j): at cPtr[r*ldc + j], or with transC at cPtr[j*ldc + r]. May overwrite the tile.
 */
function storeTile(
  tilePtr: usize, ldt: i32, mr: i32, nr: i32, biasPtr: usize, minV: f32, maxV: f32, cPtr: usize, ldc: i32, transC: i32,
): void {
  const vmin = f32x4.splat(minV), vmax = f32x4.splat(maxV);
  const ldcBytes = <usize>ldc << 2;
  for (let r = 0; r < mr; r++) {
    const bv = f32x4.splat(biasPtr != 0 ? load<f32>(biasPtr + (<usize>r << 2)) : 0);
    const t = tilePtr + (<usize>(r * ldt) << 2);
    const v0 = clamp4(f32x4.add(v128.load(t), bv), vmin, vmax);
    const v1 = clamp4(f32x4.add(v128.load(t, 16), bv), vmin, vmax);
    if (transC != 0) {
      v128.store(t, v0);
      v128.store(t, v1, 16);
      let out = cPtr + (<usize>r << 2);
      for (let j = 0; j < nr; j++, out += ldcBytes) store<f32>(out, load<f32>(t + (<usize>j << 2)));
      continue;
    }
    const row = cPtr + <usize>r * ldcBytes;
    if (nr == NR) {
      v128.store(row, v0);
      v128.store(row, v1, 16);
    } else {
      v128.store(t, v0);
      v128.store(t, v1, 16);
      for (let j = 0; j < nr; j++) store<f32>(row + (<usize>j << 2), load<f32>(t + (<usize>j << 2)));
    }
  }
}

/** n <= GEMV_MAX_N: the 5x1 kernel down each column. */
function gemvColumns(
  m: i32, n: i32, k: i32, aPackedPtr: usize, bPtr: usize, ldb: i32, transB: i32,
  biasPtr: usize, minV: f32, maxV: f32, cPtr: usize, ldc: i32, transC: i32, colPtr: usize, tilePtr: usize,
): void {
  const aPanelBytes = <usize>k * MR * 4;
  const ldbBytes = <usize>ldb << 2;
  const ldcBytes = <usize>ldc << 2;
  for (let j = 0; j < n; j++) {
    // The 5x1 kernel wants column j contiguous; with transB it already is.
    let col = bPtr + (<usize>j << 2);
    if (transB != 0) {
      col = bPtr + <usize>j * ldbBytes;
    } else if (ldb != 1) {
      for (let p = 0; p < k; p++) store<f32>(colPtr + (<usize>p << 2), load<f32>(col + <usize>p * ldbBytes));
      col = colPtr;
    }
    const cCol = cPtr + (transC != 0 ? <usize>j * ldcBytes : <usize>j << 2);
    const cRowStep = transC != 0 ? <usize>4 : ldcBytes;
    for (let ir = 0; ir < m; ir += MR) {
      const mr = min(MR, m - ir);
      f32_gemm_5x1__simd128(k, aPackedPtr + <usize>(ir / MR) * aPanelBytes, col, tilePtr);
      for (let r = 0; r < mr; r++) {
        const b: f32 = biasPtr != 0 ? load<f32>(biasPtr + (<usize>(ir + r) << 2)) : 0;
        store<f32>(cCol + <usize>(ir + r) * cRowStep, clamp1(load<f32>(tilePtr + (<usize>r << 2)) + b, minV, maxV));
      }
    }
  }
}

/**
 * C = clamp(A * op(B) + bias) with A prepacked ([m x k] in 5-row panels) and op(B) [k x n]:
 * transB = 0 reads (p, j) at bPtr[p*ldb + j], 1 at bPtr[j*ldb + p]. transC = 0 writes
 * C(i, j) at cPtr[i*ldc + j], 1 at cPtr[j*ldc + i]. biasPtr == 0: no bias.
 * scratchPtr: 16-byte aligned, f32_gemm_prepacked_scratch_bytes(m, n, k) long.
 */
export function f32_gemm_prepacked_core(
  m: i32, n: i32, k: i32, aPackedPtr: usize, bPtr: usize, ldb: i32, transB: i32,
  biasPtr: usize, minV: f32, maxV: f32, cPtr: usize, ldc: i32, transC: i32, scratchPtr: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k < 0) k = 0;
  const bPack = scratchPtr;
  const tile = bPack + bPackBytes(n, k);
  const partial = tile + align64(TILE_BYTES);
  if (n <= GEMV_MAX_N) {
    gemvColumns(m, n, k, aPackedPtr, bPtr, ldb, transB, biasPtr, minV, maxV, cPtr, ldc, transC, bPack, tile);
    return;
  }
  const aPanelBytes = <usize>k * MR * 4;
  const ldcBytes = <usize>ldc << 2;
  const kc0 = kBlock(k);
  const multiK = k > kc0;
  for (let ic = 0; ic < m; ic += MC) {
    const mc = min(MC, m - ic);
    for (let jc = 0; jc < n; jc += NC) {
      const nc = min(NC, n - jc);
      const ldp = roundUp(nc, NR);
      // k == 0 still makes one pass, so C gets clamp(bias).
      for (let pc = 0; ; pc += kc0) {
        const kc = min(kc0, k - pc);
        const last = pc + kc >= k;
        f32_gemm_pack_b_8(transB, nc, kc, bPtr, ldb, pc, jc, bPack);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bPanel = bPack + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const i = ic + ir;
            const aPanel = aPackedPtr + <usize>(i / MR) * aPanelBytes + <usize>pc * (MR * 4);
            let t = tile, ldt = NR;
            if (multiK) {
              t = partial + (<usize>(ir * ldp + jr) << 2);
              ldt = ldp;
            }
            f32_gemm_5x8__simd128(kc, aPanel, bPanel, t, ldt, pc > 0 ? 1 : 0);
            if (!last) continue;
            const j = jc + jr;
            const cTile = cPtr + (transC != 0 ? <usize>j * ldcBytes + (<usize>i << 2) : <usize>i * ldcBytes + (<usize>j << 2));
            storeTile(t, ldt, min(MR, mc - ir), nr, biasPtr != 0 ? biasPtr + (<usize>i << 2) : 0, minV, maxV, cTile, ldc, transC);
          }
        }
        if (last) break;
      }
    }
  }
}

/**
 * C[m x n] (row stride ldc) = clamp(A * B + bias[row], minV, maxV): A prepacked by
 * f32_gemm_prepack_a(m, k, ...), B row-major [k x n] with row stride ldb, biasPtr == 0 for
 * none. scratchPtr: 16-byte aligned, f32_gemm_prepacked_scratch_bytes(m, n, k) long.
 */
export function f32_gemm_prepacked(
  m: i32, n: i32, k: i32, aPackedPtr: usize, bPtr: usize, ldb: i32,
  biasPtr: usize, minV: f32, maxV: f32, cPtr: usize, ldc: i32, scratchPtr: usize,
): void {
  f32_gemm_prepacked_core(m, n, k, aPackedPtr, bPtr, ldb, 0, biasPtr, minV, maxV, cPtr, ldc, 0, scratchPtr);
}
