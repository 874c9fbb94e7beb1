// Inference GEMM over prepacked weights: f32_gemm_prepacked, its conv and linear drivers
// and the 5x1 micro-kernel, against float64 references over ragged shapes, padded strides,
// bias on/off and the three clamps. C starts as NaN where it must be written (so nothing
// is read from it) and as a sentinel elsewhere (so nothing else is written).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads, parallel, type ParallelKernelParams } from '../../src/kernels/index.js';
import { randomFloats } from '../helpers/assert.js';

const F32_EPS = 2 ** -23;
const SENTINEL = -12345.5;
const CLAMPS: [number, number][] = [[-Infinity, Infinity], [0, Infinity], [0, 6]];
const SIZES = [1, 4, 5, 6, 8, 9, 17, 31, 64, 257];

/** Allocates and fills, runs fn with the pointers, frees whatever was allocated. */
function withBuffers<T>(arrays: (Float32Array | number)[], fn: (ptrs: number[]) => T): T {
  const { heap } = wasm();
  const ptrs: number[] = [];
  try {
    for (const a of arrays) {
      if (typeof a === 'number') { ptrs.push(heap.alloc(Math.max(a, 4))); continue; }
      const p = heap.alloc(Math.max(a.length * 4, 4));
      heap.f32(p, a.length).set(a);
      ptrs.push(p);
    }
    return fn(ptrs);
  } finally {
    for (const p of ptrs) heap.free(p);
  }
}

const CANARY_FLOATS = 16;

/** A scratch block of `bytes` plus a canary after it (filled by withBuffers, checked by checkCanary). */
function scratchWithCanary(bytes: number): Float32Array {
  const a = new Float32Array(Math.ceil(bytes / 4) + CANARY_FLOATS);
  a.fill(SENTINEL, Math.ceil(bytes / 4));
  return a;
}

/** The scratch-size function is a contract: nothing past it may be written. */
function checkCanary(what: string, ptr: number, bytes: number): void {
  const tail = wasm().heap.f32(ptr + Math.ceil(bytes / 4) * 4, CANARY_FLOATS);
  assert.ok(tail.every((v) => Object.is(v, SENTINEL)), `${what}: wrote past its ${bytes} bytes of scratch`);
}

/** Packs w [m x k] (row stride ldw) with f32_gemm_prepack_a; returns the packed floats. */
function prepack(m: number, k: number, w: Float32Array, ldw: number): Float32Array {
  const { kernels, heap } = wasm();
  const bytes = kernels.f32_gemm_prepack_a_bytes!(m, k);
  assert.equal(bytes, Math.ceil(m / 5) * 5 * k * 4, `f32_gemm_prepack_a_bytes(${m}, ${k})`);
  return withBuffers([w, bytes], ([wPtr, outPtr]) => {
    kernels.f32_gemm_prepack_a!(m, k, wPtr!, ldw, outPtr!);
    return heap.f32(outPtr!, bytes / 4).slice();
  });
}

/** clamp(sum + bias) in float64, with a rounding bound that grows with the reduction length. */
function dotRef(k: number, a: (p: number) => number, b: (p: number) => number, bias: number, clamp: [number, number]): [number, number] {
  let acc = bias, mag = Math.abs(bias);
  for (let p = 0; p < k; p++) {
    const prod = a(p) * b(p);
    acc += prod;
    mag += Math.abs(prod);
  }
  return [Math.min(Math.max(acc, clamp[0]), clamp[1]), 2 * (k + 3) * F32_EPS * mag + 1e-30];
}

function expectClose(what: string, got: number, want: number, tol: number): void {
  if (!(Math.abs(got - want) <= tol)) assert.fail(`${what} = ${got}, reference ${want} (tol ${tol})`);
}

describe('f32_gemm_prepacked', () => {
  it('matches a float64 reference on ragged m, n, k with bias, clamps and padded strides', () => {
    const { kernels, heap } = wasm();
    let seed = 500;
    let count = 0;
    for (const m of SIZES) {
      for (const n of SIZES) {
        for (let t = 0; t < 3; t++) {
          const k = SIZES[(m * 7 + n * 3 + t * 4) % SIZES.length]!;
          if (m * n * k > 2_000_000) continue;
          count++;
          const ldw = k + (seed % 2), ldb = n + (seed % 3), ldc = n + ((seed + 1) % 3);
          const clamp = CLAMPS[seed % 3]!;
          const bias = seed % 2 === 0 ? randomFloats(m, seed + 3) : null;
          const w = randomFloats(m * ldw, seed), b = randomFloats(k * ldb, seed + 1, -2, 2);
          const c0 = new Float32Array(m * ldc);
          for (let i = 0; i < c0.length; i++) c0[i] = i % ldc < n ? NaN : SENTINEL;
          const packed = prepack(m, k, w, ldw);
          const got = withBuffers([packed, b, bias ?? 4, c0, scratchWithCanary(kernels.f32_gemm_prepacked_scratch_bytes!(m, n, k))], ([aPtr, bPtr, biasPtr, cPtr, sPtr]) => {
            kernels.f32_gemm_prepacked!(m, n, k, aPtr!, bPtr!, ldb, bias ? biasPtr! : 0, clamp[0], clamp[1], cPtr!, ldc, sPtr!);
            checkCanary(`f32_gemm_prepacked m=${m} n=${n} k=${k}`, sPtr!, kernels.f32_gemm_prepacked_scratch_bytes!(m, n, k));
            return heap.f32(cPtr!, c0.length).slice();
          });
          const what = `f32_gemm_prepacked m=${m} n=${n} k=${k} ldb=${ldb} ldc=${ldc} bias=${bias ? 'on' : 'off'} clamp=[${clamp}]`;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < ldc; j++) {
              const g = got[i * ldc + j]!;
              if (j >= n) { assert.ok(Object.is(g, SENTINEL), `${what}: C[${i},${j}] past n was written (${g})`); continue; }
              const [want, tol] = dotRef(k, (p) => w[i * ldw + p]!, (p) => b[p * ldb + j]!, bias ? bias[i]! : 0, clamp);
              expectClose(`${what}: C[${i},${j}]`, g, want, tol);
            }
          }
          seed++;
        }
      }
    }
    assert.ok(count > 200, `only ${count} shapes ran`);
  });

  it('crosses the k-block, MC and NC edges (k > 512, m > 160, n > 128)', () => {
    const { kernels, heap } = wasm();
    let seed = 700;
    for (const [m, n, k] of [[7, 9, 513], [171, 20, 700], [12, 133, 1301], [166, 130, 520], [5, 4, 2049]] as const) {
      const clamp = CLAMPS[seed % 3]!;
      const bias = randomFloats(m, seed + 3);
      const w = randomFloats(m * k, seed), b = randomFloats(k * n, seed + 1, -2, 2);
      const packed = prepack(m, k, w, k);
      const bytes = kernels.f32_gemm_prepacked_scratch_bytes!(m, n, k);
      const got = withBuffers([packed, b, bias, m * n * 4, scratchWithCanary(bytes)], ([aPtr, bPtr, biasPtr, cPtr, sPtr]) => {
        kernels.f32_gemm_prepacked!(m, n, k, aPtr!, bPtr!, n, biasPtr!, clamp[0], clamp[1], cPtr!, n, sPtr!);
        checkCanary(`f32_gemm_prepacked m=${m} n=${n} k=${k}`, sPtr!, bytes);
        return heap.f32(cPtr!, m * n).slice();
      });
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const [want, tol] = dotRef(k, (p) => w[i * k + p]!, (p) => b[p * n + j]!, bias[i]!, clamp);
          expectClose(`f32_gemm_prepacked m=${m} n=${n} k=${k}: C[${i},${j}]`, got[i * n + j]!, want, tol);
        }
      }
      seed++;
    }
  });

  it('k = 0 gives clamp(bias)', () => {
    const { kernels, heap } = wasm();
    for (const n of [1, 9]) {
      const bias = Float32Array.from([-2, 0.5, 7, 3, -1, 8]);
      const got = withBuffers([4, 4, bias, n * 6, kernels.f32_gemm_prepacked_scratch_bytes!(6, n, 0)], ([aPtr, bPtr, biasPtr, cPtr, sPtr]) => {
        kernels.f32_gemm_prepacked!(6, n, 0, aPtr!, bPtr!, n, biasPtr!, 0, 6, cPtr!, n, sPtr!);
        return heap.f32(cPtr!, 6 * n).slice();
      });
      for (let i = 0; i < 6; i++) for (let j = 0; j < n; j++) assert.equal(got[i * n + j], Math.min(Math.max(bias[i]!, 0), 6));
    }
  });

  it('f32_gemm_5x1__simd128 matches its scalar twin on a packed panel', () => {
    const { kernels, heap } = wasm();
    for (const kc of [0, 1, 3, 4, 5, 17, 256, 1001]) {
      const a = randomFloats(Math.max(kc * 5, 1), kc + 1), x = randomFloats(Math.max(kc, 1), kc + 2);
      const out = ['f32_gemm_5x1__simd128', 'f32_gemm_5x1__scalar'].map((name) =>
        withBuffers([a, x, new Float32Array(8).fill(SENTINEL)], ([aPtr, xPtr, oPtr]) => {
          kernels[name]!(kc, aPtr!, xPtr!, oPtr!);
          return heap.f32(oPtr!, 8).slice();
        }));
      for (let r = 0; r < 5; r++) {
        const [, tol] = dotRef(kc, (p) => a[p * 5 + r]!, (p) => x[p]!, 0, [-Infinity, Infinity]);
        expectClose(`5x1 kc=${kc} row ${r}: simd vs scalar`, out[0]![r]!, out[1]![r]!, tol);
      }
      for (let r = 5; r < 8; r++) assert.ok(Object.is(out[0]![r], SENTINEL), `5x1 kc=${kc}: wrote past its 5 outputs`);
    }
  });
});

interface ConvShape { c: number; h: number; w: number; oc: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number }

function outSize(s: ConvShape): [number, number] {
  return [
    Math.floor((s.h + 2 * s.ph - s.dh * (s.kh - 1) - 1) / s.sh) + 1,
    Math.floor((s.w + 2 * s.pw - s.dw * (s.kw - 1) - 1) / s.sw) + 1,
  ];
}

describe('f32_conv2d_prepacked', () => {
  it('matches a float64 direct convolution (padding, stride, dilation, 1x1) over image ranges', () => {
    const { kernels, heap } = wasm();
    const shapes: ConvShape[] = [
      { c: 3, h: 9, w: 9, oc: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 },
      { c: 1, h: 28, w: 28, oc: 8, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 },
      { c: 4, h: 13, w: 11, oc: 9, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 },
      { c: 2, h: 12, w: 10, oc: 6, kh: 3, kw: 2, sh: 1, sw: 3, ph: 2, pw: 0, dh: 2, dw: 3 },
      { c: 6, h: 7, w: 5, oc: 17, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 },   // pointwise shortcut
      { c: 6, h: 7, w: 5, oc: 4, kh: 1, kw: 1, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 },    // 1x1 strided: im2col
      { c: 2, h: 1, w: 3, oc: 3, kh: 1, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 },    // one output pixel
      { c: 5, h: 8, w: 8, oc: 31, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2, dh: 1, dw: 1 },
    ];
    let seed = 900;
    for (const s of shapes) {
      const [oh, ow] = outSize(s);
      const n = 3, kg = s.c * s.kh * s.kw, ohw = oh * ow;
      const clamp = CLAMPS[seed % 3]!;
      const wts = randomFloats(s.oc * kg, seed), x = randomFloats(n * s.c * s.h * s.w, seed + 1, -2, 2);
      const bias = seed % 2 === 0 ? randomFloats(s.oc, seed + 2) : null;
      const packed = prepack(s.oc, kg, wts, kg);
      const scratch = kernels.f32_conv2d_prepacked_scratch_bytes!(s.c, s.oc, oh, ow, s.kh, s.kw);
      for (const [start, end] of [[0, n], [1, 2]] as const) {
        const y0 = new Float32Array(n * s.oc * ohw).fill(SENTINEL);
        const got = withBuffers([x, packed, bias ?? 4, y0, scratchWithCanary(scratch)], ([xPtr, aPtr, biasPtr, yPtr, sPtr]) => {
          kernels.f32_conv2d_prepacked!(xPtr!, aPtr!, bias ? biasPtr! : 0, clamp[0], clamp[1], yPtr!,
            n, s.c, s.h, s.w, s.oc, oh, ow, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, start, end, sPtr!);
          checkCanary(`f32_conv2d_prepacked ${JSON.stringify(s)}`, sPtr!, scratch);
          return heap.f32(yPtr!, y0.length).slice();
        });
        const what = `f32_conv2d_prepacked ${JSON.stringify(s)} images [${start}, ${end})`;
        for (let img = 0; img < n; img++) {
          for (let o = 0; o < s.oc; o++) {
            for (let oy = 0; oy < oh; oy++) {
              for (let ox = 0; ox < ow; ox++) {
                const g = got[((img * s.oc + o) * oh + oy) * ow + ox]!;
                if (img < start || img >= end) { assert.ok(Object.is(g, SENTINEL), `${what}: image ${img} was written`); continue; }
                const taps: [number, number][] = [];
                for (let ic = 0; ic < s.c; ic++) {
                  for (let ky = 0; ky < s.kh; ky++) {
                    for (let kx = 0; kx < s.kw; kx++) {
                      const iy = oy * s.sh - s.ph + ky * s.dh, ix = ox * s.sw - s.pw + kx * s.dw;
                      if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                      taps.push([wts[o * kg + (ic * s.kh + ky) * s.kw + kx]!, x[((img * s.c + ic) * s.h + iy) * s.w + ix]!]);
                    }
                  }
                }
                const [want, tol] = dotRef(taps.length, (p) => taps[p]![0], (p) => taps[p]![1], bias ? bias[o]! : 0, clamp);
                expectClose(`${what}: y[${img},${o},${oy},${ox}]`, g, want, tol);
              }
            }
          }
        }
      }
      seed++;
    }
  });
});

/** Runs f32_linear_prepacked over panels [start, end) (or all of them through parallel()). */
function runLinear(batch: number, inF: number, outF: number, x: Float32Array, packed: Float32Array, bias: Float32Array | null,
  clamp: [number, number], range: [number, number] | 'pool'): Float32Array {
  const { kernels, heap } = wasm();
  const units = kernels.f32_linear_prepacked_units!(outF);
  const scratch = kernels.f32_linear_prepacked_scratch_bytes!(batch, inF, outF);
  const y0 = new Float32Array(batch * outF).fill(SENTINEL);
  return withBuffers([x, packed, bias ?? 4, y0, scratchWithCanary(scratch)], ([xPtr, aPtr, biasPtr, yPtr, sPtr]) => {
    const args: ParallelKernelParams['f32_linear_prepacked'] = [xPtr!, aPtr!, bias ? biasPtr! : 0, clamp[0], clamp[1], yPtr!, batch, inF, outF];
    if (range === 'pool') parallel('f32_linear_prepacked', args, units, { scratchBytes: scratch });
    else kernels.f32_linear_prepacked!(...args, range[0], range[1], sPtr!);
    checkCanary(`f32_linear_prepacked batch=${batch} ${inF}->${outF}`, sPtr!, scratch);
    return heap.f32(yPtr!, y0.length).slice();
  });
}

function checkLinear(what: string, batch: number, inF: number, outF: number, x: Float32Array, w: Float32Array,
  bias: Float32Array | null, clamp: [number, number], got: Float32Array, o0 = 0, o1 = outF): void {
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outF; o++) {
      const g = got[b * outF + o]!;
      if (o < o0 || o >= o1) { assert.ok(Object.is(g, SENTINEL), `${what}: y[${b},${o}] outside its panels was written`); continue; }
      const [want, tol] = dotRef(inF, (p) => x[b * inF + p]!, (p) => w[o * inF + p]!, bias ? bias[o]! : 0, clamp);
      expectClose(`${what}: y[${b},${o}]`, g, want, tol);
    }
  }
}

describe('f32_linear_prepacked', () => {
  it('matches y = clamp(x W^T + b) for batch 1 to 33, over panel ranges', () => {
    const { kernels } = wasm();
    let seed = 1300;
    for (const batch of [1, 2, 3, 4, 8, 9, 32, 33]) {
      for (const [inF, outF] of [[1, 1], [9, 17], [257, 31], [64, 10], [1100, 12]] as const) {
        const clamp = CLAMPS[seed % 3]!;
        const x = randomFloats(batch * inF, seed, -2, 2), w = randomFloats(outF * inF, seed + 1);
        const bias = seed % 2 === 1 ? randomFloats(outF, seed + 2) : null;
        const packed = prepack(outF, inF, w, inF);
        const units = kernels.f32_linear_prepacked_units!(outF);
        assert.equal(units, Math.ceil(outF / 5));
        const what = `f32_linear_prepacked batch=${batch} ${inF}->${outF} bias=${bias ? 'on' : 'off'} clamp=[${clamp}]`;
        checkLinear(what, batch, inF, outF, x, w, bias, clamp, runLinear(batch, inF, outF, x, packed, bias, clamp, [0, units]));
        if (units > 2) {
          const [s, e] = [1, units - 1];
          checkLinear(`${what} panels [${s}, ${e})`, batch, inF, outF, x, w, bias, clamp,
            runLinear(batch, inF, outF, x, packed, bias, clamp, [s, e]), 5 * s, Math.min(5 * e, outF));
        }
        seed++;
      }
    }
  });
});

describe('prepacked kernels on the thread pool', () => {
  before(() => setThreads(2));

  it('f32_linear_prepacked and f32_conv2d_prepacked over two threads give the bits of one call', () => {
    const { kernels, heap } = wasm();
    for (const batch of [1, 32]) {
      const [inF, outF] = [700, 47];
      const x = randomFloats(batch * inF, 71, -2, 2), w = randomFloats(outF * inF, 72), bias = randomFloats(outF, 73);
      const packed = prepack(outF, inF, w, inF);
      const one = runLinear(batch, inF, outF, x, packed, bias, [0, Infinity], [0, kernels.f32_linear_prepacked_units!(outF)]);
      const two = runLinear(batch, inF, outF, x, packed, bias, [0, Infinity], 'pool');
      for (let i = 0; i < one.length; i++) assert.ok(Object.is(one[i], two[i]), `linear batch ${batch}: y[${i}] ${two[i]} on two threads, ${one[i]} on one`);
      checkLinear(`f32_linear_prepacked (pool) batch=${batch}`, batch, inF, outF, x, w, bias, [0, Infinity], two);
    }
    const s = { n: 4, c: 3, h: 10, w: 10, oc: 7, kh: 3, kw: 3 };
    const [oh, ow, kg] = [8, 8, s.c * 9];
    const x = randomFloats(s.n * s.c * s.h * s.w, 81), packed = prepack(s.oc, kg, randomFloats(s.oc * kg, 82), kg);
    const scratch = kernels.f32_conv2d_prepacked_scratch_bytes!(s.c, s.oc, oh, ow, 3, 3);
    const outs = [false, true].map((pool) => withBuffers([x, packed, s.n * s.oc * oh * ow * 4, scratch], ([xPtr, aPtr, yPtr, sPtr]) => {
      const args: ParallelKernelParams['f32_conv2d_prepacked'] = [xPtr!, aPtr!, 0, -Infinity, Infinity, yPtr!, s.n, s.c, s.h, s.w, s.oc, oh, ow, 3, 3, 1, 1, 0, 0, 1, 1];
      if (pool) parallel('f32_conv2d_prepacked', args, s.n, { scratchBytes: scratch });
      else kernels.f32_conv2d_prepacked!(...args, 0, s.n, sPtr!);
      return heap.f32(yPtr!, s.n * s.oc * oh * ow).slice();
    }));
    for (let i = 0; i < outs[0]!.length; i++) assert.ok(Object.is(outs[0]![i], outs[1]![i]), `conv: y[${i}] differs between one and two threads`);
  });
});
