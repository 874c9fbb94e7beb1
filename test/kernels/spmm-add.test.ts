// The sparse int8 conv with a residual add fused into its epilogue (qu8_spmm_add), which adds the
// other input in the real domain before its one rounding: the simd128 kernel, its scalar twin,
// the entry point and a two-thread pool run equal that formula computed here in float32
// (Math.fround after each operation, round half to even) code for code, and stay within one
// code of the unfused pair, qu8_spmm onto the conv's own grid then the add (DequantizeLinear ->
// Add -> QuantizeLinear in float32, which the qu8_add kernel must match exactly), where the
// conv's scale is at most the output's. Conv outputs that saturate their grid saturate fused too.
// Layouts: the direct conv (rows of 1 to 61 pixels: stacked narrow rows, one and several tiles,
// ragged and overlapping last tiles, a single pixel per row) and an im2col'd [K][N] matrix.
// Rows: random, fully pruned and fully dense; all pruned and none pruned; a fused ReLU after the
// add at zero points 0 and above; unit ranges that cut images. y outside the outputs (gaps
// between rows and images) must stay untouched.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { OUT_U8, rng, randInt, randomBytes, randomCsr, roundHalfEven, withQu8Heap, type Qu8Heap } from './qu8-reference.js';

const fr = Math.fround;

/** The grids: a (the conv's output), b (the other input), y; [qmin, qmax] the clamp after the add. */
interface AddGrid { sa: number; za: number; sb: number; zb: number; sy: number; zy: number; qmin: number; qmax: number }

/** DequantizeLinear -> Add -> QuantizeLinear (and the fused clamp) in float32. */
function addRef(a: number, b: number, g: AddGrid): number {
  const s = fr(fr(fr(a - g.za) * fr(g.sa)) + fr(fr(b - g.zb) * fr(g.sb)));
  return Math.min(g.qmax, Math.max(g.qmin, roundHalfEven(fr(s / fr(g.sy))) + g.zy));
}

const clampF = (v: number, lo: number, hi: number) => (v < lo ? lo : hi < v ? hi : v);

/** The fused epilogue in float32: code(clamp(clamp(acc*mult + off, cLo, cHi) + (b*bMult + bOff), qmin, qmax)). */
function fusedRef(acc: number, mult: number, off: number, b: number, k: Float32Array, g: AddGrid): number {
  const c = clampF(fr(fr(fr(acc) * mult) + off), k[0]!, k[1]!);
  return roundHalfEven(clampF(fr(c + fr(fr(b * k[2]!) + k[3]!)), g.qmin, g.qmax));
}

interface Layout {
  /** 'direct': a [c][h][w] image padded by `pad`, a k x k stride-1 conv; 'im2col': a [k][n] matrix. */
  kind: 'direct' | 'im2col';
  c: number; h: number; w: number; k: number; pad: number;
}

interface Case {
  layout: Layout; oc: number; images: number; sparsity: number;
  grid: AddGrid; seed: number;
}

function label(t: Case): string {
  const l = t.layout;
  return `${l.kind} c${l.c} ${l.h}x${l.w} k${l.k} pad${l.pad} oc${t.oc} imgs${t.images} s${t.sparsity} add=${JSON.stringify(t.grid)}`;
}

function checkCase(t: Case): void {
  withQu8Heap((h: Qu8Heap) => {
    const { kernels, pool } = wasm();
    const r = rng(t.seed);
    const l = t.layout;
    let rowsK: number, outRows: number, outCols: number, inRowStride: number, imageBytes: number, offsetOf: (k: number) => number;
    if (l.kind === 'direct') {
      const hp = l.h + 2 * l.pad, wp = l.w + 2 * l.pad;
      rowsK = l.c * l.k * l.k;
      outRows = hp - l.k + 1;
      outCols = wp - l.k + 1;
      inRowStride = wp;
      imageBytes = l.c * hp * wp;
      offsetOf = (k) => Math.floor(k / (l.k * l.k)) * hp * wp + Math.floor((k % (l.k * l.k)) / l.k) * wp + (k % l.k);
    } else {
      rowsK = l.c;
      outRows = 1;
      outCols = l.w;
      inRowStride = 0;
      imageBytes = l.c * l.w;
      offsetOf = (k) => k * l.w;
    }
    // Row 1 fully pruned (an empty output channel), row 2 (when there is one) fully dense.
    const csr = randomCsr(t.oc, rowsK, t.sparsity, 8, r, t.oc > 1 ? [1] : []);
    if (t.oc > 2) {
      const dense = randomCsr(1, rowsK, 0, 8, r);
      const before = csr.rowPtr[2]!, after = csr.rowPtr[3]!;
      const grow = rowsK - (after - before);
      csr.cols = Int32Array.from([...csr.cols.subarray(0, before), ...dense.cols, ...csr.cols.subarray(after)]);
      csr.values = Int8Array.from([...csr.values.subarray(0, before), ...dense.values, ...csr.values.subarray(after)]);
      for (let i = 3; i <= t.oc; i++) csr.rowPtr[i] = csr.rowPtr[i]! + grow;
      csr.rowSum[2] = dense.rowSum[0]!;
    }
    const xStride = imageBytes + (t.seed % 3) * 3;
    const zx = randInt(r, 0, 255);
    const xBytes = randomBytes(xStride * t.images, r);
    const x = h.bytes(xBytes, 64);
    const offsets = csr.cols.length ? Array.from(csr.cols, offsetOf) : [0];
    const rowPtr = h.i32(csr.rowPtr), offsetsPtr = h.i32(offsets);
    const values = h.bytes(csr.values.length ? csr.values : new Int8Array(1), 0), rowSum = h.i32(csr.rowSum);
    const g = t.grid;
    // Per row: the real multiplier (x scale * weight scale) and bias; the conv's codes spread over
    // its whole grid and saturate at both ends now and then.
    const real = Array.from({ length: t.oc }, (_, i) => {
      const nnz = csr.rowPtr[i + 1]! - csr.rowPtr[i]!;
      return { mult: (g.sa * 400 / (Math.sqrt(nnz + 1) * 127 * 100)) * (0.5 + r()), bias: (r() - 0.5) * 40 * g.sa };
    });
    let maxNnz = 0;
    for (let i = 0; i < t.oc; i++) maxNnz = Math.max(maxNnz, csr.rowPtr[i + 1]! - csr.rowPtr[i]!);
    const scratchBytes = Math.max(16, kernels.qu8_spmm_scratch_bytes!(maxNnz));
    const scratch = h.alloc(scratchBytes);
    const per = outRows * outCols, total = t.images * t.oc;
    const acc = (img: number, row: number, i: number) => {
      const oy = Math.floor(i / outCols), ox = i % outCols;
      let a = -zx * csr.rowSum[row]!;
      for (let e = csr.rowPtr[row]!; e < csr.rowPtr[row + 1]!; e++) a += csr.values[e]! * xBytes[img * xStride + offsets[e]! + oy * inRowStride + ox]!;
      return a;
    };

    // The unfused conv onto its own grid, packed, then the add here and by qu8_add.
    const convPtr = h.alloc(total * per);
    const multC = h.f32(real.map((q) => q.mult / g.sa)), offC = h.f32(real.map((q) => q.bias / g.sa + g.za));
    kernels.qu8_spmm!(t.oc, outRows, outCols, inRowStride, rowPtr, offsetsPtr, values, rowSum, zx, multC, offC, OUT_U8, 0, 255,
      x, xStride, convPtr, per, outCols, t.oc * per, 0, 0, total, scratch);
    const conv = h.readU8(convPtr, total * per);
    // Fused outputs land ldy apart per row and ldyRow per output row, with gaps (as inside a
    // frame), and the residual input has strides of its own.
    const ldyRow = outCols + (outRows > 1 ? 2 : 0), ldy = outRows * ldyRow + 3, yStride = t.oc * ldy + 5, ySize = t.images * yStride;
    const ldrRow = outCols + (outRows > 1 ? 1 : 0), ldr = outRows * ldrRow + 1, rStride = t.oc * ldr + 2;
    const yAt = (img: number, row: number, i: number) => img * yStride + row * ldy + Math.floor(i / outCols) * ldyRow + (i % outCols);
    const rAt = (img: number, row: number, i: number) => img * rStride + row * ldr + Math.floor(i / outCols) * ldrRow + (i % outCols);
    const resBytes = randomBytes(t.images * rStride + 8, r);
    const res = h.bytes(resBytes, 64);
    const mult = Float32Array.from(real, (q) => q.mult / g.sy), off = Float32Array.from(real, (q) => q.bias / g.sy + g.zy);
    const steps = g.sa / g.sy, bMult = g.sb / g.sy;
    const k = Float32Array.of(-g.za * steps + g.zy, (255 - g.za) * steps + g.zy, bMult, -g.zb * bMult);
    const want = new Map<number, number>();
    const packedRes = new Uint8Array(total * per), unfused = new Uint8Array(total * per);
    for (let img = 0; img < t.images; img++) {
      for (let row = 0; row < t.oc; row++) {
        for (let i = 0; i < per; i++) {
          const at = yAt(img, row, i), b = resBytes[rAt(img, row, i)]!, u = (img * t.oc + row) * per + i;
          want.set(at, fusedRef(acc(img, row, i), mult[row]!, off[row]!, b, k, g));
          packedRes[u] = b;
          unfused[u] = addRef(conv[u]!, b, g);
          if (Math.abs(want.get(at)! - unfused[u]!) > 1) assert.fail(`${label(t)}: unit ${img * t.oc + row} pixel ${i}: fused formula ${want.get(at)}, unfused ${unfused[u]} (conv code ${conv[u]})`);
        }
      }
    }
    const viaKernel = (() => {
      const b = h.bytes(packedRes), y = h.alloc(total * per);
      kernels.qu8_add!(convPtr, g.sa, g.za, b, g.sb, g.zb, y, g.sy, g.zy, g.qmin, g.qmax, 0, total * per, 0);
      return h.readU8(y, total * per);
    })();
    for (let i = 0; i < total * per; i++) {
      if (viaKernel[i] !== unfused[i]) assert.fail(`qu8_add ${label(t)}: element ${i} = ${viaKernel[i]}, float32 reference ${unfused[i]}`);
    }

    const params = h.alloc(kernels.qu8_add_params_bytes!());
    kernels.qu8_add_params!(params, k[0]!, k[1]!, k[2]!, k[3]!);
    const multPtr = h.f32(mult), offPtr = h.f32(off);
    const args = (y: number) => [t.oc, outRows, outCols, inRowStride, rowPtr, offsetsPtr, values, rowSum, zx, multPtr, offPtr, g.qmin, g.qmax,
      x, xStride, y, ldy, ldyRow, yStride, 0, res, ldr, ldrRow, rStride, params];
    const SENTINEL = 0x5a;
    const yBuffer = () => {
      const ptr = h.alloc(ySize + 64);
      wasm().heap.u8(ptr, ySize + 64).fill(SENTINEL);
      return ptr;
    };
    const check = (what: string, y: number, start: number, end: number) => {
      const got = h.readU8(y, ySize + 64);
      for (let i = 0; i < got.length; i++) {
        const img = Math.floor(i / yStride), row = Math.min(t.oc - 1, Math.floor((i - img * yStride) / ldy));
        const u = img * t.oc + row;
        const expected = want.has(i) && u >= start && u < end ? want.get(i)! : SENTINEL;
        if (got[i] !== expected) assert.fail(`${what} ${label(t)} units [${start}, ${end}): y[${i}] = ${got[i]}, want ${expected}${want.has(i) ? '' : ' (not an output)'}`);
      }
    };
    const splits: [number, number][] = [[0, total]];
    if (total > 2) splits.push([1, total - 1], [Math.floor(total / 3), Math.floor((2 * total) / 3) + 1]);
    for (const name of ['qu8_spmm_24x1_add__simd128', 'qu8_spmm_24x1_add__scalar', 'qu8_spmm_add']) {
      for (const [s, e] of splits) {
        const y = yBuffer();
        kernels[name]!(...args(y), s, e, scratch);
        check(name, y, s, e);
      }
    }
    // Two threads, each with its own scratch, over one-unit grains.
    const y = yBuffer();
    pool.run('qu8_spmm_add', args(y), total, { grain: 1, scratchPtrs: [h.alloc(scratchBytes), h.alloc(scratchBytes)] });
    check('qu8_spmm_add (2 threads)', y, 0, total);
  });
}

const LAYOUTS: Layout[] = [
  { kind: 'direct', c: 3, h: 28, w: 28, k: 3, pad: 1 },  // ResNet-20 stage 1: rows of 28 (24 + an overlapping 8)
  { kind: 'direct', c: 4, h: 14, w: 14, k: 3, pad: 1 },  // stage 2: rows of 14
  { kind: 'direct', c: 4, h: 7, w: 7, k: 3, pad: 1 },    // stage 3: rows of 7, stacked three at a time
  { kind: 'direct', c: 2, h: 5, w: 3, k: 1, pad: 0 },    // rows of 3, five of them (3 + 2 stacked)
  { kind: 'direct', c: 2, h: 4, w: 61, k: 3, pad: 1 },   // rows of 61: three tiles, the last ragged
  { kind: 'direct', c: 2, h: 9, w: 1, k: 1, pad: 0 },    // one pixel per row
  { kind: 'direct', c: 2, h: 6, w: 17, k: 3, pad: 0 },   // 4x15: one tile of 8 + an overlapping 8
  { kind: 'im2col', c: 36, h: 1, w: 196, k: 1, pad: 0 }, // a strided shortcut conv's [K][N]
  { kind: 'im2col', c: 9, h: 1, w: 49, k: 1, pad: 0 },
];

const GRIDS: AddGrid[] = [
  { sa: 0.03, za: 128, sb: 0.03, zb: 120, sy: 0.07, zy: 0, qmin: 0, qmax: 255 },   // ReLU with zy = 0
  { sa: 0.02, za: 10, sb: 0.08, zb: 250, sy: 0.04, zy: 30, qmin: 30, qmax: 255 }, // ReLU at zy = 30
  { sa: 0.05, za: 0, sb: 0.05, zb: 0, sy: 0.1, zy: 3, qmin: 0, qmax: 255 },       // halves: ties, no ReLU
  { sa: 0.01, za: 140, sb: 0.05, zb: 7, sy: 0.01, zy: 100, qmin: 0, qmax: 255 },  // conv step = output step; saturation
];

before(() => setThreads(2));

describe('qu8_spmm_add', () => {
  it('equals the fused formula code for code and qu8_spmm then the add within one code, on direct and im2col layouts', () => {
    let seed = 500;
    for (const layout of LAYOUTS) {
      for (const grid of GRIDS) {
        checkCase({ layout, oc: 4, images: 2, sparsity: 0.7, grid, seed: seed++ });
      }
    }
  });

  it('all weights pruned and no weights pruned, one image and three', () => {
    for (const sparsity of [0, 1]) {
      for (const images of [1, 3]) {
        checkCase({ layout: LAYOUTS[2]!, oc: 3, images, sparsity, grid: GRIDS[1]!, seed: 600 + sparsity + images });
        checkCase({ layout: LAYOUTS[1]!, oc: 3, images, sparsity, grid: GRIDS[0]!, seed: 610 + sparsity + images });
      }
    }
  });
});
