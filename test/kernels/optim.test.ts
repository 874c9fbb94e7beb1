/**
 * Optimizer kernels against float64 reimplementations of torch.optim.SGD, Adam and AdamW
 * over several steps, pruning masks over 50 steps (pruned weights and their state must
 * be exactly +0.0), odd lengths for the SIMD tails, two pool threads, and the SIMD
 * kernels against their scalar twins (STYLE.md §10).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';

setThreads(2);

const LENGTHS = [1, 3, 5, 17, 1001];
const f = Math.fround;

const live: number[] = [];
function alloc(bytes: number): number {
  const ptr = wasm().heap.alloc(Math.max(4, bytes));
  live.push(ptr);
  return ptr;
}
function putF32(values: ArrayLike<number>): number {
  const ptr = alloc(values.length * 4);
  wasm().heap.f32(ptr, values.length).set(values);
  return ptr;
}
function putU8(values: Uint8Array): number {
  const ptr = alloc(values.length);
  wasm().heap.u8(ptr, values.length).set(values);
  return ptr;
}
const getF32 = (ptr: number, n: number) => wasm().heap.f32(ptr, n).slice();
const setF32 = (ptr: number, values: Float32Array) => wasm().heap.f32(ptr, values.length).set(values);
after(() => { for (const p of live.splice(0)) wasm().heap.free(p); });

function randomMask(n: number, seed: number): Uint8Array {
  return Uint8Array.from(randomFloats(n, seed, 0, 1), (u, i) => (u < 0.5 ? 0 : 1 + (i % 200)));
}

interface Sgd { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }
const SGD_VARIANTS: Sgd[] = [
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true },
  { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 1e-2, nesterov: false },
  { lr: 0.02, momentum: 0.9, dampening: 0, weightDecay: 5e-3, nesterov: true },
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 1e-2, nesterov: false },
];

/** torch.optim.SGD.step in float64 (hyperparameters rounded to f32 as the kernel sees them). */
function sgdRef(w: Float64Array, g: Float32Array, v: Float64Array, o: Sgd, first: boolean, mask?: Uint8Array): void {
  const lr = f(o.lr), mom = f(o.momentum), damp = f(o.dampening), wd = f(o.weightDecay);
  for (let i = 0; i < w.length; i++) {
    let d = g[i]! + wd * w[i]!;
    if (mom !== 0) {
      v[i] = first ? d : mom * v[i]! + (1 - damp) * d;
      d = o.nesterov ? d + mom * v[i]! : v[i]!;
    }
    w[i] = w[i]! - lr * d;
    if (mask !== undefined && mask[i] === 0) { w[i] = 0; v[i] = 0; }
  }
}

interface Adam { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }
const ADAM_VARIANTS: Adam[] = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupled: false },
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupled: true },
  { lr: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: true },
];
const bias = (beta: number, t: number) => f(1 - f(beta) ** t);

/** torch.optim.Adam / AdamW step t (1-based) in float64. */
function adamRef(w: Float64Array, g: Float32Array, m: Float64Array, v: Float64Array, o: Adam, t: number, mask?: Uint8Array): void {
  const lr = f(o.lr), b1 = f(o.beta1), b2 = f(o.beta2), eps = f(o.eps), wd = f(o.weightDecay);
  const bias1 = bias(o.beta1, t), bias2 = bias(o.beta2, t);
  for (let i = 0; i < w.length; i++) {
    let d = g[i]!;
    if (o.decoupled) w[i] = w[i]! * (1 - lr * wd);
    else d += wd * w[i]!;
    m[i] = b1 * m[i]! + (1 - b1) * d;
    v[i] = b2 * v[i]! + (1 - b2) * d * d;
    w[i] = w[i]! - lr * (m[i]! / bias1) / (Math.sqrt(v[i]! / bias2) + eps);
    if (mask !== undefined && mask[i] === 0) { w[i] = 0; m[i] = 0; v[i] = 0; }
  }
}

/** Runs `steps` SGD steps through the pool and the reference side by side. */
function runSgd(name: string, n: number, o: Sgd, steps: number, seed: number, mask?: Uint8Array) {
  const w0 = randomFloats(n, seed, -1, 1);
  const wPtr = putF32(w0), gPtr = putF32(new Float32Array(n));
  const vPtr = o.momentum !== 0 ? putF32(new Float32Array(n).fill(NaN)) : 0; // the first step must not read v
  const maskPtr = mask !== undefined ? putU8(mask) : 0;
  const w = Float64Array.from(w0), v = new Float64Array(n);
  for (let s = 0; s < steps; s++) {
    const g = randomFloats(n, seed * 131 + s, -1, 1);
    setF32(gPtr, g);
    wasm().pool.run(name, [wPtr, gPtr, vPtr, maskPtr, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov ? 1 : 0, s === 0 ? 1 : 0], n);
    sgdRef(w, g, v, o, s === 0, mask);
  }
  return { got: { w: getF32(wPtr, n), v: vPtr !== 0 ? getF32(vPtr, n) : undefined }, ref: { w, v } };
}

function runAdam(name: string, n: number, o: Adam, steps: number, seed: number, mask?: Uint8Array) {
  const w0 = randomFloats(n, seed, -1, 1);
  const wPtr = putF32(w0), gPtr = putF32(new Float32Array(n));
  const mPtr = putF32(new Float32Array(n)), vPtr = putF32(new Float32Array(n));
  const maskPtr = mask !== undefined ? putU8(mask) : 0;
  const w = Float64Array.from(w0), m = new Float64Array(n), v = new Float64Array(n);
  for (let t = 1; t <= steps; t++) {
    const g = randomFloats(n, seed * 17 + t, -1, 1);
    setF32(gPtr, g);
    wasm().pool.run(name, [wPtr, gPtr, mPtr, vPtr, maskPtr, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay,
      o.decoupled ? 1 : 0, bias(o.beta1, t), bias(o.beta2, t)], n);
    adamRef(w, g, m, v, o, t, mask);
  }
  return { got: { w: getF32(wPtr, n), m: getF32(mPtr, n), v: getF32(vPtr, n) }, ref: { w, m, v } };
}

/** Every pruned entry is +0.0 (not -0.0, not a tiny leftover) in each array. */
function expectPrunedZero(mask: Uint8Array, arrays: Record<string, Float32Array | undefined>, what: string): void {
  for (const [key, a] of Object.entries(arrays)) {
    if (a === undefined) continue;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0 && !Object.is(a[i], 0)) assert.fail(`${what}: ${key}[${i}] is ${a[i]} under a zero mask`);
    }
  }
}

describe('f32_sgd_step', () => {
  for (const name of ['f32_sgd_step', 'f32_sgd_step__simd128', 'f32_sgd_step__scalar']) {
    it(`${name} follows torch.optim.SGD over 5 steps`, () => {
      SGD_VARIANTS.forEach((o, k) => {
        for (const n of LENGTHS) {
          const { got, ref } = runSgd(name, n, o, 5, 10 + k, undefined);
          const what = `${name} ${JSON.stringify(o)} n=${n}`;
          expectAllClose(got.w, ref.w, { rtol: 1e-5, atol: 1e-6, what: `${what} w` });
          if (got.v !== undefined) expectAllClose(got.v, ref.v, { rtol: 1e-5, atol: 1e-6, what: `${what} v` });
        }
      });
    });

    it(`${name} keeps pruned weights and momentum at exactly zero over 50 steps`, () => {
      for (const n of LENGTHS) {
        const mask = randomMask(n, 300 + n);
        const o = SGD_VARIANTS[5]!;
        const { got, ref } = runSgd(name, n, o, 50, 20 + n, mask);
        const what = `${name} masked n=${n}`;
        expectPrunedZero(mask, { w: got.w, v: got.v }, what);
        expectAllClose(got.w, ref.w, { rtol: 1e-4, atol: 1e-5, what: `${what} w` });
        expectAllClose(got.v!, ref.v, { rtol: 1e-4, atol: 1e-5, what: `${what} v` });
      }
    });
  }
});

describe('f32_adam_step', () => {
  for (const name of ['f32_adam_step', 'f32_adam_step__simd128', 'f32_adam_step__scalar']) {
    it(`${name} follows torch.optim.Adam and AdamW over 5 steps`, () => {
      ADAM_VARIANTS.forEach((o, k) => {
        for (const n of LENGTHS) {
          const { got, ref } = runAdam(name, n, o, 5, 40 + k);
          const what = `${name} ${JSON.stringify(o)} n=${n}`;
          expectAllClose(got.w, ref.w, { rtol: 1e-5, atol: 1e-6, what: `${what} w` });
          expectAllClose(got.m, ref.m, { rtol: 1e-5, atol: 1e-7, what: `${what} m` });
          expectAllClose(got.v, ref.v, { rtol: 1e-5, atol: 1e-9, what: `${what} v` });
        }
      });
    });

    it(`${name} keeps pruned weights, m and v at exactly zero over 50 steps`, () => {
      for (const o of [ADAM_VARIANTS[1]!, ADAM_VARIANTS[2]!]) {
        for (const n of LENGTHS) {
          const mask = randomMask(n, 500 + n);
          const { got, ref } = runAdam(name, n, o, 50, 60 + n, mask);
          const what = `${name} ${o.decoupled ? 'AdamW' : 'Adam'} masked n=${n}`;
          expectPrunedZero(mask, got, what);
          expectAllClose(got.w, ref.w, { rtol: 1e-4, atol: 1e-5, what: `${what} w` });
          expectAllClose(got.m, ref.m, { rtol: 1e-4, atol: 1e-6, what: `${what} m` });
          expectAllClose(got.v, ref.v, { rtol: 1e-4, atol: 1e-8, what: `${what} v` });
        }
      }
    });
  }
});

describe('f32_apply_mask', () => {
  for (const name of ['f32_apply_mask', 'f32_apply_mask__simd128', 'f32_apply_mask__scalar']) {
    it(`${name} zeroes exactly the masked entries`, () => {
      for (const n of LENGTHS) {
        const w = randomFloats(n, 700 + n, -2, 2), mask = randomMask(n, 800 + n);
        const wPtr = putF32(w);
        wasm().pool.run(name, [wPtr, putU8(mask)], n);
        const got = getF32(wPtr, n);
        expectPrunedZero(mask, { w: got }, `${name} n=${n}`);
        for (let i = 0; i < n; i++) if (mask[i] !== 0) assert.equal(got[i], w[i], `${name} n=${n} kept w[${i}]`);
      }
    });
  }
});

describe('SIMD optimizer kernels against their scalar twins', () => {
  // Same f32 operations in the same order and no fused multiply-add, so the twins agree bit for bit.
  it('SGD and Adam agree bitwise on odd lengths', () => {
    for (const n of LENGTHS) {
      const mask = randomMask(n, 900 + n);
      for (const o of SGD_VARIANTS) {
        const a = runSgd('f32_sgd_step__simd128', n, o, 7, 3, mask).got, b = runSgd('f32_sgd_step__scalar', n, o, 7, 3, mask).got;
        assert.deepEqual(a, b, `sgd ${JSON.stringify(o)} n=${n}`);
      }
      for (const o of ADAM_VARIANTS) {
        const a = runAdam('f32_adam_step__simd128', n, o, 7, 4, mask).got, b = runAdam('f32_adam_step__scalar', n, o, 7, 4, mask).got;
        assert.deepEqual(a, b, `adam ${JSON.stringify(o)} n=${n}`);
      }
    }
  });
});
