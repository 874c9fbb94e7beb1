/**
 * Shared fixtures for the convolution-helper and pooling kernel tests: window geometry
 * sweeps, and a scope that copies arrays into the kernel heap and frees them afterwards.
 */
import { wasm } from '../../src/kernels/index.js';

/** One 2-D window geometry; oh/ow already include the (possibly larger) bottom/right pad. */
export interface Geometry {
  h: number; w: number; kh: number; kw: number; sh: number; sw: number;
  ph: number; pw: number; dh: number; dw: number; oh: number; ow: number;
}

/** Output length of a strided, dilated window over n with pads pBegin and pEnd. */
export function outSize(n: number, k: number, s: number, pBegin: number, pEnd: number, d: number): number {
  return Math.floor((n + pBegin + pEnd - d * (k - 1) - 1) / s) + 1;
}

export function describe(g: Geometry): string {
  return `h${g.h}w${g.w} k${g.kh}x${g.kw} s${g.sh}x${g.sw} p${g.ph}x${g.pw} d${g.dh}x${g.dw} -> ${g.oh}x${g.ow}`;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const KERNELS = [[1, 1], [2, 2], [3, 3], [5, 5], [3, 2], [1, 3], [2, 5]] as const;
const STRIDES = [[1, 1], [2, 2], [3, 3], [1, 2], [2, 1], [1, 3]] as const;
const DILATIONS = [[1, 1], [2, 2], [1, 2]] as const;
// Odd, prime and wide sizes: the wide ones reach the v128 interiors and their tails.
const SIZES = [[7, 9], [13, 5], [16, 16], [11, 29], [6, 24], [5, 37], [3, 3], [28, 28]] as const;

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/**
 * A seeded sample of geometries across kernel 1x1..5x5 (square and not), stride 1-3,
 * pad 0-2 and 'same', asymmetric end pads and dilation 1-2, plus the hot cases the
 * kernels special-case (3x3 stride 1, 2x2 stride 2) at sizes that hit every tail.
 */
export function geometrySweep(count: number, seed: number, opts: { dilation?: boolean } = {}): Geometry[] {
  const r = rng(seed);
  const out: Geometry[] = [];
  const hot: number[][] = [
    // h, w, kh, kw, sh, sw, ph, pw, dh, dw
    [16, 16, 3, 3, 1, 1, 1, 1, 1, 1], [9, 23, 3, 3, 1, 1, 1, 1, 1, 1], [12, 12, 3, 3, 1, 1, 0, 0, 1, 1],
    [15, 31, 3, 3, 2, 2, 1, 1, 1, 1], [28, 28, 2, 2, 2, 2, 0, 0, 1, 1], [24, 24, 2, 2, 2, 2, 0, 0, 1, 1],
    [13, 27, 2, 2, 2, 2, 1, 1, 1, 1], [14, 40, 5, 5, 1, 1, 2, 2, 1, 1], [10, 30, 3, 3, 1, 1, 2, 2, 2, 2],
    [8, 21, 3, 3, 2, 2, 0, 0, 1, 1], [17, 19, 3, 3, 1, 1, 2, 2, 1, 1],
  ];
  for (const [h, w, kh, kw, sh, sw, ph, pw, dh, dw] of hot) {
    if (!opts.dilation && (dh !== 1 || dw !== 1)) continue;
    out.push({ h: h!, w: w!, kh: kh!, kw: kw!, sh: sh!, sw: sw!, ph: ph!, pw: pw!, dh: dh!, dw: dw!,
      oh: outSize(h!, kh!, sh!, ph!, ph!, dh!), ow: outSize(w!, kw!, sw!, pw!, pw!, dw!) });
  }
  while (out.length < count) {
    const [kh, kw] = pick(r, KERNELS);
    const [sh, sw] = pick(r, STRIDES);
    const [dh, dw] = opts.dilation ? pick(r, DILATIONS) : [1, 1];
    const [h, w] = pick(r, SIZES);
    const padOf = (k: number, d: number): number => (r() < 0.25 ? Math.floor(((k - 1) * d) / 2) : Math.floor(r() * 3));
    const ph = padOf(kh, dh), pw = padOf(kw, dw);
    // End pads are implied by oh/ow; sometimes one larger, as 'same' with an even kernel.
    const oh = outSize(h, kh, sh, ph, ph + (r() < 0.3 ? 1 : 0), dh);
    const ow = outSize(w, kw, sw, pw, pw + (r() < 0.3 ? 1 : 0), dw);
    if (oh < 1 || ow < 1) continue;
    out.push({ h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow });
  }
  return out;
}

/** Heap blocks for one test case, all freed by `withHeap` however the case ends. */
export class HeapScope {
  private readonly ptrs: number[] = [];

  f32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4);
    wasm().heap.f32(ptr, data.length).set(data);
    return ptr;
  }

  zeros(n: number): number {
    const ptr = this.alloc(n * 4);
    wasm().heap.f32(ptr, n).fill(0);
    return ptr;
  }

  /** A copy, so the result survives memory growth and the scope's end. */
  read(ptr: number, n: number): Float32Array {
    return wasm().heap.f32(ptr, n).slice();
  }

  readI32(ptr: number, n: number): Int32Array {
    return wasm().heap.i32(ptr, n).slice();
  }

  private alloc(bytes: number): number {
    const ptr = wasm().heap.alloc(Math.max(bytes, 4));
    this.ptrs.push(ptr);
    return ptr;
  }

  free(): void {
    for (const p of this.ptrs) wasm().heap.free(p);
    this.ptrs.length = 0;
  }
}

export function withHeap<T>(fn: (s: HeapScope) => T): T {
  const s = new HeapScope();
  try {
    return fn(s);
  } finally {
    s.free();
  }
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Sum of |a_i b_i|: the scale a dot product's rounding error is measured against. */
export function absDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! * b[i]!);
  return s;
}
