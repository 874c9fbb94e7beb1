/**
 * Shared references for the 8-bit kernel tests (test/kernels/qu8-*.test.ts): a seeded
 * generator, the epilogue twice (float32-emulated, which the kernels must match bit for bit,
 * and plain float64 math, which they must match within one code), random sparse and dense
 * int8 weights, and a heap scope that frees what a case allocated.
 */
import assert from 'node:assert/strict';
import { wasm } from '../../src/kernels/index.js';

export const OUT_U8 = 0;
export const OUT_F32 = 1;
export type OutKind = typeof OUT_U8 | typeof OUT_F32;

/** Deterministic uniform [0, 1) numbers from a seed (LCG; plenty for test data). */
export function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Integer in [lo, hi] inclusive. */
export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Round half to even, as f32.nearest and ONNX QuantizeLinear do. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const fr = Math.fround;

/**
 * The kernels' epilogue in float32 arithmetic: fround after every operation reproduces
 * wasm's f32 convert, multiply and add exactly (float64 carries more than twice float32's
 * precision, so rounding twice cannot differ from rounding once).
 */
export function finishF32(acc: number, mult: number, off: number, lo: number, hi: number, kind: OutKind): number {
  [lo, hi] = bounds(lo, hi, kind);
  let v = fr(fr(fr(acc) * fr(mult)) + fr(off));
  v = v < fr(lo) ? fr(lo) : v;
  v = fr(hi) < v ? fr(hi) : v;
  return kind === OUT_U8 ? roundHalfEven(v) : v;
}

/** The clamp bounds the kernels apply: for uint8 outputs limited to [0, 255]. */
function bounds(lo: number, hi: number, kind: OutKind): [number, number] {
  return kind === OUT_U8 ? [Math.min(255, Math.max(0, lo)), Math.min(255, Math.max(0, hi))] : [lo, hi];
}

/** The same formula in float64 throughout: the kernels may differ from it by one code on near-ties. */
export function finishF64(acc: number, mult: number, off: number, lo: number, hi: number, kind: OutKind): number {
  [lo, hi] = bounds(lo, hi, kind);
  const v = Math.min(hi, Math.max(lo, acc * mult + off));
  return kind === OUT_U8 ? roundHalfEven(v) : v;
}

/**
 * Checks got against the float32-emulated reference exactly and against the float64 one
 * within one code (u8) or a relative 1e-6 (f32). idx maps an output index to its
 * position in got; pass what to name the case.
 */
export function expectEpilogue(
  what: string, got: ArrayLike<number>, accs: ArrayLike<number>, at: (i: number) => number,
  params: (i: number) => { mult: number; off: number }, lo: number, hi: number, kind: OutKind,
): void {
  for (let i = 0; i < accs.length; i++) {
    const { mult, off } = params(i);
    const g = got[at(i)]!;
    const want = finishF32(accs[i]!, mult, off, lo, hi, kind);
    if (g !== want) {
      assert.fail(`${what}: output ${i} (acc ${accs[i]}) = ${g}, float32 reference ${want}`);
    }
    const exact = finishF64(accs[i]!, mult, off, lo, hi, kind);
    const tol = kind === OUT_U8 ? 1 : 1e-6 * Math.max(1, Math.abs(exact));
    if (Math.abs(g - exact) > tol) {
      assert.fail(`${what}: output ${i} (acc ${accs[i]}) = ${g}, float64 reference ${exact} (tol ${tol})`);
    }
  }
}

/** Random int8 codes with the given bit width (symmetric: [-(2^(b-1)-1), 2^(b-1)-1]), zeros allowed. */
export function randomCodes(n: number, bits: number, r: () => number): Int8Array {
  const q = 2 ** (bits - 1) - 1;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = randInt(r, -q, q);
  return out;
}

export function randomBytes(n: number, r: () => number, lo = 0, hi = 255): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = randInt(r, lo, hi);
  return out;
}

/** CSR over rows x k: a weight survives with probability 1 - sparsity; listed rows are emptied. */
export interface Csr { rowPtr: Int32Array; cols: Int32Array; values: Int8Array; rowSum: Int32Array }

export function randomCsr(rows: number, k: number, sparsity: number, bits: number, r: () => number, emptyRows: number[] = []): Csr {
  const q = 2 ** (bits - 1) - 1;
  const rowPtr = new Int32Array(rows + 1);
  const cols: number[] = [], values: number[] = [];
  const rowSum = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    if (!emptyRows.includes(i)) {
      for (let j = 0; j < k; j++) {
        if (r() < sparsity) continue;
        let v = randInt(r, -q, q);
        if (v === 0) v = 1; // a stored zero is legal but wasteful; keep codes nonzero
        cols.push(j);
        values.push(v);
        rowSum[i] = rowSum[i]! + v;
      }
    }
    rowPtr[i + 1] = cols.length;
  }
  return { rowPtr, cols: Int32Array.from(cols), values: Int8Array.from(values), rowSum };
}

/** Heap blocks for one case, freed by `withQu8Heap` however the case ends. */
export class Qu8Heap {
  private readonly ptrs: number[] = [];

  alloc(bytes: number): number {
    const ptr = wasm().heap.alloc(Math.max(bytes, 16));
    this.ptrs.push(ptr);
    return ptr;
  }

  /** Copies bytes in, with `slack` more readable bytes after them (filled with 0xA5). */
  bytes(data: Uint8Array | Int8Array, slack = 64): number {
    const ptr = this.alloc(data.length + slack);
    const view = wasm().heap.u8(ptr, data.length + slack);
    view.fill(0xa5);
    view.set(new Uint8Array(data.buffer, data.byteOffset, data.length));
    return ptr;
  }

  i32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4);
    wasm().heap.i32(ptr, data.length).set(data);
    return ptr;
  }

  f32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4);
    wasm().heap.f32(ptr, data.length).set(data);
    return ptr;
  }

  readU8(ptr: number, n: number): Uint8Array {
    return wasm().heap.u8(ptr, n).slice();
  }

  readF32(ptr: number, n: number): Float32Array {
    return wasm().heap.f32(ptr, n).slice();
  }

  readI32(ptr: number, n: number): Int32Array {
    return wasm().heap.i32(ptr, n).slice();
  }

  free(): void {
    for (const p of this.ptrs) wasm().heap.free(p);
    this.ptrs.length = 0;
  }
}

export function withQu8Heap<T>(fn: (h: Qu8Heap) => T): T {
  const h = new Qu8Heap();
  try {
    return fn(h);
  } finally {
    h.free();
  }
}

/** Output buffer of n elements of the kind, prefilled with a sentinel so stray writes show. */
export function outputBuffer(h: Qu8Heap, n: number, kind: OutKind): { ptr: number; read: () => ArrayLike<number>; sentinel: number } {
  if (kind === OUT_U8) {
    const ptr = h.alloc(n);
    wasm().heap.u8(ptr, n).fill(0x5a);
    return { ptr, read: () => h.readU8(ptr, n), sentinel: 0x5a };
  }
  const ptr = h.alloc(n * 4);
  wasm().heap.f32(ptr, n).fill(-12345.5);
  return { ptr, read: () => h.readF32(ptr, n), sentinel: -12345.5 };
}

/** Asserts that two kernels' outputs are identical element for element. */
export function expectSame(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  assert.equal(a.length, b.length, `${what}: lengths ${a.length} and ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}
