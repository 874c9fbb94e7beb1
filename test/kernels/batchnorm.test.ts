/**
 * Batch-norm kernels against float64 references: statistics (including data far from
 * zero, where a one-pass variance cancels), the per-channel affine, and the training-mode
 * backward against both central differences and the closed form. Every kernel runs
 * through the thread pool with two threads, and each SIMD kernel is compared with its
 * scalar twin on ragged plane sizes (STYLE.md §10).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';

setThreads(2);

const SHAPES: [number, number, number][] = [[1, 1, 1], [2, 3, 5], [3, 4, 17], [1, 2, 3], [2, 3, 1001], [4, 5, 49]];
const EPS = 1e-5;

const live: number[] = [];
function put(values: ArrayLike<number>): number {
  const { heap } = wasm();
  const ptr = heap.alloc(Math.max(4, values.length * 4));
  live.push(ptr);
  heap.f32(ptr, values.length).set(values);
  return ptr;
}
function get(ptr: number, n: number): Float32Array {
  return wasm().heap.f32(ptr, n).slice();
}
after(() => { for (const p of live.splice(0)) wasm().heap.free(p); });

/** Float64 mean and biased variance per channel of an NCHW array. */
function statsRef(x: ArrayLike<number>, n: number, c: number, hw: number): { mean: number[]; variance: number[] } {
  const mean: number[] = [], variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let img = 0; img < n; img++) for (let i = 0; i < hw; i++) s += x[(img * c + ch) * hw + i]!;
    const mu = s / (n * hw);
    let q = 0;
    for (let img = 0; img < n; img++) for (let i = 0; i < hw; i++) q += (x[(img * c + ch) * hw + i]! - mu) ** 2;
    mean.push(mu);
    variance.push(q / (n * hw));
  }
  return { mean, variance };
}

function runStats(name: string, x: Float32Array, n: number, c: number, hw: number) {
  const xPtr = put(x), meanPtr = put(new Float32Array(c)), varPtr = put(new Float32Array(c));
  wasm().pool.run(name, [xPtr, n, c, hw, meanPtr, varPtr], c);
  return { mean: get(meanPtr, c), variance: get(varPtr, c) };
}

const STATS = ['f32_batchnorm_stats', 'f32_batchnorm_stats__simd128', 'f32_batchnorm_stats__scalar'];

describe('f32_batchnorm_stats', () => {
  for (const name of STATS) {
    it(`${name} matches float64 on random data`, () => {
      SHAPES.forEach(([n, c, hw], k) => {
        const x = randomFloats(n * c * hw, 11 + k, -3, 2);
        const got = runStats(name, x, n, c, hw), ref = statsRef(x, n, c, hw);
        const what = `${name} [${n},${c},${hw}]`;
        expectAllClose(got.mean, ref.mean, { rtol: 1e-6, atol: 1e-7, what: `${what} mean` });
        expectAllClose(got.variance, ref.variance, { rtol: 1e-6, atol: 1e-7, what: `${what} var` });
      });
    });

    it(`${name} keeps the variance of data at 1000 +- 0.01`, () => {
      for (const [n, c, hw] of [[2, 3, 1001], [8, 2, 784], [3, 4, 17]] as const) {
        const x = randomFloats(n * c * hw, 5, 1000 - 0.01, 1000 + 0.01);
        const got = runStats(name, x, n, c, hw), ref = statsRef(x, n, c, hw);
        const what = `${name} [${n},${c},${hw}] offset`;
        expectAllClose(got.mean, ref.mean, { rtol: 1e-7, atol: 0, what: `${what} mean` });
        // The values are f32 grid points 6e-5 apart; the reference sees the same points,
        // so the variance should agree to f32 output rounding, not to the grid.
        expectAllClose(got.variance, ref.variance, { rtol: 1e-5, atol: 0, what: `${what} var` });
      }
    });
  }

  it('a constant channel has zero variance and its value as mean', () => {
    const got = runStats('f32_batchnorm_stats', new Float32Array(2 * 2 * 7).fill(1234.5), 2, 2, 7);
    assert.deepEqual([...got.mean], [1234.5, 1234.5]);
    assert.deepEqual([...got.variance], [0, 0]);
  });
});

function affineRef(x: Float32Array, scale: Float32Array, shift: Float32Array, n: number, c: number, hw: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < hw; i++) y[p * hw + i] = Math.fround(Math.fround(x[p * hw + i]! * scale[p % c]!) + shift[p % c]!);
  }
  return y;
}

describe('f32_channel_affine', () => {
  for (const name of ['f32_channel_affine', 'f32_channel_affine__simd128', 'f32_channel_affine__scalar']) {
    it(`${name} matches the reference, out of place and in place`, () => {
      SHAPES.forEach(([n, c, hw], k) => {
        const x = randomFloats(n * c * hw, 30 + k, -4, 4);
        const scale = randomFloats(c, 40 + k, 0.5, 2), shift = randomFloats(c, 50 + k, -1, 1);
        const ref = affineRef(x, scale, shift, n, c, hw);
        const xPtr = put(x), sPtr = put(scale), bPtr = put(shift), yPtr = put(new Float32Array(x.length));
        wasm().pool.run(name, [xPtr, sPtr, bPtr, yPtr, n, c, hw], n * c);
        assert.deepEqual(get(yPtr, x.length), ref, `${name} [${n},${c},${hw}]`);
        wasm().pool.run(name, [xPtr, sPtr, bPtr, xPtr, n, c, hw], n * c);
        assert.deepEqual(get(xPtr, x.length), ref, `${name} [${n},${c},${hw}] in place`);
      });
    });
  }
});

/** Float64 train-mode batch norm: loss = sum(y * r), y = gamma * (x - mean) / sqrt(var + eps) + beta. */
function bnLoss(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, r: ArrayLike<number>, n: number, c: number, hw: number): number {
  const { mean, variance } = statsRef(x, n, c, hw);
  let loss = 0;
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      const inv = 1 / Math.sqrt(variance[ch]! + EPS);
      for (let i = 0; i < hw; i++) {
        const j = (img * c + ch) * hw + i;
        loss += (gamma[ch]! * (x[j]! - mean[ch]!) * inv + beta[ch]!) * r[j]!;
      }
    }
  }
  return loss;
}

/** Central differences of bnLoss with respect to every entry of one argument. */
function numericGrad(values: ArrayLike<number>, loss: (v: Float64Array) => number, h = 1e-5): Float64Array {
  const v = Float64Array.from(values);
  const grad = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i]!;
    v[i] = keep + h; const up = loss(v);
    v[i] = keep - h; const down = loss(v);
    v[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

interface BwdCase { x: Float32Array; dy: Float32Array; gamma: Float32Array; mean: Float32Array; invstd: Float32Array }
function bwdCase(n: number, c: number, hw: number, seed: number, offset = 0): BwdCase {
  const x = randomFloats(n * c * hw, seed, offset - 2, offset + 2);
  const { mean, variance } = statsRef(x, n, c, hw);
  return {
    x, dy: randomFloats(x.length, seed + 1), gamma: randomFloats(c, seed + 2, 0.5, 1.5),
    mean: Float32Array.from(mean), invstd: Float32Array.from(variance, (v) => 1 / Math.sqrt(v + EPS)),
  };
}

function runBwd(name: string, t: BwdCase, n: number, c: number, hw: number) {
  const dxPtr = put(new Float32Array(t.x.length).fill(NaN)), dgPtr = put(new Float32Array(c)), dbPtr = put(new Float32Array(c));
  wasm().pool.run(name, [put(t.x), put(t.dy), put(t.mean), put(t.invstd), put(t.gamma), dxPtr, dgPtr, dbPtr, n, c, hw], c);
  return { dx: get(dxPtr, t.x.length), dgamma: get(dgPtr, c), dbeta: get(dbPtr, c) };
}

/** The closed form in float64, from the same f32 mean and invstd the kernel is given. */
function bwdRef(t: BwdCase, n: number, c: number, hw: number) {
  const m = n * hw, dx = new Float64Array(t.x.length), dgamma = new Float64Array(c), dbeta = new Float64Array(c);
  const at = (img: number, ch: number, i: number) => (img * c + ch) * hw + i;
  for (let ch = 0; ch < c; ch++) {
    let sumDy = 0, sumDyXhat = 0;
    for (let img = 0; img < n; img++) for (let i = 0; i < hw; i++) {
      const j = at(img, ch, i);
      sumDy += t.dy[j]!;
      sumDyXhat += t.dy[j]! * (t.x[j]! - t.mean[ch]!) * t.invstd[ch]!;
    }
    dbeta[ch] = sumDy;
    dgamma[ch] = sumDyXhat;
    for (let img = 0; img < n; img++) for (let i = 0; i < hw; i++) {
      const j = at(img, ch, i), xhat = (t.x[j]! - t.mean[ch]!) * t.invstd[ch]!;
      dx[j] = t.gamma[ch]! * t.invstd[ch]! / m * (m * t.dy[j]! - dbeta[ch]! - xhat * dgamma[ch]!);
    }
  }
  return { dx, dgamma, dbeta };
}

const BWD = ['f32_batchnorm_bwd', 'f32_batchnorm_bwd__simd128', 'f32_batchnorm_bwd__scalar'];

describe('f32_batchnorm_bwd', () => {
  for (const name of BWD) {
    it(`${name} agrees with central differences of float64 batch norm`, () => {
      for (const [n, c, hw] of [[2, 3, 5], [3, 2, 7], [1, 2, 9]] as const) {
        const t = bwdCase(n, c, hw, 70 + hw);
        const beta = randomFloats(c, 99);
        const got = runBwd(name, t, n, c, hw);
        const gx = numericGrad(t.x, (v) => bnLoss(v, t.gamma, beta, t.dy, n, c, hw));
        const gg = numericGrad(t.gamma, (v) => bnLoss(t.x, v, beta, t.dy, n, c, hw));
        const gb = numericGrad(beta, (v) => bnLoss(t.x, t.gamma, v, t.dy, n, c, hw));
        const what = `${name} [${n},${c},${hw}]`;
        expectAllClose(got.dx, gx, { rtol: 1e-3, atol: 1e-4, what: `${what} dx` });
        expectAllClose(got.dgamma, gg, { rtol: 1e-3, atol: 1e-4, what: `${what} dgamma` });
        expectAllClose(got.dbeta, gb, { rtol: 1e-4, atol: 1e-5, what: `${what} dbeta` });
      }
    });

    it(`${name} matches the closed form in float64 on ragged planes`, () => {
      SHAPES.forEach(([n, c, hw], k) => {
        for (const offset of [0, 1000]) {
          const t = bwdCase(n, c, hw, 120 + k, offset);
          const got = runBwd(name, t, n, c, hw), ref = bwdRef(t, n, c, hw);
          const scale = Math.max(...ref.dx.map(Math.abs), 1e-3);
          const what = `${name} [${n},${c},${hw}] offset ${offset}`;
          expectAllClose(got.dx, ref.dx, { rtol: 1e-5, atol: 1e-5 * scale, what: `${what} dx` });
          expectAllClose(got.dgamma, ref.dgamma, { rtol: 1e-5, atol: 1e-5, what: `${what} dgamma` });
          expectAllClose(got.dbeta, ref.dbeta, { rtol: 1e-5, atol: 1e-5, what: `${what} dbeta` });
        }
      });
    });
  }

  it('the SIMD kernels agree with their scalar twins', () => {
    SHAPES.forEach(([n, c, hw], k) => {
      const t = bwdCase(n, c, hw, 200 + k);
      const a = runBwd('f32_batchnorm_bwd__simd128', t, n, c, hw), b = runBwd('f32_batchnorm_bwd__scalar', t, n, c, hw);
      expectAllClose(a.dx, b.dx, { rtol: 1e-6, atol: 1e-6, what: `bwd dx [${n},${c},${hw}]` });
      expectAllClose(a.dgamma, b.dgamma, { rtol: 1e-6, atol: 1e-6, what: `bwd dgamma [${n},${c},${hw}]` });
      const s = runStats('f32_batchnorm_stats__simd128', t.x, n, c, hw), r = runStats('f32_batchnorm_stats__scalar', t.x, n, c, hw);
      expectAllClose(s.mean, r.mean, { rtol: 1e-7, atol: 1e-7, what: `stats mean [${n},${c},${hw}]` });
      expectAllClose(s.variance, r.variance, { rtol: 1e-7, atol: 0, what: `stats var [${n},${c},${hw}]` });
    });
  });
});

describe('f32_standardize', () => {
  it('equals JavaScript doubles rounded once, Math.fround((x − mean) · (1 / std)), bit for bit; twin, pool and in place', () => {
    for (const [n, c, hw] of SHAPES) {
      const x = randomFloats(n * c * hw, 11 + hw, 0, 1);
      // Means and stds that are not float32 numbers, as MNIST's 0.1307 and 0.3081 are not.
      const mean = Array.from({ length: c }, (_, ch) => 0.1307 + 0.1 * ch), inv = Array.from({ length: c }, (_, ch) => 1 / (0.3081 + 0.05 * ch));
      const want = Float32Array.from(x, (v, i) => Math.fround((v - mean[Math.floor(i / hw) % c]!) * inv[Math.floor(i / hw) % c]!));
      const { heap } = wasm();
      const consts = heap.alloc(16 * c);
      live.push(consts);
      new Float64Array(heap.memory.buffer, consts, 2 * c).set([...mean, ...inv]);
      for (const [name, mode] of [['f32_standardize', 'pool'], ['f32_standardize__scalar', 'direct'], ['f32_standardize__simd128', 'direct']] as const) {
        const xp = put(x), yp = put(new Float32Array(x.length));
        const args = [xp, consts, consts + 8 * c, yp, c, hw];
        if (mode === 'pool') wasm().pool.run(name, args, n * c);
        else wasm().kernels[name]!(...args, 0, n * c, 0);
        assert.deepEqual(get(yp, x.length), want, `${name} [${n}, ${c}, ${hw}]`);
        wasm().pool.run(name, [xp, consts, consts + 8 * c, xp, c, hw], n * c);
        assert.deepEqual(get(xp, x.length), want, `${name} in place [${n}, ${c}, ${hw}]`);
      }
    }
  });
});
