/**
 * Constant values during import and the ops folded on them: the shape arithmetic exporters
 * write (PyTorch's Shape → Gather → Unsqueeze → Concat → Reshape flatten), Constant and
 * ConstantOfShape, and anything else whose inputs are all known. Values are float64 so int64
 * shapes stay exact; the batch size, unknown until run time, is NaN (BATCH).
 */
import type { OnnxTensor } from '../types.js';

export interface Const {
  dims: number[];
  data: Float64Array;
  /** Floating-point element type (else integer or bool). */
  float: boolean;
}

/** The batch dimension inside a folded shape: unknown until run time. */
export const BATCH = Number.NaN;

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export function constOf(t: OnnxTensor): Const | string {
  const float = t.dataType === 'float' || t.dataType === 'double';
  if (t.dataType === 'float16' || t.dataType === 'bfloat16' || t.dataType.startsWith('float8')) return `element type ${t.dataType} is not supported (float32, float64 and integers are)`;
  const src = t.data;
  const data = new Float64Array(src.length);
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) for (let i = 0; i < src.length; i++) data[i] = Number(src[i]!);
  else data.set(src);
  return { dims: [...t.dims], data, float };
}

export function makeConst(dims: number[], values: ArrayLike<number>, float: boolean): Const {
  return { dims, data: Float64Array.from(values), float };
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** NumPy broadcasting of two constants under `f`. */
export function broadcastConst(a: Const, b: Const, f: (x: number, y: number) => number): Const | string {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pa = [...Array(rank - a.dims.length).fill(1), ...a.dims], pb = [...Array(rank - b.dims.length).fill(1), ...b.dims];
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (pa[i] !== pb[i] && pa[i] !== 1 && pb[i] !== 1) return `shapes [${a.dims}] and [${b.dims}] do not broadcast`;
    out.push(pa[i] === 1 ? pb[i]! : pa[i]!);
  }
  const sa = strides(pa).map((s, i) => (pa[i] === 1 ? 0 : s)), sb = strides(pb).map((s, i) => (pb[i] === 1 ? 0 : s));
  const so = strides(out);
  const n = size(out);
  const data = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let ia = 0, ib = 0, rem = k;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(rem / so[d]!);
      rem -= q * so[d]!;
      ia += q * sa[d]!;
      ib += q * sb[d]!;
    }
    data[k] = f(a.data[ia]!, b.data[ib]!);
  }
  return { dims: out, data, float: a.float || b.float };
}

export function transposeConst(a: Const, perm: readonly number[]): Const {
  const dims = perm.map((p) => a.dims[p]!);
  const sa = strides(a.dims), so = strides(dims);
  const data = new Float64Array(a.data.length);
  for (let k = 0; k < data.length; k++) {
    let src = 0, rem = k;
    for (let d = 0; d < dims.length; d++) {
      const q = Math.floor(rem / so[d]!);
      rem -= q * so[d]!;
      src += q * sa[perm[d]!]!;
    }
    data[k] = a.data[src]!;
  }
  return { dims, data, float: a.float };
}

export function gatherConst(a: Const, indices: Const, axis: number): Const | string {
  const ax = axis < 0 ? axis + a.dims.length : axis;
  if (ax < 0 || ax >= a.dims.length) return `axis ${axis} out of range for [${a.dims}]`;
  const outer = size(a.dims.slice(0, ax)), inner = size(a.dims.slice(ax + 1)), len = a.dims[ax]!;
  const idx = Array.from(indices.data, (i) => (i < 0 ? i + len : i));
  if (idx.some((i) => !(i >= 0 && i < len))) return `index out of range for axis of size ${len}`;
  const data = new Float64Array(outer * idx.length * inner);
  let o = 0;
  for (let q = 0; q < outer; q++) for (const i of idx) for (let r = 0; r < inner; r++) data[o++] = a.data[(q * len + i) * inner + r]!;
  return { dims: [...a.dims.slice(0, ax), ...indices.dims, ...a.dims.slice(ax + 1)], data, float: a.float };
}

export function concatConst(parts: readonly Const[], axis: number): Const | string {
  const first = parts[0]!;
  const ax = axis < 0 ? axis + first.dims.length : axis;
  if (parts.some((p) => p.dims.length !== first.dims.length || p.dims.some((d, i) => i !== ax && d !== first.dims[i]))) return 'inputs differ off the concat axis';
  const outer = size(first.dims.slice(0, ax));
  const chunks = parts.map((p) => size(p.dims.slice(ax)));
  const data = new Float64Array(outer * chunks.reduce((a, b) => a + b, 0));
  let o = 0;
  for (let q = 0; q < outer; q++) parts.forEach((p, j) => { data.set(p.data.subarray(q * chunks[j]!, (q + 1) * chunks[j]!), o); o += chunks[j]!; });
  const dims = [...first.dims];
  dims[ax] = parts.reduce((s, p) => s + p.dims[ax]!, 0);
  return { dims, data, float: parts.some((p) => p.float) };
}

export function sliceConst(a: Const, starts: number[], ends: number[], axes: number[], steps: number[]): Const | string {
  let cur = a;
  for (let j = 0; j < axes.length; j++) {
    const ax = axes[j]! < 0 ? axes[j]! + cur.dims.length : axes[j]!;
    const len = cur.dims[ax]!, step = steps[j] ?? 1;
    if (step === 0) return 'slice step 0';
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = starts[j]!, e = ends[j]!;
    if (s < 0) s += len;
    if (e < 0) e += len;
    s = step > 0 ? clamp(s, 0, len) : clamp(s, 0, len - 1);
    e = step > 0 ? clamp(e, 0, len) : clamp(e, -1, len - 1);
    const picks: number[] = [];
    for (let i = s; step > 0 ? i < e : i > e; i += step) picks.push(i);
    const g = gatherConst(cur, makeConst([picks.length], picks, false), ax);
    if (typeof g === 'string') return g;
    cur = g;
  }
  return cur;
}

/** Resolves an ONNX Reshape target (0 copies, −1 infers) for input dims `from`. */
export function reshapeTarget(from: readonly number[], shape: readonly number[], allowZero: boolean): number[] | string {
  const out = shape.map((d, i) => (d === 0 && !allowZero ? from[i]! : d));
  const unknown = out.filter((d) => d === -1).length;
  if (unknown > 1) return `shape [${shape}] has more than one -1`;
  const total = size(from);
  if (unknown === 1) {
    const known = size(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) return `cannot infer -1 in [${shape}] for ${total} elements`;
    out[out.indexOf(-1)] = total / known;
  }
  if (size(out) !== total) return `shape [${shape}] holds ${size(out)} elements, the input [${from}] has ${total}`;
  return out;
}
