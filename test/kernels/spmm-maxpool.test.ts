// The sparse direct-conv kernels with a fused 2x2 stride-2 max pool (f32_spmm_32x1_maxpool2x2,
// f32_qc8w_spmm_32x1_maxpool2x2, qu8_spmm_maxpool2x2): each simd128 kernel, its scalar twin,
// the entry point and a two-thread pool run equal the unfused kernel's conv output pooled here
// in JavaScript (floor mode, taps in row-major order, a later one winning only when strictly
// greater, as MaxPool2d does), element for element: float32 bit for bit, uint8 codes exactly.
// Shapes cover even and odd conv outputs (the last row and column dropped), pooled rows of 1 to
// 30 outputs (ragged last tiles, overlapping last tiles), a single conv row (nothing pooled),
// empty and fully dense rows, bias on and off, no clamp / ReLU / ReLU6, both qu8 output kinds,
// and unit ranges that cut images. y outside the pooled outputs must stay untouched.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { randomFloats } from '../helpers/assert.js';
import { OUT_U8, OUT_F32, type OutKind, rng, randInt, randomBytes, randomCsr, withQu8Heap, type Qu8Heap } from './qu8-reference.js';

type Family = 'f32' | 'qc8w' | 'qu8';
/** Unfused entry point, then the fused simd128 kernel, its scalar twin and its entry point. */
const KERNELS = {
  f32: { conv: 'f32_spmm_32x1', fused: ['f32_spmm_32x1_maxpool2x2__simd128', 'f32_spmm_32x1_maxpool2x2__scalar', 'f32_spmm_32x1_maxpool2x2'] },
  qc8w: { conv: 'f32_qc8w_spmm_32x1', fused: ['f32_qc8w_spmm_32x1_maxpool2x2__simd128', 'f32_qc8w_spmm_32x1_maxpool2x2__scalar', 'f32_qc8w_spmm_32x1_maxpool2x2'] },
  qu8: { conv: 'qu8_spmm', fused: ['qu8_spmm_24x1_maxpool2x2__simd128', 'qu8_spmm_24x1_maxpool2x2__scalar', 'qu8_spmm_maxpool2x2'] },
} as const;

interface Geometry { c: number; h: number; w: number; oc: number; kh: number; kw: number; pad: number; dil: number }

interface Case {
  family: Family; g: Geometry; images: number; sparsity: number; bias: boolean;
  /** f32 families: [minV, maxV]; qu8: [lo, hi] of the epilogue. */
  clamp: [number, number]; outKind: OutKind; seed: number;
}

/**
 * Everything a kernel call needs, in heap memory; `args(y, ldy, yStride, ldyRow)` lists the kernel
 * arguments before start/end/scratch (ldyRow, the output row stride, only the qu8 kernels take).
 */
interface Prepared {
  rows: number; oh: number; ow: number; total: number; scratchBytes: number;
  args(y: number, ldy: number, yStride: number, ldyRow: number): number[];
}

function prepare(t: Case, h: Qu8Heap): Prepared {
  const { g } = t;
  const hp = g.h + 2 * g.pad, wp = g.w + 2 * g.pad;
  const oh = hp - g.dil * (g.kh - 1), ow = wp - g.dil * (g.kw - 1);
  const taps = g.c * g.kh * g.kw;
  const offsetOf = (k: number) => {
    const ic = Math.floor(k / (g.kh * g.kw)), tap = k % (g.kh * g.kw);
    return ic * hp * wp + Math.floor(tap / g.kw) * g.dil * wp + (tap % g.kw) * g.dil;
  };
  const r = rng(t.seed);
  // Row 1 fully pruned (an empty output channel), row 2 (when there is one) fully dense.
  const csr = randomCsr(g.oc, taps, t.sparsity, 8, r, g.oc > 1 ? [1] : []);
  if (g.oc > 2) {
    const dense = randomCsr(1, taps, 0, 8, r);
    const before = csr.rowPtr[2]!, after = csr.rowPtr[3]!;
    const cols = [...csr.cols.subarray(0, before), ...dense.cols, ...csr.cols.subarray(after)];
    const values = [...csr.values.subarray(0, before), ...dense.values, ...csr.values.subarray(after)];
    const grow = taps - (after - before);
    for (let i = 3; i <= g.oc; i++) csr.rowPtr[i] = csr.rowPtr[i]! + grow;
    csr.cols = Int32Array.from(cols);
    csr.values = Int8Array.from(values);
    csr.rowSum[2] = dense.rowSum[0]!;
  }
  const imageElems = g.c * hp * wp;
  const xStride = imageElems + (t.seed % 3) * 3;
  const rowPtr = h.i32(csr.rowPtr), offsets = h.i32(csr.cols.length ? Array.from(csr.cols, offsetOf) : [0]);
  const base = { rows: g.oc, oh, ow, total: t.images * g.oc };
  if (t.family === 'qu8') {
    const zx = randInt(r, 0, 255);
    const x = h.bytes(randomBytes(xStride * t.images, r), 64);
    const values = h.bytes(csr.values.length ? csr.values : new Int8Array(1), 0);
    const rowSum = h.i32(csr.rowSum);
    const mult = new Float32Array(g.oc), off = new Float32Array(g.oc);
    for (let i = 0; i < g.oc; i++) {
      const nnz = csr.rowPtr[i + 1]! - csr.rowPtr[i]!;
      mult[i] = (150 / (Math.sqrt(nnz + 1) * 127 * 100)) * (0.5 + r());
      off[i] = t.outKind === OUT_U8 ? 128 + (r() - 0.5) * 40 : (r() - 0.5) * 4;
    }
    const multPtr = h.f32(mult), offPtr = h.f32(off);
    let maxNnz = 0;
    for (let i = 0; i < g.oc; i++) maxNnz = Math.max(maxNnz, csr.rowPtr[i + 1]! - csr.rowPtr[i]!);
    return {
      ...base, scratchBytes: wasm().kernels.qu8_spmm_scratch_bytes!(maxNnz),
      args: (y, ldy, yStride, ldyRow) => [g.oc, oh, ow, wp, rowPtr, offsets, values, rowSum, zx, multPtr, offPtr, t.outKind, t.clamp[0], t.clamp[1], x, xStride, y, ldy, ldyRow, yStride],
    };
  }
  // x of random floats in the padded layout, followed by the contract's 64 bytes of NaN.
  const xs = new Float32Array(xStride * t.images + 16).fill(NaN);
  xs.set(randomFloats(xStride * t.images, t.seed + 1, -2, 2));
  const x = h.f32(xs);
  const bias = t.bias ? h.f32(randomFloats(g.oc, t.seed + 2)) : 0;
  const tail = (y: number, ldy: number, yStride: number) => [t.clamp[0], t.clamp[1], x, xStride, y, ldy, yStride];
  if (t.family === 'f32') {
    // Float weights of the codes' pattern, at a float scale (sign and magnitude vary).
    const values = h.f32(Float32Array.from(csr.values, (v) => v / 64));
    return { ...base, scratchBytes: 0, args: (y, ldy, yStride) => [g.oc, oh, ow, wp, rowPtr, offsets, values, bias, ...tail(y, ldy, yStride)] };
  }
  const codes = h.bytes(csr.values.length ? csr.values : new Int8Array(1), 0);
  const scales = h.f32(Float32Array.from({ length: g.oc }, () => (0.25 + r()) / 100));
  return { ...base, scratchBytes: 0, args: (y, ldy, yStride) => [g.oc, oh, ow, wp, rowPtr, offsets, codes, scales, bias, ...tail(y, ldy, yStride)] };
}

/** A y buffer of n elements of the family's output kind, filled with a sentinel. */
function yBuffer(t: Case, h: Qu8Heap, n: number): { ptr: number; read: () => ArrayLike<number>; sentinel: number } {
  const bytes = t.family === 'qu8' && t.outKind === OUT_U8;
  const ptr = h.alloc(bytes ? n : 4 * n);
  const sentinel = bytes ? 0x5a : -12345.5;
  if (bytes) wasm().heap.u8(ptr, n).fill(sentinel);
  else wasm().heap.f32(ptr, n).fill(sentinel);
  return { ptr, read: () => (bytes ? h.readU8(ptr, n) : h.readF32(ptr, n)), sentinel };
}

/** MaxPool2d 2x2 stride 2, floor mode, of one [oh][ow] plane: the first tap seeds, a later one wins when strictly greater. */
function pool2x2(plane: ArrayLike<number>, oh: number, ow: number): number[] {
  const out: number[] = [];
  for (let py = 0; py < oh >> 1; py++) {
    for (let px = 0; px < ow >> 1; px++) {
      let m = plane[2 * py * ow + 2 * px]!;
      for (const [dy, dx] of [[0, 1], [1, 0], [1, 1]] as const) {
        const v = plane[(2 * py + dy) * ow + 2 * px + dx]!;
        if (v > m) m = v;
      }
      out.push(m);
    }
  }
  return out;
}

function label(t: Case): string {
  const { g } = t;
  return `${t.family} c${g.c} ${g.h}x${g.w} oc${g.oc} k${g.kh}x${g.kw} pad${g.pad} dil${g.dil} imgs${t.images} s${t.sparsity} ` +
    `bias=${t.bias} clamp=[${t.clamp}]${t.family === 'qu8' ? ` out=${t.outKind === OUT_U8 ? 'u8' : 'f32'}` : ''}`;
}

function checkCase(t: Case): void {
  withQu8Heap((h) => {
    const { kernels, pool } = wasm();
    const p = prepare(t, h);
    const per = p.oh * p.ow, ph = p.oh >> 1, pw = p.ow >> 1;
    const scratch = h.alloc(Math.max(p.scratchBytes, 16));
    // The oracle: the unfused conv over every unit, then the pool above.
    const conv = yBuffer(t, h, t.images * p.rows * per);
    // qu8_spmm takes a mask pointer after y's strides (none here); the pooled kernel does not.
    const convArgs = p.args(conv.ptr, per, p.rows * per, p.ow).concat(t.family === 'qu8' ? [0] : []);
    kernels[KERNELS[t.family].conv]!(...convArgs, 0, p.total, scratch);
    const convOut = conv.read();
    // Pooled outputs land ldy apart per row with gaps, so stray writes show; the qu8 kernel's rows
    // also land prow apart, with a gap after each (as inside a frame).
    const prow = t.family === 'qu8' ? pw + 1 : pw, ldy = ph * prow + 3, yStride = p.rows * ldy + 5;
    const want = new Map<number, number>();
    for (let img = 0; img < t.images; img++) {
      for (let r = 0; r < p.rows; r++) {
        const start = (img * p.rows + r) * per;
        pool2x2(Array.from({ length: per }, (_, i) => convOut[start + i]!), p.oh, p.ow).forEach((v, i) => want.set(img * yStride + r * ldy + Math.floor(i / pw) * prow + (i % pw), v));
      }
    }
    const check = (what: string, got: ArrayLike<number>, start: number, end: number, sentinel: number) => {
      for (let i = 0; i < got.length; i++) {
        const img = Math.floor(i / yStride), r = Math.floor((i - img * yStride) / ldy);
        const u = img * p.rows + r;
        const expected = want.has(i) && u >= start && u < end ? want.get(i)! : sentinel;
        if (!Object.is(got[i], expected)) {
          assert.fail(`${what} ${label(t)} units [${start}, ${end}): y[${i}] = ${got[i]}, want ${expected}${want.has(i) ? '' : ' (not an output)'}`);
        }
      }
    };
    const splits: [number, number][] = [[0, p.total]];
    if (p.total > 2) splits.push([1, p.total - 1], [Math.floor(p.total / 3), Math.floor((2 * p.total) / 3) + 1]);
    for (const name of KERNELS[t.family].fused) {
      for (const [s, e] of splits) {
        const y = yBuffer(t, h, t.images * yStride);
        kernels[name]!(...p.args(y.ptr, ldy, yStride, prow), s, e, scratch);
        check(name, y.read(), s, e, y.sentinel);
      }
    }
    // Two threads, each with its own scratch, over one-unit grains.
    const entry = KERNELS[t.family].fused[2];
    const y = yBuffer(t, h, t.images * yStride);
    pool.run(entry, p.args(y.ptr, ldy, yStride, prow), p.total, { grain: 1, scratchPtrs: [h.alloc(Math.max(p.scratchBytes, 16)), h.alloc(Math.max(p.scratchBytes, 16))] });
    check(`${entry} (2 threads)`, y.read(), 0, p.total, y.sentinel);
  });
}

const GEOMETRIES: Geometry[] = [
  { c: 1, h: 28, w: 28, oc: 6, kh: 5, kw: 5, pad: 2, dil: 1 },  // LeNet-5 conv0: 28x28 -> 14x14
  { c: 6, h: 14, w: 14, oc: 5, kh: 5, kw: 5, pad: 0, dil: 1 },  // LeNet-5 conv1: 10x10 -> 5x5
  { c: 4, h: 26, w: 26, oc: 5, kh: 3, kw: 3, pad: 0, dil: 1 },  // the CNN's conv2: 24x24 -> 12x12
  { c: 2, h: 7, w: 7, oc: 4, kh: 3, kw: 3, pad: 0, dil: 1 },    // 5x5 (odd) -> 2x2
  { c: 3, h: 3, w: 3, oc: 3, kh: 2, kw: 2, pad: 0, dil: 1 },    // 2x2 -> 1x1
  { c: 2, h: 9, w: 13, oc: 4, kh: 3, kw: 3, pad: 1, dil: 1 },   // 9x13 -> 4x6
  { c: 2, h: 5, w: 61, oc: 3, kh: 3, kw: 3, pad: 1, dil: 1 },   // 5x61 -> 2x30: four tiles, ragged
  { c: 2, h: 6, w: 17, oc: 4, kh: 1, kw: 1, pad: 0, dil: 1 },   // 6x17 -> 3x8
  { c: 2, h: 11, w: 15, oc: 3, kh: 3, kw: 3, pad: 2, dil: 2 },  // dilation 2: 11x15 -> 5x7
  { c: 2, h: 3, w: 12, oc: 3, kh: 3, kw: 3, pad: 0, dil: 1 },   // one conv row: nothing pooled
];

const F32_CLAMPS: [number, number][] = [[-Infinity, Infinity], [0, Infinity], [0, 6]];

before(() => setThreads(2));

for (const family of ['f32', 'qc8w', 'qu8'] as const) {
  describe(`${KERNELS[family].fused[2]}`, () => {
    it('equals the unfused conv then a 2x2 max pool, bit for bit, on even, odd, wide and narrow shapes', () => {
      let seed = family === 'f32' ? 100 : family === 'qc8w' ? 200 : 300;
      for (const g of GEOMETRIES) {
        for (const bias of [false, true]) {
          seed++;
          const outKind: OutKind = family === 'qu8' && seed % 2 === 0 ? OUT_F32 : OUT_U8;
          const clamp: [number, number] = family !== 'qu8' || outKind === OUT_F32 ? F32_CLAMPS[seed % 3]! : seed % 3 === 0 ? [0, 255] : [40, 200];
          checkCase({ family, g, images: 2, sparsity: 0.6, bias, clamp, outKind, seed });
        }
      }
    });

    it('all weights pruned and no weights pruned', () => {
      for (const sparsity of [0, 1]) {
        checkCase({ family, g: GEOMETRIES[5]!, images: 2, sparsity, bias: true, clamp: family === 'qu8' ? [0, 255] : [0, 6], outKind: OUT_U8, seed: 400 + sparsity });
      }
    });
  });
}
