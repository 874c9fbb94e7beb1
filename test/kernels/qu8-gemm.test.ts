// Dense int8 GEMM family: the weight and activation packers against their documented
// layouts, the 4x8c2 and 16c2 micro-kernels against their scalar twins, and the drivers
// (qu8_gemm_prepacked, qu8_conv2d, qu8_linear) against integer references through the
// epilogue, on ragged shapes, both output kinds, row/image ranges and two threads.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import {
  OUT_U8, OUT_F32, type OutKind, rng, randInt, randomBytes, randomCodes, withQu8Heap, outputBuffer,
  expectEpilogue, expectSame, type Qu8Heap,
} from './qu8-reference.js';

const k8 = () => wasm().kernels;

/** Packs m x k codes with qu8_gemm_pack_w; returns the heap pointer. */
function packW(h: Qu8Heap, w: Int8Array, m: number, k: number): number {
  const ptr = h.alloc(k8().qu8_gemm_packed_w_bytes!(m, k));
  const wPtr = h.bytes(w.length ? w : new Int8Array(1), 0);
  k8().qu8_gemm_pack_w!(m, k, wPtr, ptr);
  return ptr;
}

/** Per-row epilogue parameters that spread outputs over the code range (or make ties). */
function rowParams(m: number, k: number, kind: OutKind, r: () => number, ties = false): { mult: Float32Array; off: Float32Array } {
  const mult = new Float32Array(m), off = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    if (ties) { mult[i] = 0.5; off[i] = randInt(r, 100, 150); continue; }
    mult[i] = (150 / (Math.sqrt(k + 1) * 127 * 75)) * (0.5 + r());
    off[i] = kind === OUT_U8 ? 128 + (r() - 0.5) * 40 : (r() - 0.5) * 4;
  }
  return { mult, off };
}

describe('qu8 GEMM packers', () => {
  it('qu8_gemm_pack_w writes row sums then 4-row panels of i16 pairs, zero-padded', () => {
    for (const [m, k] of [[1, 1], [4, 2], [5, 3], [7, 9], [12, 16], [13, 31]] as const) {
      withQu8Heap((h) => {
        const w = randomCodes(m * k, 8, rng(m * 100 + k));
        const ptr = packW(h, w, m, k);
        const bytes = k8().qu8_gemm_packed_w_bytes!(m, k);
        const mPad = Math.ceil(m / 4) * 4, kp = Math.ceil(k / 2);
        assert.equal(bytes, mPad * 4 + mPad * kp * 4, `packed bytes m=${m} k=${k}`);
        const sums = h.readI32(ptr, mPad);
        const panels = new Int16Array(wasm().memory.buffer, ptr + mPad * 4, mPad * kp * 2).slice();
        for (let r = 0; r < mPad; r++) {
          let s = 0;
          for (let j = 0; j < k; j++) s += r < m ? w[r * k + j]! : 0;
          assert.equal(sums[r], s, `rowSum[${r}] m=${m} k=${k}`);
          for (let p = 0; p < kp; p++) {
            for (let t = 0; t < 2; t++) {
              const j = 2 * p + t;
              const want = r < m && j < k ? w[r * k + j]! : 0;
              const at = ((Math.floor(r / 4) * kp + p) * 4 + (r % 4)) * 2 + t;
              assert.equal(panels[at], want, `panel element (${r}, ${j}) m=${m} k=${k}`);
            }
          }
        }
      });
    }
  });

  it('qu8_gemm_pack_x packs 8-column panels of i16 pairs from both layouts', () => {
    for (const [k, n, j0, nc, pad] of [[1, 1, 0, 1, 0], [2, 8, 0, 8, 3], [3, 16, 0, 16, 0], [17, 40, 3, 37, 5],
      [16, 24, 8, 16, 0], [33, 19, 0, 19, 1], [40, 8, 0, 8, 0], [7, 33, 1, 31, 2]] as const) {
      for (const transB of [0, 1] as const) {
        withQu8Heap((h) => {
          const ldb = (transB === 0 ? n : k) + pad;
          const b = randomBytes((transB === 0 ? k : n) * ldb, rng(k * 7 + n + transB));
          const bPtr = h.bytes(b);
          const kp = Math.ceil(k / 2), panels = Math.ceil(nc / 8);
          const out = h.alloc(panels * kp * 32);
          k8().qu8_gemm_pack_x!(transB, k, nc, bPtr, ldb, j0, out);
          const got = new Int16Array(wasm().memory.buffer, out, panels * kp * 16).slice();
          for (let q = 0; q < panels; q++) {
            for (let p = 0; p < kp; p++) {
              for (let c = 0; c < 8; c++) {
                for (let t = 0; t < 2; t++) {
                  const row = 2 * p + t, col = j0 + 8 * q + c;
                  const inside = row < k && 8 * q + c < nc;
                  const want = inside ? b[transB === 0 ? row * ldb + col : col * ldb + row]! : 0;
                  const at = ((q * kp + p) * 8 + c) * 2 + t;
                  if (got[at] !== want) assert.fail(`pack_x transB=${transB} k=${k} nc=${nc} j0=${j0}: (${row}, ${col}) = ${got[at]}, want ${want}`);
                }
              }
            }
          }
        });
      }
    }
  });
});

describe('qu8 micro-kernels', () => {
  it('qu8_gemm_4x8c2__simd128 matches its scalar twin', () => {
    for (const kp of [0, 1, 2, 3, 17, 144, 700]) {
      withQu8Heap((h) => {
        const r = rng(kp + 5);
        const w = new Int16Array(kp * 8), x = new Int16Array(kp * 16);
        for (let i = 0; i < w.length; i++) w[i] = randInt(r, -127, 127);
        for (let i = 0; i < x.length; i++) x[i] = randInt(r, 0, 255);
        const wPtr = h.bytes(new Uint8Array(w.buffer)), xPtr = h.bytes(new Uint8Array(x.buffer));
        const a = h.alloc(128), b = h.alloc(128);
        k8().qu8_gemm_4x8c2__simd128!(kp, wPtr, xPtr, a);
        k8().qu8_gemm_4x8c2__scalar!(kp, wPtr, xPtr, b);
        const simd = h.readI32(a, 32), scalar = h.readI32(b, 32);
        expectSame(`4x8c2 kp=${kp}`, simd, scalar);
        // And the scalar twin against plain sums.
        for (let rr = 0; rr < 4; rr++) {
          for (let c = 0; c < 8; c++) {
            let s = 0;
            for (let p = 0; p < kp; p++) s += w[p * 8 + rr * 2]! * x[p * 16 + c * 2]! + w[p * 8 + rr * 2 + 1]! * x[p * 16 + c * 2 + 1]!;
            assert.equal(scalar[rr * 8 + c], s, `4x8c2 scalar kp=${kp} (${rr}, ${c})`);
          }
        }
      });
    }
  });

  it('qu8_gemv_16c2__simd128 matches its scalar twin', () => {
    for (const kp of [0, 1, 5, 64, 4608]) {
      withQu8Heap((h) => {
        const r = rng(kp + 9);
        const panelBytes = kp * 16 + 48; // panels need not be adjacent
        const w = new Int16Array((panelBytes * 4) / 2), x = new Int16Array(kp * 2);
        for (let i = 0; i < w.length; i++) w[i] = randInt(r, -127, 127);
        for (let i = 0; i < x.length; i++) x[i] = randInt(r, 0, 255);
        const wPtr = h.bytes(new Uint8Array(w.buffer)), xPtr = h.bytes(new Uint8Array(x.buffer));
        const a = h.alloc(64), b = h.alloc(64);
        k8().qu8_gemv_16c2__simd128!(kp, wPtr, panelBytes, xPtr, a);
        k8().qu8_gemv_16c2__scalar!(kp, wPtr, panelBytes, xPtr, b);
        expectSame(`16c2 kp=${kp}`, h.readI32(a, 16), h.readI32(b, 16));
      });
    }
  });
});

interface GemmCase {
  m: number; n: number; k: number; transB: 0 | 1; ldbPad: number; kind: OutKind; zx: number; lo: number; hi: number;
  colMajorOut?: boolean; ties?: boolean; bits?: number; seed: number;
}

/** Exact accumulators C[r][j] = sum_p W[r][p] * (B(p, j) - zx), row-major m x n. */
function gemmAcc(w: Int8Array, b: Uint8Array, t: GemmCase, ldb: number): Int32Array {
  const acc = new Int32Array(t.m * t.n);
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.n; j++) {
      let s = 0;
      for (let p = 0; p < t.k; p++) s += w[i * t.k + p]! * (b[t.transB === 0 ? p * ldb + j : j * ldb + p]! - t.zx);
      acc[i * t.n + j] = s;
    }
  }
  return acc;
}

function runGemm(name: string, t: GemmCase, range?: [number, number][]): void {
  withQu8Heap((h) => {
    const r = rng(t.seed);
    const w = randomCodes(t.m * t.k, t.bits ?? 8, r);
    const ldb = (t.transB === 0 ? t.n : t.k) + t.ldbPad;
    const bRows = t.transB === 0 ? t.k : t.n;
    const b = t.ties ? randomBytes(bRows * ldb, r, Math.max(0, t.zx - 1), Math.min(255, t.zx + 1)) : randomBytes(bRows * ldb, r);
    const { mult, off } = rowParams(t.m, t.k, t.kind, r, t.ties);
    const wPtr = packW(h, w, t.m, t.k), bPtr = h.bytes(b), multPtr = h.f32(mult), offPtr = h.f32(off);
    const ldyRow = t.colMajorOut ? 1 : t.n + 2, ldyCol = t.colMajorOut ? t.m + 1 : 1;
    const yLen = t.colMajorOut ? t.n * ldyCol : t.m * ldyRow;
    const y = outputBuffer(h, yLen, t.kind);
    const scratch = h.alloc(k8().qu8_gemm_scratch_bytes!(t.k));
    const args = [t.m, t.n, t.k, wPtr, bPtr, ldb, t.transB, t.zx, multPtr, offPtr, t.kind, t.lo, t.hi, y.ptr, ldyRow, ldyCol];
    if (range) for (const [s, e] of range) k8()[name]!(...args, s, e, scratch);
    else k8()[name]!(...args, scratch);
    const got = y.read();
    const acc = gemmAcc(w, b, t, ldb);
    const what = `${name} m${t.m} n${t.n} k${t.k} transB${t.transB} kind${t.kind} zx${t.zx} [${t.lo},${t.hi}]` +
      `${t.colMajorOut ? ' col-major y' : ''}${t.ties ? ' ties' : ''}`;
    const at = (i: number): number => Math.floor(i / t.n) * ldyRow + (i % t.n) * ldyCol;
    expectEpilogue(what, got, acc, at, (i) => ({ mult: mult[Math.floor(i / t.n)]!, off: off[Math.floor(i / t.n)]! }), t.lo, t.hi, t.kind);
    const written = new Uint8Array(yLen);
    for (let i = 0; i < acc.length; i++) written[at(i)] = 1;
    for (let i = 0; i < yLen; i++) {
      if (!written[i] && got[i] !== y.sentinel) assert.fail(`${what}: y[${i}] outside C was written`);
    }
  });
}

describe('qu8_gemm_prepacked', () => {
  it('matches the integer reference on ragged shapes', () => {
    let seed = 1;
    const shapes = [[1, 1, 1], [4, 8, 2], [5, 9, 3], [3, 7, 17], [8, 16, 16], [13, 31, 29], [64, 40, 288], [9, 600, 18],
      [10, 33, 9216], [1, 17, 1000], [7, 1, 5], [4, 4, 0]];
    for (const [m, n, k] of shapes) {
      for (const transB of [0, 1] as const) {
        const base = { m: m!, n: n!, k: k!, transB, ldbPad: seed % 3, zx: 7, lo: 0, hi: 255 };
        runGemm('qu8_gemm_prepacked', { ...base, kind: OUT_U8, seed: seed++ });
        runGemm('qu8_gemm_prepacked', { ...base, kind: OUT_F32, lo: -Infinity, hi: Infinity, seed: seed++ });
      }
    }
  });

  it('handles clamps, ties, low bit widths and a column-major output', () => {
    let seed = 100;
    for (const transB of [0, 1] as const) {
      const base = { m: 11, n: 21, k: 37, transB, ldbPad: 1, kind: OUT_U8 as OutKind };
      runGemm('qu8_gemm_prepacked', { ...base, zx: 140, lo: 140, hi: 255, seed: seed++ });
      runGemm('qu8_gemm_prepacked', { ...base, zx: 0, lo: 0, hi: 60, seed: seed++ });
      runGemm('qu8_gemm_prepacked', { ...base, zx: 30, lo: -7, hi: 300.5, seed: seed++ });
      runGemm('qu8_gemm_prepacked', { ...base, zx: 255, lo: 0, hi: 255, ties: true, bits: 2, seed: seed++ });
      runGemm('qu8_gemm_prepacked', { ...base, zx: 3, lo: 0, hi: 255, bits: 4, seed: seed++ });
      runGemm('qu8_gemm_prepacked', { ...base, zx: 3, lo: 0, hi: 255, colMajorOut: true, seed: seed++ });
      runGemm('qu8_gemm_prepacked', { ...base, kind: OUT_F32, zx: 90, lo: 0, hi: 6, colMajorOut: true, seed: seed++ });
    }
  });

  it('qu8_gemm_prepacked_rows writes only its rows, for ranges off panel edges', () => {
    const t: GemmCase = { m: 23, n: 19, k: 45, transB: 0, ldbPad: 0, kind: OUT_U8, zx: 11, lo: 0, hi: 255, seed: 300 };
    runGemm('qu8_gemm_prepacked_rows', t, [[0, 23]]);
    runGemm('qu8_gemm_prepacked_rows', t, [[0, 3], [3, 9], [9, 10], [10, 23]]);
    runGemm('qu8_gemm_prepacked_rows', { ...t, transB: 1, colMajorOut: true, kind: OUT_F32, lo: -1, hi: 1e9 }, [[0, 5], [5, 17], [17, 23]]);
  });
});

// ---- convolution -------------------------------------------------------------------

interface ConvCase {
  n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; kind: OutKind; zx: number; lo: number; hi: number;
}

function outSize(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function convAcc(x: Uint8Array, w: Int8Array, t: ConvCase, oh: number, ow: number): Int32Array {
  const acc = new Int32Array(t.n * t.oc * oh * ow);
  let i = 0;
  for (let img = 0; img < t.n; img++) {
    for (let o = 0; o < t.oc; o++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, i++) {
          let s = 0;
          for (let ci = 0; ci < t.c; ci++) {
            for (let ki = 0; ki < t.kh; ki++) {
              for (let kj = 0; kj < t.kw; kj++) {
                const iy = oy * t.sh - t.ph + ki * t.dh, ix = ox * t.sw - t.pw + kj * t.dw;
                const xv = iy >= 0 && iy < t.h && ix >= 0 && ix < t.w ? x[((img * t.c + ci) * t.h + iy) * t.w + ix]! : t.zx;
                s += w[((o * t.c + ci) * t.kh + ki) * t.kw + kj]! * (xv - t.zx);
              }
            }
          }
          acc[i] = s;
        }
      }
    }
  }
  return acc;
}

function runConv(t: ConvCase, seed: number, mode: 'whole' | 'split' | 'pool'): { got: ArrayLike<number>; acc: Int32Array; mult: Float32Array; off: Float32Array } {
  return withQu8Heap((h) => {
    const r = rng(seed);
    const oh = outSize(t.h, t.kh, t.sh, t.ph, t.dh), ow = outSize(t.w, t.kw, t.sw, t.pw, t.dw);
    const kk = t.c * t.kh * t.kw;
    const x = randomBytes(t.n * t.c * t.h * t.w, r), w = randomCodes(t.oc * kk, 8, r);
    const { mult, off } = rowParams(t.oc, kk, t.kind, r);
    const wPtr = packW(h, w, t.oc, kk), xPtr = h.bytes(x), multPtr = h.f32(mult), offPtr = h.f32(off);
    const y = outputBuffer(h, t.n * t.oc * oh * ow, t.kind);
    const bytes = k8().qu8_conv2d_scratch_bytes!(t.c, oh, ow, t.kh, t.kw);
    const args = [xPtr, wPtr, y.ptr, t.c, t.h, t.w, t.oc, oh, ow, t.kh, t.kw, t.sh, t.sw, t.ph, t.pw, t.dh, t.dw,
      t.zx, multPtr, offPtr, t.kind, t.lo, t.hi];
    if (mode === 'pool') {
      wasm().pool.run('qu8_conv2d', args, t.n, { scratchPtrs: [h.alloc(bytes), h.alloc(bytes)] });
    } else {
      const scratch = h.alloc(bytes);
      const cuts = mode === 'whole' ? [0, t.n] : [0, 1, t.n];
      for (let i = 1; i < cuts.length; i++) k8().qu8_conv2d!(...args, cuts[i - 1]!, cuts[i]!, scratch);
    }
    return { got: y.read(), acc: convAcc(x, w, t, oh, ow), mult, off };
  });
}

function checkConv(t: ConvCase, seed: number, mode: 'whole' | 'split' | 'pool'): ArrayLike<number> {
  const { got, acc, mult, off } = runConv(t, seed, mode);
  const per = acc.length / (t.n * t.oc);
  const rowOf = (i: number): number => Math.floor(i / per) % t.oc;
  expectEpilogue(`qu8_conv2d (${mode}) ${JSON.stringify(t)}`, got, acc, (i) => i,
    (i) => ({ mult: mult[rowOf(i)]!, off: off[rowOf(i)]! }), t.lo, t.hi, t.kind);
  return got;
}

const CONVS: ConvCase[] = [
  { n: 2, c: 3, h: 26, w: 26, oc: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, kind: OUT_U8, zx: 4, lo: 4, hi: 255 },
  { n: 2, c: 2, h: 9, w: 13, oc: 7, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, kind: OUT_U8, zx: 200, lo: 0, hi: 255 },
  { n: 1, c: 3, h: 11, w: 17, oc: 9, kh: 5, kw: 3, sh: 2, sw: 2, ph: 2, pw: 1, dh: 1, dw: 1, kind: OUT_F32, zx: 31, lo: -Infinity, hi: Infinity },
  { n: 2, c: 4, h: 8, w: 8, oc: 6, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, kind: OUT_U8, zx: 0, lo: 0, hi: 255 },
  { n: 1, c: 2, h: 12, w: 10, oc: 4, kh: 3, kw: 3, sh: 1, sw: 3, ph: 2, pw: 2, dh: 2, dw: 2, kind: OUT_F32, zx: 128, lo: 0, hi: 6 },
  { n: 3, c: 1, h: 7, w: 5, oc: 1, kh: 2, kw: 2, sh: 2, sw: 1, ph: 1, pw: 0, dh: 1, dw: 1, kind: OUT_U8, zx: 255, lo: 0, hi: 255 },
  { n: 2, c: 5, h: 6, w: 37, oc: 11, kh: 3, kw: 3, sh: 1, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, kind: OUT_U8, zx: 10, lo: 10, hi: 200 },
];

describe('qu8_conv2d', () => {
  it('matches the integer reference; padding reads the zero point', () => {
    CONVS.forEach((t, i) => checkConv(t, 10 + i, 'whole'));
  });

  it('image ranges compose', () => {
    CONVS.filter((t) => t.n > 1).forEach((t, i) => {
      expectSame(`qu8_conv2d split ${JSON.stringify(t)}`, runConv(t, 50 + i, 'split').got, runConv(t, 50 + i, 'whole').got);
    });
  });
});

// ---- linear -----------------------------------------------------------------------

interface LinearCase { batch: number; inF: number; outF: number; kind: OutKind; zx: number; lo: number; hi: number }

function runLinear(t: LinearCase, seed: number, ranges: [number, number][] | 'pool'): { got: ArrayLike<number>; acc: Int32Array; mult: Float32Array; off: Float32Array } {
  return withQu8Heap((h) => {
    const r = rng(seed);
    const x = randomBytes(t.batch * t.inF, r), w = randomCodes(t.outF * t.inF, 8, r);
    const { mult, off } = rowParams(t.outF, t.inF, t.kind, r);
    const wPtr = packW(h, w, t.outF, t.inF), xPtr = h.bytes(x), multPtr = h.f32(mult), offPtr = h.f32(off);
    const y = outputBuffer(h, t.batch * t.outF, t.kind);
    const bytes = k8().qu8_linear_scratch_bytes!(t.batch, t.inF);
    const args = [xPtr, t.batch, t.inF, t.outF, wPtr, t.zx, multPtr, offPtr, t.kind, t.lo, t.hi, y.ptr];
    if (ranges === 'pool') {
      wasm().pool.run('qu8_linear', args, t.outF, { grain: 4, scratchPtrs: [h.alloc(bytes), h.alloc(bytes)] });
    } else {
      const scratch = h.alloc(bytes);
      for (const [s, e] of ranges) k8().qu8_linear!(...args, s, e, scratch);
    }
    const acc = new Int32Array(t.batch * t.outF);
    for (let b = 0; b < t.batch; b++) {
      for (let o = 0; o < t.outF; o++) {
        let s = 0;
        for (let i = 0; i < t.inF; i++) s += w[o * t.inF + i]! * (x[b * t.inF + i]! - t.zx);
        acc[b * t.outF + o] = s;
      }
    }
    return { got: y.read(), acc, mult, off };
  });
}

function checkLinear(t: LinearCase, seed: number, ranges: [number, number][] | 'pool'): ArrayLike<number> {
  const { got, acc, mult, off } = runLinear(t, seed, ranges);
  expectEpilogue(`qu8_linear ${JSON.stringify(t)} ${JSON.stringify(ranges)}`, got, acc, (i) => i,
    (i) => ({ mult: mult[i % t.outF]!, off: off[i % t.outF]! }), t.lo, t.hi, t.kind);
  return got;
}

describe('qu8_linear', () => {
  it('GEMV (batch < 4) and GEMM (batch >= 4) paths match the reference', () => {
    let seed = 400;
    for (const batch of [1, 2, 3, 4, 5, 8, 32, 33]) {
      for (const [inF, outF] of [[1, 1], [9, 10], [33, 17], [128, 10], [300, 64], [1000, 23]] as const) {
        checkLinear({ batch, inF, outF, kind: OUT_U8, zx: 12, lo: 12, hi: 255 }, seed++, [[0, outF]]);
      }
      checkLinear({ batch, inF: 77, outF: 21, kind: OUT_F32, zx: 3, lo: -Infinity, hi: Infinity }, seed++, [[0, 21]]);
    }
  });

  it('feature ranges, on or off panel edges, compose', () => {
    for (const batch of [1, 3, 4, 32]) {
      const t: LinearCase = { batch, inF: 97, outF: 29, kind: OUT_U8, zx: 40, lo: 0, hi: 255 };
      const whole = checkLinear(t, 500 + batch, [[0, 29]]);
      expectSame(`linear batch ${batch} ranges`, checkLinear(t, 500 + batch, [[0, 4], [4, 13], [13, 14], [14, 29]]), whole);
    }
  });
});

describe('qu8 drivers on the thread pool', () => {
  before(() => setThreads(2));

  it('qu8_conv2d over two threads equals one', () => {
    CONVS.filter((t) => t.n > 1).forEach((t, i) => {
      expectSame(`qu8_conv2d pool ${JSON.stringify(t)}`, runConv(t, 70 + i, 'pool').got, checkConv(t, 70 + i, 'whole'));
    });
  });

  it('qu8_linear over two threads equals one', () => {
    for (const batch of [1, 2, 32]) {
      const t: LinearCase = { batch, inF: 200, outF: 44, kind: OUT_U8, zx: 9, lo: 9, hi: 255 };
      expectSame(`qu8_linear pool batch ${batch}`, runLinear(t, 600 + batch, 'pool').got, checkLinear(t, 600 + batch, [[0, 44]]));
    }
  });
});
