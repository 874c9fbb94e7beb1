// Offset SpMM with f32 weights (f32_spmm_32x1) and with i8 codes and per-row f32 scales
// (f32_qc8w_spmm_32x1): each simd128 kernel against its scalar twin and a float64
// reference, in the three layouts the runtime uses (direct conv over a padded image,
// im2col'd [K][N], linear on x^T), over ragged widths, empty and dense rows, bias, the
// three clamps, and [start, end) splits that cut inside an image. x is followed by 64
// bytes of NaN, which the kernel may load but must never let into a valid pixel; y outside
// the valid pixels of the units in range must come back untouched.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads, parallel, type ParallelKernelParams } from '../../src/kernels/index.js';
import { randomFloats } from '../helpers/assert.js';

const F32_EPS = 2 ** -23;
const SENTINEL = -12345.5;
const SLACK_FLOATS = 16; // the 64 readable bytes the contract promises after x
const CLAMPS: [number, number][] = [[-Infinity, Infinity], [0, Infinity], [0, 6]];
/** The weight element: f32 values, or i8 codes with one f32 scale per row. */
type WeightKind = 'f32' | 'qc8w';
const KERNELS = {
  f32: ['f32_spmm_32x1__simd128', 'f32_spmm_32x1__scalar', 'f32_spmm_32x1'],
  qc8w: ['f32_qc8w_spmm_32x1__simd128', 'f32_qc8w_spmm_32x1__scalar', 'f32_qc8w_spmm_32x1'],
} as const;
type KernelName = (typeof KERNELS)[WeightKind][number];
const ENTRY = { f32: 'f32_spmm_32x1', qc8w: 'f32_qc8w_spmm_32x1' } as const;

interface Problem {
  what: string;
  rows: number; outRows: number; outCols: number; inRowStride: number;
  /** values are f32 weights, or i8 codes when scales (one per row) is set. */
  rowPtr: Int32Array; offsets: Int32Array; values: Float32Array | Int8Array; scales: Float32Array | null;
  bias: Float32Array | null;
  minV: number; maxV: number;
  images: number; x: Float32Array; xBatchStride: number;
  ldy: number; yBatchStride: number;
}

function kindOf(p: Problem): WeightKind {
  return p.scales === null ? 'f32' : 'qc8w';
}

/**
 * The [rows][taps] weights as the kernel of `kind` stores them: f32 as they are, or per-row
 * symmetric i8 codes (scale = max|w| / 128, codes rounded and clipped to [-128, 127], so
 * both ends of the range occur). `effective` is what they stand for, in float64.
 */
function weightsOf(w: Float32Array, rows: number, taps: number, kind: WeightKind): { stored: Float32Array | Int8Array; scales: Float32Array | null; effective: Float64Array } {
  if (kind === 'f32') return { stored: w, scales: null, effective: Float64Array.from(w) };
  const codes = new Int8Array(w.length), scales = new Float32Array(rows), effective = new Float64Array(w.length);
  for (let r = 0; r < rows; r++) {
    let maxAbs = 0;
    for (let t = 0; t < taps; t++) maxAbs = Math.max(maxAbs, Math.abs(w[r * taps + t]!));
    scales[r] = maxAbs > 0 ? maxAbs / 128 : 1;
    for (let t = 0; t < taps; t++) {
      const i = r * taps + t;
      codes[i] = Math.max(-128, Math.min(127, Math.round(w[i]! / scales[r]!)));
      effective[i] = codes[i]! * scales[r]!;
    }
  }
  return { stored: codes, scales, effective };
}

/**
 * CSR of a dense [rows][taps] matrix, keeping the nonzeros (a weight that quantizes to
 * code 0 drops out); tap t sits at offset tapOffset[t].
 */
function toCsr(dense: Float32Array | Int8Array, rows: number, tapOffsets: readonly number[]): { rowPtr: Int32Array; offsets: Int32Array; values: Float32Array | Int8Array } {
  const taps = tapOffsets.length;
  const rowPtr = new Int32Array(rows + 1);
  const offsets: number[] = [], values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < taps; t++) {
      const v = dense[r * taps + t]!;
      if (v !== 0) { offsets.push(tapOffsets[t]!); values.push(v); }
    }
    rowPtr[r + 1] = offsets.length;
  }
  return { rowPtr, offsets: Int32Array.from(offsets), values: dense instanceof Int8Array ? Int8Array.from(values) : Float32Array.from(values) };
}

/**
 * Random [rows][taps] weights, pruned per row: with `mixed`, rows r%4 == 2 are empty and
 * rows r%4 == 1 fully dense, the rest lose about `sparsity` of their entries.
 */
function prunedWeights(rows: number, taps: number, sparsity: number, seed: number, mixed = true): Float32Array {
  const w = randomFloats(rows * taps, seed);
  const keep = randomFloats(rows * taps, seed + 1, 0, 1);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < taps; t++) {
      const i = r * taps + t;
      const kind = mixed && rows > 2 ? r % 4 : 0;
      if (kind === 2 || (kind !== 1 && keep[i]! < sparsity)) w[i] = 0;
    }
  }
  return w;
}

/** Runs one kernel over units [start, end) on fresh buffers; returns the whole y buffer. */
function run(name: KernelName, p: Problem, start: number, end: number, pool = false): Float32Array {
  const { kernels, heap } = wasm();
  const yLen = p.images * p.yBatchStride;
  const ptrs: number[] = [];
  const put = (a: ArrayLike<number>, bytes: number, kind: 'f32' | 'i32' | 'i8'): number => {
    const ptr = heap.alloc(Math.max(bytes, 4));
    ptrs.push(ptr);
    // A Uint8Array view takes the i8 codes modulo 256: their two's complement bytes.
    (kind === 'f32' ? heap.f32(ptr, a.length) : kind === 'i32' ? heap.i32(ptr, a.length) : heap.u8(ptr, a.length)).set(a);
    return ptr;
  };
  try {
    const xWithSlack = new Float32Array(p.x.length + SLACK_FLOATS).fill(NaN);
    xWithSlack.set(p.x);
    const xPtr = put(xWithSlack, xWithSlack.length * 4, 'f32');
    const rowPtrPtr = put(p.rowPtr, p.rowPtr.length * 4, 'i32');
    const offsetsPtr = put(p.offsets, p.offsets.length * 4, 'i32');
    const valuesPtr = p.values instanceof Int8Array ? put(p.values, p.values.length, 'i8') : put(p.values, p.values.length * 4, 'f32');
    const biasPtr = p.bias ? put(p.bias, p.bias.length * 4, 'f32') : 0;
    const yPtr = put(new Float32Array(yLen).fill(SENTINEL), yLen * 4, 'f32');
    const head = [p.rows, p.outRows, p.outCols, p.inRowStride, rowPtrPtr, offsetsPtr, valuesPtr] as const;
    const tail = [p.minV, p.maxV, xPtr, p.xBatchStride, yPtr, p.ldy, p.yBatchStride] as const;
    assert.ok(KERNELS[kindOf(p)].some((k) => k === name), `${name} does not take ${kindOf(p)} weights`);
    assert.ok(!pool || (start === 0 && name === ENTRY[kindOf(p)]), 'pool runs are of the entry point over [0, total)');
    if (p.scales === null) {
      const args: ParallelKernelParams['f32_spmm_32x1'] = [...head, biasPtr, ...tail];
      if (pool) parallel('f32_spmm_32x1', args, end);
      else kernels[name]!(...args, start, end, 0);
    } else {
      const args: ParallelKernelParams['f32_qc8w_spmm_32x1'] = [...head, put(p.scales, p.scales.length * 4, 'f32'), biasPtr, ...tail];
      if (pool) parallel('f32_qc8w_spmm_32x1', args, end);
      else kernels[name]!(...args, start, end, 0);
    }
    return heap.f32(yPtr, yLen).slice();
  } finally {
    for (const ptr of ptrs) heap.free(ptr);
  }
}

/**
 * float64 reference of every unit's valid pixels, bias + scale * sum(code * x) for codes,
 * and a rounding bound that grows with nnz.
 */
function reference(p: Problem): { ref: Float64Array; tol: Float64Array } {
  const yLen = p.images * p.yBatchStride;
  const ref = new Float64Array(yLen).fill(NaN), tol = new Float64Array(yLen);
  const pixels = p.outRows * p.outCols;
  for (let img = 0; img < p.images; img++) {
    for (let r = 0; r < p.rows; r++) {
      const e0 = p.rowPtr[r]!, e1 = p.rowPtr[r + 1]!;
      for (let oy = 0; oy < p.outRows; oy++) {
        for (let ox = 0; ox < p.outCols; ox++) {
          const b = p.bias ? p.bias[r]! : 0, scale = p.scales ? p.scales[r]! : 1;
          let sum = 0, sumAbs = 0;
          for (let e = e0; e < e1; e++) {
            const prod = p.values[e]! * p.x[img * p.xBatchStride + p.offsets[e]! + oy * p.inRowStride + ox]!;
            sum += prod;
            sumAbs += Math.abs(prod);
          }
          const acc = b + scale * sum, mag = Math.abs(b) + Math.abs(scale) * sumAbs;
          const idx = img * p.yBatchStride + r * p.ldy + oy * p.outCols + ox;
          assert.ok(oy * p.outCols + ox < pixels);
          ref[idx] = Math.min(Math.max(acc, p.minV), p.maxV);
          tol[idx] = 2 * (e1 - e0 + 3) * F32_EPS * mag + 1e-30;
        }
      }
    }
  }
  return { ref, tol };
}

function label(p: Problem): string {
  return `${kindOf(p)} ${p.what} rows=${p.rows} outRows=${p.outRows} outCols=${p.outCols} inRowStride=${p.inRowStride} ` +
    `images=${p.images} nnz=${p.offsets.length} bias=${p.bias ? 'on' : 'off'} clamp=[${p.minV}, ${p.maxV}]`;
}

/** Valid pixels of units in [start, end) match ref within tol; every other float is SENTINEL. */
function check(what: string, p: Problem, got: Float32Array, start: number, end: number, ref: Float64Array, tol: Float64Array): void {
  const pixels = p.outRows * p.outCols;
  for (let idx = 0; idx < got.length; idx++) {
    const img = Math.floor(idx / p.yBatchStride), inImg = idx - img * p.yBatchStride;
    const r = Math.floor(inImg / p.ldy), q = inImg - r * p.ldy;
    const u = img * p.rows + r;
    const valid = r < p.rows && q < pixels && u >= start && u < end;
    const g = got[idx]!;
    if (valid) {
      if (!(Math.abs(g - ref[idx]!) <= tol[idx]!)) {
        assert.fail(`${what} ${label(p)} units [${start}, ${end}): image ${img} row ${r} pixel (${Math.floor(q / p.outCols)}, ` +
          `${q % p.outCols}) = ${g}, reference ${ref[idx]} (tol ${tol[idx]})`);
      }
    } else if (!Object.is(g, SENTINEL)) {
      assert.fail(`${what} ${label(p)} units [${start}, ${end}): y[${idx}] outside the valid pixels changed to ${g}`);
    }
  }
}

/** Every kernel, over the whole range and over splits that cut inside images. */
function checkAll(p: Problem): void {
  const { ref, tol } = reference(p);
  const total = p.images * p.rows;
  const splits: [number, number][] = [[0, total]];
  if (total > 2) splits.push([1, total - 1], [Math.floor(total / 3), Math.floor((2 * total) / 3) + 1]);
  for (const name of KERNELS[kindOf(p)]) {
    for (const [s, e] of splits) check(name, p, run(name, p, s, e), s, e, ref, tol);
  }
  // The twins side by side: with more than one pixel per row the simd128 kernel adds each
  // lane's products in CSR order as the scalar one does, and wasm has no fused multiply-add,
  // so the bits agree; a single pixel is a dot product over four lanes, within tol.
  const [simd, scalar] = KERNELS[kindOf(p)];
  const a = run(simd, p, 0, total), b = run(scalar, p, 0, total);
  const samePixels = p.outRows * p.outCols > 1;
  for (let i = 0; i < a.length; i++) {
    const agree = samePixels ? Object.is(a[i]!, b[i]!) : Object.is(a[i]!, b[i]!) || Math.abs(a[i]! - b[i]!) <= 2 * tol[i]!;
    if (!agree) assert.fail(`${label(p)}: y[${i}] = ${a[i]} from ${simd}, ${b[i]} from ${scalar}`);
  }
}

interface ProblemOptions { kind: WeightKind; bias: boolean; clamp: [number, number]; seed: number; sparsity?: number }

/** The im2col'd layout: x is [K][N] per image, offsets = k*N, one output row of N pixels. */

function im2colProblem(rows: number, n: number, k: number, images: number, opts: ProblemOptions): Problem {
  const { stored, scales } = weightsOf(prunedWeights(rows, k, opts.sparsity ?? 0.6, opts.seed), rows, k, opts.kind);
  const csr = toCsr(stored, rows, Array.from({ length: k }, (_, t) => t * n));
  const xBatchStride = k * n + 5;
  return {
    what: 'im2col', rows, outRows: 1, outCols: n, inRowStride: n, ...csr, scales,
    bias: opts.bias ? randomFloats(rows, opts.seed + 2) : null, minV: opts.clamp[0], maxV: opts.clamp[1],
    images, x: randomFloats(images * xBatchStride, opts.seed + 3, -2, 2), xBatchStride,
    ldy: n + 3, yBatchStride: rows * (n + 3) + 2,
  };
}

interface ConvShape { c: number; h: number; w: number; oc: number; kh: number; kw: number; ph: number; pw: number; dh: number; dw: number }

/**
 * A stride-1 convolution as the runtime runs it: x zero-padded to Hp x Wp, offsets
 * ic*Hp*Wp + ky*dh*Wp + kx*dw. Also returns the unpadded input and the dense weights
 * (for codes, code * scale in float64).
 */
function convProblem(s: ConvShape, images: number, opts: ProblemOptions) {
  const hp = s.h + 2 * s.ph, wp = s.w + 2 * s.pw;
  const oh = hp - s.dh * (s.kh - 1), ow = wp - s.dw * (s.kw - 1);
  const taps: number[] = [];
  for (let ic = 0; ic < s.c; ic++) {
    for (let ky = 0; ky < s.kh; ky++) for (let kx = 0; kx < s.kw; kx++) taps.push(ic * hp * wp + ky * s.dh * wp + kx * s.dw);
  }
  const { stored, scales, effective: weights } = weightsOf(prunedWeights(s.oc, taps.length, opts.sparsity ?? 0.5, opts.seed), s.oc, taps.length, opts.kind);
  const csr = toCsr(stored, s.oc, taps);
  const input = randomFloats(images * s.c * s.h * s.w, opts.seed + 3, -2, 2);
  const xBatchStride = s.c * hp * wp;
  const x = new Float32Array(images * xBatchStride);
  for (let img = 0; img < images; img++) {
    for (let ic = 0; ic < s.c; ic++) {
      for (let iy = 0; iy < s.h; iy++) {
        for (let ix = 0; ix < s.w; ix++) {
          x[img * xBatchStride + ic * hp * wp + (iy + s.ph) * wp + ix + s.pw] = input[((img * s.c + ic) * s.h + iy) * s.w + ix]!;
        }
      }
    }
  }
  const problem: Problem = {
    what: `conv c=${s.c} ${s.h}x${s.w} oc=${s.oc} k=${s.kh}x${s.kw} pad=${s.ph},${s.pw} dil=${s.dh},${s.dw}`,
    rows: s.oc, outRows: oh, outCols: ow, inRowStride: wp, ...csr, scales,
    bias: opts.bias ? randomFloats(s.oc, opts.seed + 2) : null, minV: opts.clamp[0], maxV: opts.clamp[1],
    images, x, xBatchStride, ldy: oh * ow, yBatchStride: s.oc * oh * ow,
  };
  return { problem, input, weights, oh, ow };
}

/** Direct convolution over the unpadded input in float64: taps outside the image read 0. */
function convReference(s: ConvShape, images: number, input: Float32Array, weights: Float64Array, bias: Float32Array | null,
  oh: number, ow: number, clamp: [number, number]): Float64Array {
  const y = new Float64Array(images * s.oc * oh * ow);
  for (let img = 0; img < images; img++) {
    for (let o = 0; o < s.oc; o++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let acc = bias ? bias[o]! : 0;
          for (let ic = 0; ic < s.c; ic++) {
            for (let ky = 0; ky < s.kh; ky++) {
              const iy = oy - s.ph + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              for (let kx = 0; kx < s.kw; kx++) {
                const ix = ox - s.pw + kx * s.dw;
                if (ix < 0 || ix >= s.w) continue;
                acc += weights[(o * s.c + ic) * s.kh * s.kw + ky * s.kw + kx]! * input[((img * s.c + ic) * s.h + iy) * s.w + ix]!;
              }
            }
          }
          y[((img * s.oc + o) * oh + oy) * ow + ox] = Math.min(Math.max(acc, clamp[0]), clamp[1]);
        }
      }
    }
  }
  return y;
}

/** The linear layout: x^T is [in][batch], offsets = k*batch, y^T comes out [out][batch]. */
function linearProblem(outF: number, inF: number, batch: number, opts: ProblemOptions) {
  const { stored, scales, effective: weights } = weightsOf(prunedWeights(outF, inF, opts.sparsity ?? 0.7, opts.seed), outF, inF, opts.kind);
  const csr = toCsr(stored, outF, Array.from({ length: inF }, (_, k) => k * batch));
  const xRows = randomFloats(batch * inF, opts.seed + 3, -2, 2); // x[b][k]
  const xT = new Float32Array(inF * batch);
  for (let b = 0; b < batch; b++) for (let k = 0; k < inF; k++) xT[k * batch + b] = xRows[b * inF + k]!;
  const problem: Problem = {
    what: `linear ${inF}->${outF} batch=${batch}`, rows: outF, outRows: 1, outCols: batch, inRowStride: batch, ...csr, scales,
    bias: opts.bias ? randomFloats(outF, opts.seed + 2) : null, minV: opts.clamp[0], maxV: opts.clamp[1],
    images: 1, x: xT, xBatchStride: inF * batch, ldy: batch, yBatchStride: outF * batch,
  };
  return { problem, xRows, weights };
}

// Both kernels run every case: the qc8w one on the same weights quantized per row.
for (const kind of ['f32', 'qc8w'] as const) {
  describe(ENTRY[kind], () => {
    it('im2col layout: ragged widths, rows 1/5/17, bias, clamps, splits inside images', () => {
      let seed = 1000;
      for (const n of [1, 3, 4, 7, 14, 24, 26, 33, 100]) {
        for (const rows of [1, 5, 17]) {
          for (const k of [1, 9, 40]) {
            const clamp = CLAMPS[seed % 3]!;
            checkAll(im2colProblem(rows, n, k, 3, { kind, bias: seed % 2 === 0, clamp, seed: seed++ }));
          }
        }
      }
    });

    it('fully dense and fully empty weight matrices', () => {
      for (const sparsity of [0, 1]) {
        for (const n of [1, 7, 33]) {
          checkAll(im2colProblem(6, n, 13, 2, { kind, bias: true, clamp: [0, 6], seed: 77 + n, sparsity }));
          checkAll(im2colProblem(6, n, 13, 2, { kind, bias: false, clamp: [-Infinity, Infinity], seed: 78 + n, sparsity }));
        }
      }
    });

    it('direct conv over a padded image matches a float64 convolution (padding, dilation, narrow rows)', () => {
      const shapes: ConvShape[] = [
        { c: 3, h: 9, w: 9, oc: 5, kh: 3, kw: 3, ph: 1, pw: 1, dh: 1, dw: 1 },   // 9 wide
        { c: 2, h: 7, w: 7, oc: 17, kh: 3, kw: 3, ph: 1, pw: 1, dh: 1, dw: 1 },  // 7 wide: 4-row x 2-vector tiles
        { c: 1, h: 28, w: 28, oc: 4, kh: 3, kw: 3, ph: 0, pw: 0, dh: 1, dw: 1 }, // 26 wide
        { c: 4, h: 26, w: 26, oc: 6, kh: 3, kw: 3, ph: 0, pw: 0, dh: 1, dw: 1 }, // 24 wide
        { c: 2, h: 12, w: 3, oc: 5, kh: 3, kw: 3, ph: 1, pw: 1, dh: 1, dw: 1 },  // 3 wide, 12 rows: 8-row tiles, overlap
        { c: 2, h: 5, w: 4, oc: 3, kh: 3, kw: 1, ph: 1, pw: 0, dh: 1, dw: 1 },   // 4 wide, 5 rows: 4-row tiles, overlap
        { c: 3, h: 11, w: 16, oc: 5, kh: 3, kw: 3, ph: 2, pw: 2, dh: 2, dw: 2 }, // dilation 2
        { c: 2, h: 6, w: 9, oc: 3, kh: 2, kw: 3, ph: 0, pw: 1, dh: 3, dw: 2 },   // uneven kernel and dilation
        { c: 2, h: 3, w: 3, oc: 5, kh: 3, kw: 3, ph: 1, pw: 1, dh: 1, dw: 1 },   // 3x3 out: rows fewer than a stack
        { c: 1, h: 1, w: 1, oc: 4, kh: 1, kw: 1, ph: 0, pw: 0, dh: 1, dw: 1 },   // one pixel
        { c: 3, h: 8, w: 33, oc: 2, kh: 1, kw: 1, ph: 0, pw: 0, dh: 1, dw: 1 },  // pointwise, 33 wide
      ];
      let seed = 2000;
      for (const s of shapes) {
        for (const bias of [false, true]) {
          const clamp = CLAMPS[seed % 3]!;
          const images = 2;
          const { problem, input, weights, oh, ow } = convProblem(s, images, { kind, bias, clamp, seed: seed++ });
          checkAll(problem);
          const want = convReference(s, images, input, weights, problem.bias, oh, ow, clamp);
          const { tol } = reference(problem);
          const got = run(ENTRY[kind], problem, 0, images * s.oc);
          for (let i = 0; i < want.length; i++) {
            if (!(Math.abs(got[i]! - want[i]!) <= tol[i]!)) {
              assert.fail(`${label(problem)}: y[${i}] = ${got[i]}, direct convolution ${want[i]} (tol ${tol[i]})`);
            }
          }
        }
      }
    });

    it('linear layout on x^T matches y = x W^T + b for batch 1 to 33', () => {
      let seed = 3000;
      for (const batch of [1, 2, 3, 4, 7, 32, 33]) {
        for (const [outF, inF] of [[17, 50], [5, 300], [1, 9]] as const) {
          const clamp = CLAMPS[seed % 3]!;
          const { problem, xRows, weights } = linearProblem(outF, inF, batch, { kind, bias: seed % 2 === 1, clamp, seed: seed++ });
          checkAll(problem);
          const { tol } = reference(problem);
          const got = run(ENTRY[kind], problem, 0, outF);
          for (let b = 0; b < batch; b++) {
            for (let o = 0; o < outF; o++) {
              let acc = problem.bias ? problem.bias[o]! : 0;
              for (let k = 0; k < inF; k++) acc += xRows[b * inF + k]! * weights[o * inF + k]!;
              const want = Math.min(Math.max(acc, clamp[0]), clamp[1]);
              const i = o * batch + b;
              assert.ok(Math.abs(got[i]! - want) <= tol[i]!, `${label(problem)}: y[${b}][${o}] = ${got[i]}, want ${want} (tol ${tol[i]})`);
            }
          }
        }
      }
    });
  });

  describe(`${ENTRY[kind]} on the thread pool`, () => {
    before(() => setThreads(2));

    it('parallel() over two threads gives the bits of one call', () => {
      const cases: Problem[] = [
        convProblem({ c: 4, h: 10, w: 10, oc: 9, kh: 3, kw: 3, ph: 1, pw: 1, dh: 1, dw: 1 }, 3, { kind, bias: true, clamp: [0, Infinity], seed: 4001 }).problem,
        im2colProblem(17, 26, 40, 3, { kind, bias: false, clamp: [0, 6], seed: 4002 }),
        linearProblem(33, 200, 32, { kind, bias: true, clamp: [-Infinity, Infinity], seed: 4003 }).problem,
      ];
      for (const p of cases) {
        const total = p.images * p.rows;
        const one = run(ENTRY[kind], p, 0, total);
        const two = run(ENTRY[kind], p, 0, total, true);
        for (let i = 0; i < one.length; i++) {
          assert.ok(Object.is(one[i]!, two[i]!), `${label(p)}: y[${i}] ${two[i]} on two threads, ${one[i]} on one`);
        }
        const { ref, tol } = reference(p);
        check(`${ENTRY[kind]} (pool)`, p, two, 0, total, ref, tol);
      }
    });
  });
}

describe('f32_qc8w_spmm_32x1 codes', () => {
  it('every i8 code from -128 to 127 weighs its own value, in the tiled and the single-pixel paths', () => {
    // Row 0 holds the codes in ascending order, row 1 descending, row 2 only the extremes;
    // weights near the ends of the range would be lost to a code read as unsigned.
    const taps = 256;
    const dense = new Int8Array(3 * taps);
    for (let t = 0; t < taps; t++) {
      dense[t] = t - 128;
      dense[taps + t] = 127 - t;
      dense[2 * taps + t] = t % 2 === 0 ? -128 : 127;
    }
    for (const n of [1, 7, 24]) {
      const csr = toCsr(dense, 3, Array.from({ length: taps }, (_, t) => t * n));
      checkAll({
        what: `all codes n=${n}`, rows: 3, outRows: 1, outCols: n, inRowStride: n, ...csr,
        scales: Float32Array.from([1 / 128, 0.5, 3]), bias: Float32Array.from([0.25, -1, 2]),
        minV: -Infinity, maxV: Infinity, images: 2, x: randomFloats(2 * taps * n, 5000 + n, -2, 2), xBatchStride: taps * n,
        ldy: n, yBatchStride: 3 * n,
      });
    }
  });
});
