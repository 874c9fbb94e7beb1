/**
 * Shared harness of the forward-parity tests: one op (or a few nodes) built with our ONNX
 * builder and run by onnxruntime-node, the same inputs through our op, and the worst
 * relative error between the two.
 */
import assert from 'node:assert/strict';
import { onnxGraphBuilder, makeModel, type AttributeInput } from '../../src/io/onnx/index.js';
import { noGrad, scope, Tensor } from '../../src/tensor/index.js';
import { maxRelError, randomFloats } from '../helpers/assert.js';
import { runOrt } from '../helpers/ort.js';

/** The acceptance bound of the parity issue. */
export const PARITY_TOL = 1e-4;

/**
 * Errors are relative to max(|ort|, FLOOR_FRACTION * scale). The scale defaults to the
 * largest |ort|. Products and convolutions pass the largest sum of |terms| instead (the
 * same model on absolute inputs): their outputs cancel to near zero in places, and there
 * both sides carry rounding error of a few ulps of the summands, which grows with the
 * reduction length while the output does not. Relative to a tiny |ort| it would say
 * nothing about the op.
 */
export const FLOOR_FRACTION = 1e-3;

export interface Values {
  data: Float32Array;
  dims: number[];
}

export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Seeded uniform [lo, hi) values of a shape. */
export function random(dims: number[], seed: number, lo = -1, hi = 1): Values {
  return { data: randomFloats(sizeOf(dims), seed, lo, hi), dims };
}

export interface OrtNode {
  op: string;
  /** Input names, in the node's input order; '' leaves an optional input out. */
  inputs: string[];
  attrs?: Record<string, AttributeInput>;
}

/**
 * Runs a chain of nodes in onnxruntime: each node reads graph inputs by name, or '$k' for
 * the output of node k; the last node's output is the graph's. Every named tensor in
 * `feeds` is fed at run time, so nothing is constant-folded away.
 */
export async function runOrtNodes(nodes: OrtNode[], feeds: Record<string, Values>, opset = 17): Promise<Values> {
  const g = onnxGraphBuilder('parity');
  for (const [name, v] of Object.entries(feeds)) g.input(name, v.dims);
  const outs: string[] = [];
  for (const n of nodes) {
    const inputs = n.inputs.map((i) => (i.startsWith('$') ? outs[Number(i.slice(1))]! : i));
    outs.push(g.node(n.op, inputs, n.attrs ?? {})[0]!);
  }
  g.output(outs[outs.length - 1]!);
  const result = await runOrt(makeModel(g.build(), { opset }), feeds);
  const only = Object.values(result)[0]!;
  return { data: only.data, dims: only.dims };
}

/** One node reading the feeds in their insertion order. */
export function runOrtOp(op: string, feeds: Record<string, Values>, attrs: Record<string, AttributeInput> = {}, opset = 17): Promise<Values> {
  return runOrtNodes([{ op, inputs: Object.keys(feeds), attrs }], feeds, opset);
}

/**
 * ONNX SAME_UPPER pads [top, left, bottom, right], written out from the spec rather than
 * taken from our geometry code: out = ceil(in / stride), total padding
 * (out - 1) stride + (k - 1) dilation + 1 - in, the odd one at the end.
 */
export function sameUpperPads(spatial: readonly number[], kernel: readonly number[], stride: readonly number[], dilation: readonly number[]): number[] {
  const begin: number[] = [], end: number[] = [];
  for (let a = 0; a < spatial.length; a++) {
    const size = spatial[a]!, s = stride[a]!;
    const span = (kernel[a]! - 1) * dilation[a]! + 1;
    const total = Math.max(0, (Math.ceil(size / s) - 1) * s + span - size);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}

/** Runs our op on tensors made from `inputs` (in order), freeing everything afterwards. */
export function runOurs(inputs: (Values | null)[], fn: (...ts: (Tensor | null)[]) => Tensor): Values {
  return noGrad(() => scope(() => {
    const ts = inputs.map((v) => (v === null ? null : Tensor.from(v.data, v.dims)));
    const y = fn(...ts);
    return { data: y.toArray(), dims: [...y.shape] };
  }));
}

export function peakOf(values: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < values.length; i++) peak = Math.max(peak, Math.abs(values[i]!));
  return peak;
}

/** The same values, made non-negative: feeds for the run that measures a sum's scale. */
export function absValues(v: Values): Values {
  return { data: v.data.map(Math.abs), dims: v.dims };
}

/** Worst |ours - ort| / max(|ort|, FLOOR_FRACTION * scale); scale defaults to max |ort|. */
export function parityError(ours: Float32Array, ort: Float32Array, scale = peakOf(ort)): number {
  return maxRelError(ours, ort, Math.max(scale * FLOOR_FRACTION, 1e-30));
}

/** Where the worst element is and both values, for a failure message. */
function worstElement(ours: Float32Array, ort: Float32Array, scale: number): string {
  const floor = Math.max(scale * FLOOR_FRACTION, 1e-30);
  let at = 0, worst = -1;
  for (let i = 0; i < ort.length; i++) {
    const e = Math.abs(ours[i]! - ort[i]!) / Math.max(Math.abs(ort[i]!), floor);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  return `element ${at}: ours ${ours[at]}, onnxruntime ${ort[at]}`;
}

export interface CheckOptions {
  /** What the floor is a fraction of; default max |ort|. */
  scale?: number;
  tol?: number;
}

/** Collects the worst error of a family across its cases, and which case it came from. */
export class WorstError {
  value = 0;
  where = '(no cases)';
  /** Worst error with the floor at FLOOR_FRACTION * max |ort| whatever the scale: reported, not asserted. */
  valueOfPeak = 0;
  cases = 0;
  constructor(readonly family: string) {}

  /** Asserts shape and tolerance for one case and remembers its error. */
  check(what: string, ours: Values, ort: Values, { scale, tol = PARITY_TOL }: CheckOptions = {}): number {
    assert.deepEqual(ours.dims, ort.dims, `${this.family} ${what}: our shape [${ours.dims}], onnxruntime's [${ort.dims}]`);
    const s = scale ?? peakOf(ort.data);
    const err = parityError(ours.data, ort.data, s);
    this.cases++;
    if (err > this.value || this.where === '(no cases)') { this.value = err; this.where = what; }
    this.valueOfPeak = Math.max(this.valueOfPeak, parityError(ours.data, ort.data));
    assert.ok(err <= tol, `${this.family} ${what}: relative error ${err.toExponential(2)} > ${tol} at ${worstElement(ours.data, ort.data, s)}`);
    return err;
  }

  summary(): string {
    const where = this.value > 0 ? ` (${this.where})` : '';
    return `${this.family}: ${this.cases} cases, max relative error ${this.value.toExponential(2)}${where}; ` +
      `with the floor at ${FLOOR_FRACTION} x max |output|: ${this.valueOfPeak.toExponential(2)}`;
  }
}
