// qu8_spmm (sparse int8 weights x dense uint8 activations): the simd128 kernel against its
// scalar twin and an integer reference, on the three layouts the runtime uses (direct conv,
// im2col'd matrix, transposed linear input), ragged widths around the 8-, 16- and 24-pixel
// tiles, empty and fully pruned rows, both output kinds, unit ranges that cut images,
// and two threads against one.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import {
  OUT_U8, OUT_F32, type OutKind, type Csr, rng, randInt, randomBytes, randomCsr, withQu8Heap, outputBuffer,
  expectEpilogue, expectSame, type Qu8Heap,
} from './qu8-reference.js';

/** Where row r's nonzero at column k reads, and the output geometry. */
interface Layout {
  what: string; k: number; outRows: number; outCols: number; inRowStride: number; imageBytes: number;
  offsetOf: (k: number) => number;
}

function convLayout(c: number, hp: number, wp: number, kh: number, kw: number, dh: number, dw: number): Layout {
  return {
    what: `conv c${c} ${hp}x${wp} k${kh}x${kw} d${dh}x${dw}`, k: c * kh * kw,
    outRows: hp - (kh - 1) * dh, outCols: wp - (kw - 1) * dw, inRowStride: wp, imageBytes: c * hp * wp,
    offsetOf: (k) => {
      const ic = Math.floor(k / (kh * kw)), t = k % (kh * kw);
      return ic * hp * wp + Math.floor(t / kw) * dh * wp + (t % kw) * dw;
    },
  };
}

/** [K][N] matrix: an im2col'd input (N pixels) or x^T of a linear layer (N = batch). */
function matrixLayout(k: number, n: number): Layout {
  return { what: `matrix ${k}x${n}`, k, outRows: 1, outCols: n, inRowStride: 0, imageBytes: k * n, offsetOf: (j) => j * n };
}

interface Case {
  layout: Layout; rows: number; images: number; sparsity: number; bits: number; emptyRows: number[];
  kind: OutKind; zx: number; lo: number; hi: number; ties?: boolean; seed: number;
}

interface Prepared {
  csr: Csr; x: Uint8Array; mult: Float32Array; off: Float32Array;
  xStride: number; ldy: number; ldyRow: number; yStride: number; total: number;
}

function prepare(t: Case): Prepared {
  const r = rng(t.seed);
  const csr = randomCsr(t.rows, t.layout.k, t.sparsity, t.bits, r, t.emptyRows);
  const xStride = t.layout.imageBytes + (t.seed % 3) * 5; // sometimes a gap between images
  // Ties need small accumulators: x near the zero point, so acc*0.5 often ends in .5.
  const x = t.ties ? randomBytes(xStride * t.images, r, Math.max(0, t.zx - 2), Math.min(255, t.zx + 2))
    : randomBytes(xStride * t.images, r);
  const mult = new Float32Array(t.rows), off = new Float32Array(t.rows);
  const q = 2 ** (t.bits - 1) - 1;
  for (let i = 0; i < t.rows; i++) {
    const nnz = csr.rowPtr[i + 1]! - csr.rowPtr[i]!;
    if (t.ties) {
      // Multiples of 1/2 and whole offsets make x.5 results, where half-to-even matters.
      mult[i] = 0.5;
      off[i] = randInt(r, 100, 150);
    } else {
      // Spread outputs over about +-150 codes so that both clamps are hit.
      mult[i] = (150 / (Math.sqrt(nnz + 1) * q * 100)) * (0.5 + r());
      off[i] = t.kind === OUT_U8 ? 128 + (r() - 0.5) * 40 : (r() - 0.5) * 4;
    }
  }
  // Sometimes rows apart as in a framed output (a gap the kernel must not write after each row).
  const ldyRow = t.layout.outCols + (t.seed % 3 === 1 ? 5 : 0);
  const ldy = t.layout.outRows * ldyRow + (t.seed % 2) * 3;
  const yStride = t.rows * ldy + (t.seed % 2) * 7;
  return { csr, x, mult, off, xStride, ldy, ldyRow, yStride, total: t.images * t.rows };
}

/** Exact int32 accumulators sum_e w * (x - zx), in output order [img][r][oy][ox]. */
function referenceAcc(t: Case, p: Prepared): Int32Array {
  const { outRows, outCols, inRowStride } = t.layout;
  const acc = new Int32Array(t.images * t.rows * outRows * outCols);
  let i = 0;
  for (let img = 0; img < t.images; img++) {
    for (let row = 0; row < t.rows; row++) {
      for (let oy = 0; oy < outRows; oy++) {
        for (let ox = 0; ox < outCols; ox++, i++) {
          let s = 0;
          for (let e = p.csr.rowPtr[row]!; e < p.csr.rowPtr[row + 1]!; e++) {
            const xv = p.x[img * p.xStride + t.layout.offsetOf(p.csr.cols[e]!) + oy * inRowStride + ox]!;
            s += p.csr.values[e]! * (xv - t.zx);
          }
          acc[i] = s;
        }
      }
    }
  }
  return acc;
}

/** A mask over one row of outputs: keep[ox] 0xff computes output ox, 0 stores the fill byte. */
interface Mask {
  keep: Uint8Array;
  fill: number;
}

/** Runs a kernel over the given unit ranges (in order) and returns y. */
function run(name: string, t: Case, p: Prepared, ranges: [number, number][], threads2 = false, mask: Mask | null = null): ArrayLike<number> {
  return withQu8Heap((h: Qu8Heap) => {
    const { kernels, pool } = wasm();
    const offsets = Array.from(p.csr.cols, (k) => t.layout.offsetOf(k));
    const rowPtr = h.i32(p.csr.rowPtr), offPtr = h.i32(offsets.length ? offsets : [0]);
    const valPtr = h.bytes(p.csr.values.length ? p.csr.values : new Int8Array(1), 0);
    const sumPtr = h.i32(p.csr.rowSum), multPtr = h.f32(p.mult), offsetPtr = h.f32(p.off);
    const xPtr = h.bytes(p.x, 64);
    const yLen = p.yStride * t.images;
    const y = outputBuffer(h, yLen, t.kind);
    let maxNnz = 0;
    for (let i = 0; i < t.rows; i++) maxNnz = Math.max(maxNnz, p.csr.rowPtr[i + 1]! - p.csr.rowPtr[i]!);
    const scratchBytes = kernels.qu8_spmm_scratch_bytes!(maxNnz);
    const maskPtr = mask === null ? 0 : h.bytes(Uint8Array.from([...new Uint8Array(16).fill(mask.fill), ...mask.keep]), 0) + 16;
    const args = [t.rows, t.layout.outRows, t.layout.outCols, t.layout.inRowStride, rowPtr, offPtr, valPtr, sumPtr,
      t.zx, multPtr, offsetPtr, t.kind, t.lo, t.hi, xPtr, p.xStride, y.ptr, p.ldy, p.ldyRow, p.yStride, maskPtr];
    if (threads2) {
      const scratchPtrs = [h.alloc(scratchBytes), h.alloc(scratchBytes)];
      pool.run(name, args, p.total, { grain: 1, scratchPtrs });
    } else {
      const scratch = h.alloc(scratchBytes);
      for (const [s, e] of ranges) kernels[name]!(...args, s, e, scratch);
    }
    return y.read();
  });
}

function check(what: string, t: Case, p: Prepared, got: ArrayLike<number>): void {
  const acc = referenceAcc(t, p);
  const { outRows, outCols } = t.layout;
  const per = outRows * outCols;
  const at = (i: number): number => {
    const img = Math.floor(i / (t.rows * per)), rem = i % (t.rows * per);
    const row = Math.floor(rem / per), pix = rem % per;
    return img * p.yStride + row * p.ldy + Math.floor(pix / outCols) * p.ldyRow + (pix % outCols);
  };
  const rowOf = (i: number): number => Math.floor((i % (t.rows * per)) / per);
  expectEpilogue(what, got, acc, at, (i) => ({ mult: p.mult[rowOf(i)]!, off: p.off[rowOf(i)]! }), t.lo, t.hi, t.kind);
  // Everything that is not an output keeps the sentinel.
  const written = new Uint8Array(got.length);
  for (let i = 0; i < acc.length; i++) written[at(i)] = 1;
  const sentinel = t.kind === OUT_U8 ? 0x5a : -12345.5;
  for (let i = 0; i < got.length; i++) {
    if (!written[i] && got[i] !== sentinel) assert.fail(`${what}: element ${i} outside the outputs was written (${got[i]})`);
  }
}

function label(t: Case): string {
  return `${t.layout.what} rows${t.rows} imgs${t.images} s${t.sparsity} b${t.bits} kind${t.kind} zx${t.zx} [${t.lo},${t.hi}]` +
    `${t.ties ? ' ties' : ''}${t.emptyRows.length ? ` empty[${t.emptyRows}]` : ''}`;
}

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 1;
  const base = { images: 2, sparsity: 0.7, bits: 8, emptyRows: [] as number[], kind: OUT_U8 as OutKind, zx: 3, lo: 0, hi: 255 };
  const layouts: Layout[] = [
    convLayout(3, 26, 26, 3, 3, 1, 1), convLayout(2, 10, 30, 3, 3, 1, 1), convLayout(2, 9, 9, 3, 3, 2, 2),
    convLayout(1, 7, 11, 5, 5, 1, 1), convLayout(4, 12, 20, 1, 1, 1, 1), convLayout(2, 6, 23, 3, 2, 1, 3),
    convLayout(3, 5, 12, 3, 3, 1, 1),
    // Rows narrower than 8 pixels: stacked by three (7 = 3+3+1, 5 = 3+2), and one pixel wide.
    convLayout(2, 9, 7, 3, 3, 1, 1), convLayout(1, 7, 9, 3, 3, 1, 1), convLayout(2, 6, 3, 3, 3, 1, 1),
  ];
  for (const n of [1, 2, 3, 5, 7, 8, 9, 13, 15, 16, 17, 24, 26, 31, 32, 33, 47, 64, 100]) layouts.push(matrixLayout(19, n));
  layouts.push(matrixLayout(288, 48));
  for (const layout of layouts) {
    out.push({ ...base, layout, rows: 5, seed: seed++ });
  }
  const conv = convLayout(3, 14, 18, 3, 3, 1, 1);
  const mat = matrixLayout(37, 29);
  for (const layout of [conv, mat]) {
    for (const sparsity of [0, 0.5, 0.9, 0.99, 1]) out.push({ ...base, layout, rows: 6, sparsity, seed: seed++ });
    out.push({ ...base, layout, rows: 7, emptyRows: [0, 3, 6], seed: seed++ });
    out.push({ ...base, layout, rows: 4, bits: 4, sparsity: 0.3, seed: seed++ });
    out.push({ ...base, layout, rows: 4, bits: 2, sparsity: 0.2, seed: seed++ });
    out.push({ ...base, layout, rows: 5, kind: OUT_F32, lo: -Infinity, hi: Infinity, zx: 17, seed: seed++ });
    out.push({ ...base, layout, rows: 5, kind: OUT_F32, lo: 0, hi: 6, zx: 200, seed: seed++ });
    out.push({ ...base, layout, rows: 5, zx: 131, lo: 131, hi: 255, seed: seed++ });        // fused ReLU
    out.push({ ...base, layout, rows: 5, zx: 0, lo: 0, hi: 97, seed: seed++ });             // ReLU6-like top
    out.push({ ...base, layout, rows: 5, zx: 60, lo: -40.5, hi: 1e6, seed: seed++ });       // bounds beyond [0, 255]
    out.push({ ...base, layout, rows: 5, zx: 255, bits: 2, ties: true, seed: seed++ });
    out.push({ ...base, layout, rows: 5, zx: 100, bits: 3, ties: true, sparsity: 0.5, seed: seed++ });
    out.push({ ...base, layout, rows: 3, images: 5, zx: 1, sparsity: 0, bits: 8, seed: seed++ });
  }
  return out;
}

describe('qu8_spmm', () => {
  it('simd128 and scalar agree with the integer reference', () => {
    for (const t of cases()) {
      const p = prepare(t);
      const all: [number, number][] = [[0, p.total]];
      const simd = run('qu8_spmm_24x1__simd128', t, p, all);
      check(`qu8_spmm_24x1__simd128 ${label(t)}`, t, p, simd);
      const scalar = run('qu8_spmm_24x1__scalar', t, p, all);
      expectSame(`simd128 vs scalar ${label(t)}`, simd, scalar);
      expectSame(`qu8_spmm vs simd128 ${label(t)}`, run('qu8_spmm', t, p, all), simd);
    }
  });

  it('unit ranges that cut images in the middle give the same output', () => {
    const t: Case = {
      layout: convLayout(2, 11, 19, 3, 3, 1, 1), rows: 7, images: 3, sparsity: 0.6, bits: 8, emptyRows: [2],
      kind: OUT_U8, zx: 9, lo: 9, hi: 250, seed: 77,
    };
    const p = prepare(t);
    const whole = run('qu8_spmm_24x1__simd128', t, p, [[0, p.total]]);
    for (const cuts of [[3], [1, 10, 11], [7, 14], [20]]) {
      const bounds = [0, ...cuts, p.total];
      const ranges = bounds.slice(1).map((e, i) => [bounds[i]!, e] as [number, number]);
      expectSame(`ranges ${JSON.stringify(ranges)}`, run('qu8_spmm_24x1__simd128', t, p, ranges), whole);
    }
    // An empty range writes nothing.
    const none = run('qu8_spmm_24x1__simd128', t, p, [[5, 5]]);
    assert.ok(Array.from(none).every((v) => v === 0x5a), 'an empty unit range wrote outputs');
  });
});

describe('qu8_spmm with a mask', () => {
  it('stores the fill byte where the mask is 0 and the same codes elsewhere', () => {
    let seed = 300;
    for (const n of [16, 17, 23, 24, 31, 33, 47, 64, 100]) {
      for (const emptyRows of [[], [1, 3]]) {
        const t: Case = { layout: matrixLayout(23, n), rows: 5, images: 2, sparsity: 0.7, bits: 8, emptyRows, kind: OUT_U8, zx: 7, lo: 7, hi: 255, seed: seed++ };
        const p = prepare(t);
        const r = rng(seed++);
        // Runs of kept and masked outputs, as the halo columns between a flat conv's rows.
        const keep = Uint8Array.from({ length: n }, (_, i) => ((i % 9) < 7 || r() < 0.1 ? 0xff : 0));
        const mask = { keep, fill: randInt(r, 0, 255) };
        const plain = run('qu8_spmm_24x1__simd128', t, p, [[0, p.total]]);
        for (const name of ['qu8_spmm_24x1__simd128', 'qu8_spmm_24x1__scalar', 'qu8_spmm']) {
          const got = run(name, t, p, [[0, p.total]], false, mask);
          for (let i = 0; i < got.length; i++) {
            const within = i % p.yStride - Math.floor((i % p.yStride) / p.ldy) * p.ldy;
            const ox = within, isOut = ox < n && Math.floor((i % p.yStride) / p.ldy) < t.rows && Math.floor(i / p.yStride) < t.images;
            const want = isOut && keep[ox] === 0 ? mask.fill : plain[i]!;
            if (got[i] !== want) assert.fail(`${name} ${label(t)}: y[${i}] = ${got[i]}, want ${want}${isOut ? ` (mask ${keep[ox]})` : ''}`);
          }
        }
      }
    }
  });
});

describe('qu8_spmm on the thread pool', () => {
  before(() => setThreads(2));

  it('two threads give the same bytes as one', () => {
    for (const [layout, kind] of [[convLayout(3, 13, 21, 3, 3, 1, 1), OUT_U8], [matrixLayout(64, 33), OUT_F32]] as const) {
      const t: Case = {
        layout, rows: 9, images: 3, sparsity: 0.8, bits: 8, emptyRows: [4], kind, zx: 5,
        lo: kind === OUT_U8 ? 5 : -Infinity, hi: kind === OUT_U8 ? 255 : Infinity, seed: 91,
      };
      const p = prepare(t);
      const one = run('qu8_spmm', t, p, [[0, p.total]]);
      const two = run('qu8_spmm', t, p, [], true);
      expectSame(`2 threads ${label(t)}`, two, one);
      check(`2 threads ${label(t)}`, t, p, two);
    }
  });
});
