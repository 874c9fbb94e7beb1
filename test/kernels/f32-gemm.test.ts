// f32 GEMM: the blocked SIMD GEMM against its scalar twin and a float64 TypeScript
// reference, over every transpose, alpha/beta, padded strides and ragged shapes.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { randomFloats } from '../helpers/assert.js';

type Trans = 0 | 1;
interface Case {
  tA: Trans; tB: Trans; m: number; n: number; k: number;
  alpha: number; beta: number; lda: number; ldb: number; ldc: number; nanC?: boolean;
}
interface Operands { a: Float32Array; b: Float32Array; c: Float32Array }

const F32_EPS = 2 ** -23;

function operands(t: Case, seed: number): Operands {
  const aLen = (t.tA === 0 ? t.m : t.k) * t.lda;
  const bLen = (t.tB === 0 ? t.k : t.n) * t.ldb;
  const c = t.nanC ? new Float32Array(t.m * t.ldc).fill(NaN) : randomFloats(t.m * t.ldc, seed + 2);
  return { a: randomFloats(Math.max(aLen, 1), seed), b: randomFloats(Math.max(bLen, 1), seed + 1), c };
}

/** float64 reference plus, per element, a bound on float32 rounding error (grows with k). */
function reference(t: Case, o: Operands): { ref: Float64Array; tol: Float64Array } {
  const ref = new Float64Array(o.c);
  const tol = new Float64Array(o.c.length);
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.n; j++) {
      let acc = 0, mag = 0;
      for (let p = 0; p < t.k; p++) {
        const a = o.a[t.tA === 0 ? i * t.lda + p : p * t.lda + i]!;
        const b = o.b[t.tB === 0 ? p * t.ldb + j : j * t.ldb + p]!;
        acc += a * b;
        mag += Math.abs(a * b);
      }
      const idx = i * t.ldc + j;
      const old = o.c[idx]!;
      ref[idx] = t.alpha * acc + (t.beta === 0 ? 0 : t.beta * old);
      const scale = Math.abs(t.alpha) * mag + (t.beta === 0 ? 0 : Math.abs(t.beta * old));
      tol[idx] = 2 * (t.k + 3) * F32_EPS * scale + 1e-30;
    }
  }
  return { ref, tol };
}

/** Runs a GEMM-shaped export over fresh copies of the operands; returns C as it came back. */
function run(name: string, t: Case, o: Operands, range?: [number, number]): Float32Array {
  const { kernels, heap } = wasm();
  const aPtr = heap.alloc(o.a.length * 4), bPtr = heap.alloc(o.b.length * 4);
  const cPtr = heap.alloc(o.c.length * 4), sPtr = heap.alloc(kernels.f32_gemm_scratch_bytes!());
  try {
    heap.f32(aPtr, o.a.length).set(o.a);
    heap.f32(bPtr, o.b.length).set(o.b);
    heap.f32(cPtr, o.c.length).set(o.c);
    const args = [t.tA, t.tB, t.m, t.n, t.k, t.alpha, aPtr, t.lda, bPtr, t.ldb, t.beta, cPtr, t.ldc];
    if (range) kernels[name]!(...args, range[0], range[1], sPtr);
    else kernels[name]!(...args, sPtr);
    return heap.f32(cPtr, o.c.length).slice();
  } finally {
    for (const p of [aPtr, bPtr, cPtr, sPtr]) heap.free(p);
  }
}

function label(t: Case): string {
  return `tA=${t.tA} tB=${t.tB} m=${t.m} n=${t.n} k=${t.k} alpha=${t.alpha} beta=${t.beta} ` +
    `lda=${t.lda} ldb=${t.ldb} ldc=${t.ldc}${t.nanC ? ' (NaN C)' : ''}`;
}

/** Checks C against the reference inside rows x cols, and that everything else is untouched. */
function check(what: string, t: Case, o: Operands, got: Float32Array, rows = [0, t.m], cols = [0, t.n]): void {
  const { ref, tol } = reference(t, o);
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.ldc; j++) {
      const idx = i * t.ldc + j;
      const inside = i >= rows[0]! && i < rows[1]! && j >= cols[0]! && j < cols[1]! && j < t.n;
      const g = got[idx]!;
      if (inside) {
        if (!(Math.abs(g - ref[idx]!) <= tol[idx]!)) {
          assert.fail(`${what} ${label(t)}: C[${i},${j}] = ${g}, reference ${ref[idx]} (tol ${tol[idx]})`);
        }
      } else if (!Object.is(g, o.c[idx]!)) {
        assert.fail(`${what} ${label(t)}: C[${i},${j}] outside the written block changed from ${o.c[idx]} to ${g}`);
      }
    }
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [4, 8, 4], [5, 9, 17], [31, 7, 64], [67, 130, 300], [6, 784, 25], [3, 5, 2], [8, 16, 257],
];

function cases(): Case[] {
  const out: Case[] = [];
  let s = 0;
  for (const [m, n, k] of SHAPES) {
    for (const tA of [0, 1] as const) {
      for (const tB of [0, 1] as const) {
        const pad = s++ % 2 === 0 ? 0 : 3;
        const base = { tA, tB, m, n, k, lda: (tA === 0 ? k : m) + pad, ldb: (tB === 0 ? n : k) + pad, ldc: n + pad };
        out.push({ ...base, alpha: 1, beta: 0, nanC: true });
        out.push({ ...base, alpha: 1, beta: 1 });
        out.push({ ...base, alpha: -0.5, beta: 0.25 });
      }
    }
  }
  return out;
}

describe('f32_gemm', () => {
  it('f32_gemm and f32_gemm__scalar agree with a float64 reference', () => {
    cases().forEach((t, i) => {
      const o = operands(t, 100 + i);
      check('f32_gemm', t, o, run('f32_gemm', t, o));
      check('f32_gemm__scalar', t, o, run('f32_gemm__scalar', t, o));
    });
  });

  it('k = 0 and alpha = 0 scale C by beta only', () => {
    for (const [k, alpha] of [[0, 1], [9, 0]] as const) {
      for (const beta of [0, 0.5]) {
        const t: Case = { tA: 0, tB: 0, m: 5, n: 9, k, alpha, beta, lda: Math.max(k, 1), ldb: 9, ldc: 9, nanC: beta === 0 };
        const o = operands(t, 7);
        check('f32_gemm', t, o, run('f32_gemm', t, o));
      }
    }
  });

  it('crosses the KC, MC and NC block edges', () => {
    for (const [m, n, k] of [[130, 520, 515], [129, 9, 513]] as const) {
      for (const tB of [0, 1] as const) {
        const t: Case = { tA: 1, tB, m, n, k, alpha: 1, beta: 0.5, lda: m, ldb: tB === 0 ? n : k, ldc: n };
        const o = operands(t, 11);
        check('f32_gemm', t, o, run('f32_gemm', t, o));
      }
    }
  });

  it('f32_gemm_rows and f32_gemm_cols write only their sub-range', () => {
    const [m, n, k] = [67, 130, 300];
    for (const tA of [0, 1] as const) {
      for (const tB of [0, 1] as const) {
        const t: Case = { tA, tB, m, n, k, alpha: 1.5, beta: 0, lda: tA === 0 ? k : m, ldb: tB === 0 ? n : k, ldc: n + 2, nanC: true };
        const o = operands(t, 21 + tA * 2 + tB);
        for (const [s, e] of [[0, 4], [5, 37], [60, 67]] as const) {
          check('f32_gemm_rows', t, o, run('f32_gemm_rows', t, o, [s, e]), [s, e]);
        }
        for (const [s, e] of [[0, 8], [3, 90], [121, 130]] as const) {
          check('f32_gemm_cols', t, o, run('f32_gemm_cols', t, o, [s, e]), [0, m], [s, e]);
        }
      }
    }
  });

  it('f32_gemm_5x8__simd128 matches its scalar twin on packed panels', () => {
    const { kernels, heap } = wasm();
    for (const kc of [1, 2, 3, 17, 256]) {
      for (const accumulate of [0, 1]) {
        const a = randomFloats(kc * 5, kc), b = randomFloats(kc * 8, kc + 1);
        const c0 = randomFloats(5 * 11, kc + 2);
        if (accumulate === 0) c0.fill(NaN);
        const aPtr = heap.alloc(a.length * 4), bPtr = heap.alloc(b.length * 4), cPtr = heap.alloc(c0.length * 4);
        try {
          heap.f32(aPtr, a.length).set(a);
          heap.f32(bPtr, b.length).set(b);
          const out: Float32Array[] = [];
          for (const name of ['f32_gemm_5x8__simd128', 'f32_gemm_5x8__scalar']) {
            heap.f32(cPtr, c0.length).set(c0);
            kernels[name]!(kc, aPtr, bPtr, cPtr, 11, accumulate);
            out.push(heap.f32(cPtr, c0.length).slice());
          }
          for (let i = 0; i < c0.length; i++) {
            const [simd, scalar] = [out[0]![i]!, out[1]![i]!];
            if (i % 11 >= 8) {
              assert.ok(Object.is(simd, c0[i]!), `5x8 tile kc=${kc}: [${i}] past the tile's 8 columns was written`);
              continue;
            }
            const tol = 2 * (kc + 3) * F32_EPS * (kc + 1);
            assert.ok(Math.abs(simd - scalar) <= tol,
              `5x8 tile kc=${kc} accumulate=${accumulate}: [${i}] simd ${simd}, scalar ${scalar} (tol ${tol})`);
          }
        } finally {
          for (const p of [aPtr, bPtr, cPtr]) heap.free(p);
        }
      }
    }
  });
});

describe('f32_gemm on the thread pool', () => {
  before(() => setThreads(2));

  for (const [name, split, grain] of [['f32_gemm_rows', 'm', 4], ['f32_gemm_cols', 'n', 8]] as const) {
    it(`${name} over two threads matches the reference`, () => {
      const { kernels, heap, pool } = wasm();
      for (const tA of [0, 1] as const) {
        for (const tB of [0, 1] as const) {
          const [m, n, k] = [67, 130, 300];
          const t: Case = { tA, tB, m, n, k, alpha: 1, beta: 0.5, lda: tA === 0 ? k : m, ldb: tB === 0 ? n : k, ldc: n };
          const o = operands(t, 31 + tA * 2 + tB);
          const bytes = kernels.f32_gemm_scratch_bytes!();
          const scratchPtrs = [heap.alloc(bytes), heap.alloc(bytes)];
          const aPtr = heap.alloc(o.a.length * 4), bPtr = heap.alloc(o.b.length * 4), cPtr = heap.alloc(o.c.length * 4);
          try {
            heap.f32(aPtr, o.a.length).set(o.a);
            heap.f32(bPtr, o.b.length).set(o.b);
            heap.f32(cPtr, o.c.length).set(o.c);
            const args = [tA, tB, m, n, k, t.alpha, aPtr, t.lda, bPtr, t.ldb, t.beta, cPtr, t.ldc];
            pool.run(name, args, split === 'm' ? m : n, { grain, scratchPtrs });
            check(`${name} (pool)`, t, o, heap.f32(cPtr, o.c.length).slice());
          } finally {
            for (const p of [aPtr, bPtr, cPtr, ...scratchPtrs]) heap.free(p);
          }
        }
      }
    });
  }
});
