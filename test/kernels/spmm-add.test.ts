// The sparse int8 conv with a residual add fused into its epilogue (qu8_spmm_add): the simd128
// kernel, its scalar twin, the entry point and a two-thread pool run equal the unfused pair,
// qu8_spmm (uint8 outputs) then the add of the other input, code for code. The add is computed
// here in float32 (Math.fround after each operation: DequantizeLinear -> Add -> QuantizeLinear,
// round half to even) and must also equal the qu8_add kernel run on qu8_spmm's output.
// Layouts: the direct conv (rows of 1 to 61 pixels: stacked narrow rows, one and several tiles,
// ragged and overlapping last tiles, a single pixel per row) and an im2col'd [K][N] matrix.
// Rows: random, fully pruned and fully dense; all pruned and none pruned; clamps on the conv's
// grid and a fused ReLU after the add; unit ranges that cut images. y outside the outputs (gaps
// between rows and images) must stay untouched.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { OUT_U8, rng, randInt, randomBytes, randomCsr, roundHalfEven, withQu8Heap, type Qu8Heap } from './qu8-reference.js';

const fr = Math.fround;

interface AddGrid { sa: number; za: number; sb: number; zb: number; sy: number; zy: number; qmin: number; qmax: number }

/** DequantizeLinear -> Add -> QuantizeLinear (and the fused clamp) in float32. */
function addRef(a: number, b: number, g: AddGrid): number {
  const s = fr(fr(fr(a - g.za) * fr(g.sa)) + fr(fr(b - g.zb) * fr(g.sb)));
  return Math.min(g.qmax, Math.max(g.qmin, roundHalfEven(fr(s / fr(g.sy))) + g.zy));
}

interface Layout {
  /** 'direct': a [c][h][w] image padded by `pad`, a k x k stride-1 conv; 'im2col': a [k][n] matrix. */
  kind: 'direct' | 'im2col';
  c: number; h: number; w: number; k: number; pad: number;
}

interface Case {
  layout: Layout; oc: number; images: number; sparsity: number;
  /** The conv's clamp on its own grid. */
  clamp: [number, number];
  grid: AddGrid; seed: number;
}

function label(t: Case): string {
  const l = t.layout;
  return `${l.kind} c${l.c} ${l.h}x${l.w} k${l.k} pad${l.pad} oc${t.oc} imgs${t.images} s${t.sparsity} clamp=[${t.clamp}] add=${JSON.stringify(t.grid)}`;
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
    const x = h.bytes(randomBytes(xStride * t.images, r), 64);
    const rowPtr = h.i32(csr.rowPtr), offsets = h.i32(csr.cols.length ? Array.from(csr.cols, offsetOf) : [0]);
    const values = h.bytes(csr.values.length ? csr.values : new Int8Array(1), 0), rowSum = h.i32(csr.rowSum);
    const mult = new Float32Array(t.oc), off = new Float32Array(t.oc);
    for (let i = 0; i < t.oc; i++) {
      const nnz = csr.rowPtr[i + 1]! - csr.rowPtr[i]!;
      mult[i] = (150 / (Math.sqrt(nnz + 1) * 127 * 100)) * (0.5 + r());
      off[i] = 128 + (r() - 0.5) * 40;
    }
    const multPtr = h.f32(mult), offPtr = h.f32(off);
    let maxNnz = 0;
    for (let i = 0; i < t.oc; i++) maxNnz = Math.max(maxNnz, csr.rowPtr[i + 1]! - csr.rowPtr[i]!);
    const scratchBytes = Math.max(16, kernels.qu8_spmm_scratch_bytes!(maxNnz));
    const scratch = h.alloc(scratchBytes);
    const per = outRows * outCols, total = t.images * t.oc;

    // The unfused conv, packed, then the add here and by qu8_add.
    const convPtr = h.alloc(total * per);
    kernels.qu8_spmm!(t.oc, outRows, outCols, inRowStride, rowPtr, offsets, values, rowSum, zx, multPtr, offPtr, OUT_U8, t.clamp[0], t.clamp[1],
      x, xStride, convPtr, per, t.oc * per, 0, total, scratch);
    const conv = h.readU8(convPtr, total * per);
    // Fused outputs land ldy apart per row with gaps, and the residual input is laid out alike.
    const ldy = per + 3, yStride = t.oc * ldy + 5, ySize = t.images * yStride;
    const resBytes = randomBytes(ySize, r);
    const res = h.bytes(resBytes, 64);
    const g = t.grid;
    const want = new Map<number, number>();
    const packedRes = new Uint8Array(total * per);
    for (let img = 0; img < t.images; img++) {
      for (let row = 0; row < t.oc; row++) {
        for (let i = 0; i < per; i++) {
          const at = img * yStride + row * ldy + i, c = conv[(img * t.oc + row) * per + i]!;
          want.set(at, addRef(c, resBytes[at]!, g));
          packedRes[(img * t.oc + row) * per + i] = resBytes[at]!;
        }
      }
    }
    const viaKernel = (() => {
      const b = h.bytes(packedRes), y = h.alloc(total * per);
      kernels.qu8_add!(convPtr, g.sa, g.za, b, g.sb, g.zb, y, g.sy, g.zy, g.qmin, g.qmax, 0, total * per, 0);
      return h.readU8(y, total * per);
    })();
    for (let u = 0; u < total; u++) {
      for (let i = 0; i < per; i++) {
        const img = Math.floor(u / t.oc), row = u % t.oc;
        const w = want.get(img * yStride + row * ldy + i)!;
        if (viaKernel[u * per + i] !== w) assert.fail(`qu8_add ${label(t)}: unit ${u} pixel ${i} = ${viaKernel[u * per + i]}, float32 reference ${w}`);
      }
    }

    const params = h.alloc(kernels.qu8_add_params_bytes!());
    kernels.qu8_add_params!(params, g.sa, g.za, g.sb, g.zb, g.sy, g.zy, g.qmin, g.qmax);
    const args = (y: number) => [t.oc, outRows, outCols, inRowStride, rowPtr, offsets, values, rowSum, zx, multPtr, offPtr, t.clamp[0], t.clamp[1],
      x, xStride, y, ldy, yStride, res, params];
    const SENTINEL = 0x5a;
    const yBuffer = () => {
      const ptr = h.alloc(ySize + 64);
      wasm().heap.u8(ptr, ySize + 64).fill(SENTINEL);
      return ptr;
    };
    const check = (what: string, y: number, start: number, end: number) => {
      const got = h.readU8(y, ySize + 64);
      for (let i = 0; i < got.length; i++) {
        const img = Math.floor(i / yStride), row = Math.floor((i - img * yStride) / ldy);
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
  { sa: 0.05, za: 128, sb: 0.03, zb: 120, sy: 0.07, zy: 0, qmin: 0, qmax: 255 },    // ReLU with zy = 0
  { sa: 0.02, za: 10, sb: 0.08, zb: 250, sy: 0.04, zy: 30, qmin: 30, qmax: 255 },  // ReLU at zy = 30
  { sa: 0.05, za: 0, sb: 0.05, zb: 0, sy: 0.1, zy: 3, qmin: 0, qmax: 255 },        // ties: (a + b) / 2, no ReLU
  { sa: 1, za: 0, sb: 1, zb: 0, sy: 1, zy: 0, qmin: 0, qmax: 200 },                // saturation
];

before(() => setThreads(2));

describe('qu8_spmm_add', () => {
  it('equals qu8_spmm then the residual add, code for code, on direct and im2col layouts', () => {
    let seed = 500;
    for (const layout of LAYOUTS) {
      for (const grid of GRIDS) {
        seed++;
        const clamp: [number, number] = seed % 3 === 0 ? [40, 200] : [0, 255];
        checkCase({ layout, oc: 4, images: 2, sparsity: 0.7, clamp, grid, seed });
      }
    }
  });

  it('all weights pruned and no weights pruned, one image and three', () => {
    for (const sparsity of [0, 1]) {
      for (const images of [1, 3]) {
        checkCase({ layout: LAYOUTS[2]!, oc: 3, images, sparsity, clamp: [0, 255], grid: GRIDS[1]!, seed: 600 + sparsity + images });
        checkCase({ layout: LAYOUTS[1]!, oc: 3, images, sparsity, clamp: [0, 255], grid: GRIDS[0]!, seed: 610 + sparsity + images });
      }
    }
  });
});
