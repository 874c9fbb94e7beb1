// Unary and broadcasting binary kernels against float64 references and their scalar twins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { UnaryOp, BinaryOp } from '../../src/kernels/op-codes.js';
import { randomFloats } from '../helpers/assert.js';
import { put, read, free } from '../helpers/heap-buffers.js';

setThreads(2);
const rt = wasm();
const k = rt.kernels;


/** Passes when both are NaN, both the same infinity, or |a - e| <= atol + rtol |e|. */
function close(a: number, e: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}
function expectClose(what: string, x: ArrayLike<number>, got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  for (let i = 0; i < want.length; i++) {
    if (!close(got[i]!, want[i]!, rtol, atol)) assert.fail(`${what}[${i}] at x=${x[i]}: got ${got[i]}, expected ${want[i]}`);
  }
}
function expectSame(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}[${i}]: simd ${got[i]}, scalar ${want[i]}`);
  }
}

// [reference forward, analytic derivative, alpha, domain for gradient checks, kinks]
type Ref = [(x: number, a: number) => number, (x: number, a: number) => number, number, [number, number], number[]];
const relu6 = (x: number): number => Math.min(Math.max(x, 0), 6);
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const REFS: Record<keyof typeof UnaryOp, Ref> = {
  Identity: [(x) => x, () => 1, 0, [-5, 5], []],
  Relu: [(x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0), 0, [-5, 5], [0]],
  Relu6: [relu6, (x) => (x > 0 && x < 6 ? 1 : 0), 0, [-3, 9], [0, 6]],
  LeakyRelu: [(x, a) => (x > 0 ? x : a * x), (x, a) => (x > 0 ? 1 : a), 0.1, [-5, 5], [0]],
  Sigmoid: [sig, (x) => sig(x) * (1 - sig(x)), 0, [-12, 12], []],
  Tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2, 0, [-6, 6], []],
  HardSwish: [(x) => (x * relu6(x + 3)) / 6, (x) => (x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6), 0, [-6, 6], [-3, 3]],
  Exp: [Math.exp, Math.exp, 0, [-20, 20], []],
  Log: [Math.log, (x) => 1 / x, 0, [0.01, 100], []],
  Neg: [(x) => -x, () => -1, 0, [-5, 5], []],
  Sqrt: [Math.sqrt, (x) => 0.5 / Math.sqrt(x), 0, [0.01, 100], []],
  Square: [(x) => x * x, (x) => 2 * x, 0, [-5, 5], []],
  Abs: [Math.abs, (x) => Math.sign(x), 0, [-5, 5], [0]],
  Reciprocal: [(x) => 1 / x, (x) => -1 / (x * x), 0, [0.05, 20], []],
  Scale: [(x, a) => a * x, (_x, a) => a, 2.5, [-5, 5], []],
  AddScalar: [(x, a) => x + a, () => 1, -1.5, [-5, 5], []],
  Elu: [(x, a) => (x > 0 ? x : a * Math.expm1(x)), (x, a) => (x > 0 ? 1 : a * Math.exp(x)), 0.7, [-8, 4], [0]],
};

function forwardInputs(): Float32Array {
  const special = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-3, -1e-3, 0.3125, -0.3125, 0.35, -0.35, 1, -1, 3, -3, 6, -6,
    2.9999, 3.0001, -2.9999, -3.0001, 5.9999, 6.0001, 20, -20, 87.5, -87.5, 88.7, 89, -103, -104, 200, -200, 1e30, -1e30,
    Infinity, -Infinity, NaN, 1.5e-40, -1.5e-40];
  const wide = Array.from(randomFloats(400, 7, -40, 40)).map((v) => Math.sign(v) * Math.exp(Math.abs(v) / 2 - 10));
  return Float32Array.from([...special, ...randomFloats(500, 3, -10, 10), ...wide]); // odd length: tails run too
}

describe('op codes', () => {
  it('the compiled module exports the same numbers as src/kernels/op-codes.ts', () => {
    const exportsOf = rt.kernels as unknown as Record<string, WebAssembly.Global | undefined>;
    for (const [table, name] of [[UnaryOp, 'UnaryOp'], [BinaryOp, 'BinaryOp']] as const) {
      for (const [op, code] of Object.entries(table)) {
        assert.equal(exportsOf[`${name}.${op}`]?.value, code, `${name}.${op}`);
      }
    }
  });
});

describe('f32_unary', () => {
  const x = forwardInputs();
  for (const [name, [ref, , alpha]] of Object.entries(REFS)) {
    it(`${name} matches float64 Math and its scalar twin`, () => {
      const op = UnaryOp[name as keyof typeof UnaryOp];
      const xp = put(x), yp = put(x), sp = put(x);
      k.f32_unary!(op, xp, yp, alpha, 0, x.length, 0);
      k.f32_unary__scalar!(op, xp, sp, alpha, 0, x.length, 0);
      const want = Array.from(x, (v) => Math.fround(ref(v, Math.fround(alpha))));
      expectClose(name, x, read(yp, x.length), want);
      expectSame(name, read(yp, x.length), read(sp, x.length));
      free(xp, yp, sp);
    });
  }

  it('exp keeps relative error near 2e-7 over [-87, 88] and tanh near 1e-6 around 0', () => {
    const n = 100001;
    const x = Float32Array.from({ length: n }, (_, i) => -87 + (175 * i) / (n - 1));
    // [-1, 1] evenly, then magnitudes 1e-1 .. 1e-37 where 1 - 2/(e^2x + 1) would cancel.
    const t = Float32Array.from({ length: n }, (_, i) => (i < n - 74 ? -1 + (2 * i) / (n - 75) : (i % 2 ? 1 : -1) * 10 ** -((i % 37) + 1)));
    const xp = put(x), yp = put(x), tp = put(t);
    k.f32_unary!(UnaryOp.Exp, xp, yp, 0, 0, n, 0);
    k.f32_unary!(UnaryOp.Tanh, tp, tp, 0, 0, n, 0); // in place
    const ey = read(yp, n), ty = read(tp, n);
    let expErr = 0, tanhErr = 0;
    for (let i = 0; i < n; i++) {
      expErr = Math.max(expErr, Math.abs(ey[i]! / Math.exp(x[i]!) - 1));
      if (t[i] !== 0) tanhErr = Math.max(tanhErr, Math.abs(ty[i]! / Math.tanh(t[i]!) - 1));
    }
    assert.ok(expErr < 2.5e-7, `exp max relative error ${expErr}`);
    assert.ok(tanhErr < 1e-6, `tanh max relative error ${tanhErr}`);
    free(xp, yp, tp);
  });
});

describe('f32_unary_grad', () => {
  for (const [name, [ref, deriv, alpha, [lo, hi], kinks]] of Object.entries(REFS)) {
    it(`${name} matches the analytic derivative and central differences`, () => {
      const op = UnaryOp[name as keyof typeof UnaryOp];
      const x = randomFloats(203, 11, lo, hi).map((v) => (kinks.some((c) => Math.abs(v - c) < 1e-2) ? v + 0.05 : v));
      const dy = randomFloats(x.length, 12, -2, 2);
      const a = Math.fround(alpha);
      const xp = put(x), yp = put(x), dyp = put(dy), dxp = put(dy), sp = put(dy);
      k.f32_unary!(op, xp, yp, alpha, 0, x.length, 0);
      k.f32_unary_grad!(op, xp, yp, dyp, dxp, alpha, 0, x.length, 0);
      k.f32_unary_grad__scalar!(op, xp, yp, dyp, sp, alpha, 0, x.length, 0);
      const dx = read(dxp, x.length);
      const analytic = Array.from(x, (v, i) => dy[i]! * deriv(v, a));
      const h = 1e-6;
      const numeric = Array.from(x, (v, i) => (dy[i]! * (ref(v + h, a) - ref(v - h, a))) / (2 * h));
      expectClose(`${name}'`, x, dx, analytic, 2e-5, 1e-5);
      expectClose(`${name}' vs finite differences`, x, dx, numeric, 1e-4, 1e-5);
      expectSame(`${name}'`, dx, read(sp, x.length));
      // dx may alias dy.
      k.f32_unary_grad!(op, xp, yp, dyp, dyp, alpha, 0, x.length, 0);
      expectSame(`${name}' in place`, read(dyp, x.length), dx);
      free(xp, yp, dyp, dxp, sp);
    });
  }
});

// ---- broadcasting ----

const BIN_REFS: Record<keyof typeof BinaryOp, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b,
  Max: Math.max, Min: Math.min, Pow: Math.pow,
  Greater: (a, b) => (a > b ? 1 : 0), GreaterEqual: (a, b) => (a >= b ? 1 : 0), Equal: (a, b) => (a === b ? 1 : 0),
};

function rowMajor(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}
/** desc for out = a op b under NumPy broadcasting, both operands stored row-major. */
function broadcastDesc(aShape: number[], bShape: number[]): { out: number[]; desc: number[] } {
  const rank = Math.max(aShape.length, bShape.length, 1);
  const pad = (s: number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const a = pad(aShape), b = pad(bShape);
  const out = a.map((n, d) => Math.max(n, b[d]!));
  const strides = (s: number[]): number[] => rowMajor(s).map((st, d) => (s[d] === 1 && out[d] !== 1 ? 0 : st));
  return { out, desc: [rank, ...out, ...strides(a), ...strides(b)] };
}
function binaryRef(op: (a: number, b: number) => number, a: Float32Array, b: Float32Array, desc: number[]): Float32Array {
  const rank = desc[0]!, shape = desc.slice(1, 1 + rank), as = desc.slice(1 + rank, 1 + 2 * rank), bs = desc.slice(1 + 2 * rank);
  const total = shape.reduce((p, n) => p * n, 1);
  return Float32Array.from({ length: total }, (_, i) => {
    let rem = i, ao = 0, bo = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      ao += idx * as[d]!;
      bo += idx * bs[d]!;
    }
    return op(a[ao]!, b[bo]!);
  });
}

function checkBinary(opName: keyof typeof BinaryOp, a: Float32Array, b: Float32Array, desc: number[], what: string, pooled = false): void {
  const op = BinaryOp[opName];
  const want = binaryRef(BIN_REFS[opName], a, b, desc);
  const n = want.length;
  const ap = put(a), bp = put(b), dp = put(desc, true), op1 = put(want), op2 = put(want);
  if (pooled) rt.pool.run('f32_binary', [op, ap, bp, op1, dp], n, { grain: 4 });
  else {
    // Ragged slices, as threads would get, must stitch together.
    const cuts = [0, Math.floor(n / 3), Math.floor(n / 3) + 5, n].map((c) => Math.min(c, n));
    for (let s = 0; s + 1 < cuts.length; s++) k.f32_binary!(op, ap, bp, op1, dp, cuts[s]!, cuts[s + 1]!, 0);
  }
  k.f32_binary__scalar!(op, ap, bp, op2, dp, 0, n, 0);
  const got = read(op1, n);
  expectClose(`${opName} ${what}`, want, got, want.map((v) => Math.fround(v)), opName === 'Pow' ? 1e-5 : 0, 0);
  expectSame(`${opName} ${what}`, got, read(op2, n));
  free(ap, bp, dp, op1, op2);
}

const size = (s: number[]): number => s.reduce((p, n) => p * n, 1);

describe('f32_binary', () => {
  const cases: [string, number[], number[]][] = [
    ['same shape', [7, 13], [7, 13]],
    ['scalar b', [3, 5, 7], []],
    ['scalar a', [1], [2, 9]],
    ['NCHW per-channel', [2, 3, 5, 7], [1, 3, 1, 1]],
    ['NHWC per-channel', [2, 4, 3, 6], [6]],
    ['[N,1] with [1,M]', [6, 1], [1, 9]],
    ['rank 1 odd', [37], [37]],
    ['rank 5', [2, 1, 3, 4, 5], [1, 3, 1, 4, 1]],
    ['rank 6', [2, 3, 1, 2, 3, 5], [1, 3, 4, 2, 1, 5]],
    ['global-pooled channels', [4, 5, 1, 1], [1, 5, 1, 1]],
  ];
  for (const opName of Object.keys(BinaryOp) as (keyof typeof BinaryOp)[]) {
    it(`${opName} broadcasts like NumPy and matches its scalar twin`, () => {
      for (const [what, as, bs] of cases) {
        const positive = opName === 'Pow';
        const a = randomFloats(size(as), 21, positive ? 0.1 : -3, 3);
        // Rounded values make Equal and the comparisons hit ties.
        const b = randomFloats(size(bs), 22, positive ? -2 : -3, 3).map((v) => (opName === 'Pow' ? v : Math.round(v * 2) / 2));
        const { desc } = broadcastDesc(as, bs);
        checkBinary(opName, a.map((v) => (opName === 'Pow' ? v : Math.round(v * 2) / 2)), b, desc, what);
      }
    });
  }

  it('walks operands with arbitrary strides (a transposed view)', () => {
    const a = randomFloats(6 * 5, 31), b = randomFloats(6 * 5, 32);
    // out[i][j] = a[j][i] + b[i][j]: a is stored 5 x 6 and read transposed.
    checkBinary('Add', a, b, [2, 6, 5, 1, 6, 5, 1], 'transposed');
    checkBinary('Mul', a, b, [3, 2, 3, 5, 3, 1, 6, 15, 5, 1], 'rank 3 strided');
  });

  it('random shapes of rank 1..6 with random broadcast dims', () => {
    let seed = 100;
    for (let rank = 1; rank <= 6; rank++) {
      for (let trial = 0; trial < 4; trial++) {
        const dims = Array.from(randomFloats(rank, seed++, 1, 6), Math.floor);
        const mask = randomFloats(2 * rank, seed++);
        const as = dims.map((n, d) => (mask[d]! > 0.6 ? 1 : n)), bs = dims.map((n, d) => (mask[rank + d]! > 0.5 ? 1 : n));
        const { desc } = broadcastDesc(as, bs.slice(Math.floor(trial / 2)));
        checkBinary('Sub', randomFloats(size(as), seed++), randomFloats(size(bs.slice(Math.floor(trial / 2))), seed++), desc, `${as} - ${bs}`);
      }
    }
  });

  it('runs on the thread pool', () => {
    const { desc } = broadcastDesc([4, 16, 9, 9], [1, 16, 1, 1]);
    checkBinary('Mul', randomFloats(4 * 16 * 81, 41), randomFloats(16, 42), desc, 'pooled', true);
  });
});

describe('f32_unary on the thread pool', () => {
  it('splits [0, n) across 2 threads', () => {
    const x = randomFloats(10007, 51, -8, 8);
    const xp = put(x), yp = put(x);
    rt.pool.run('f32_unary', [UnaryOp.Tanh, xp, yp, 0], x.length, { grain: 4 });
    expectClose('tanh pooled', x, read(yp, x.length), Array.from(x, (v) => Math.tanh(v)));
    free(xp, yp);
  });
});
