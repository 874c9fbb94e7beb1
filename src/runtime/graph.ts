/**
 * The deployable model as plain data: what a `.pqm` file holds and what a Session runs. It
 * knows nothing of training: layers are ops with attributes, params are weight tensors in
 * their stored form (float or integer codes, dense or sparse), and the preprocessing says how
 * raw pixels become the model's input.
 */
import { FormatError } from './errors.js';

export type ActivationKind = 'ReLU' | 'ReLU6' | 'LeakyReLU' | 'Sigmoid' | 'Tanh' | 'HardSwish';
export const ACTIVATION_KINDS: readonly ActivationKind[] = ['ReLU', 'ReLU6', 'LeakyReLU', 'Sigmoid', 'Tanh', 'HardSwish'];

/** Padding as [top, left, bottom, right]. */
export type Pads = [number, number, number, number];

/** Integer codes of a weight: real = (code − zeroPoint[ch]) · scale[ch]. */
export interface WeightQuant {
  /** Bits per code, in [2, 16]. */
  bits: number;
  qmin: number;
  qmax: number;
  /** One per output channel (axis 0), or one for the tensor. */
  scales: Float32Array;
  zeroPoints: Int32Array;
}

/**
 * A weight tensor in sparse-or-dense form. `indices` lists the flat positions of the stored
 * entries in increasing order (null: every position is stored). Positions not listed are exact
 * zeros. Values are float (`values`) or integer codes (`codes`, with `quant`).
 */
export interface WeightTensor {
  shape: number[];
  indices: Uint32Array | null;
  values: Float32Array | null;
  codes: Int32Array | null;
  quant: WeightQuant | null;
}

const int8Verdicts = new WeakMap<WeightTensor, boolean>();

/**
 * Whether a weight's codes are what the int8 kernels take: zero point 0 and every code in
 * [−128, 127]. The codes decide, not `qmax`: a `.pqm` keeps qmin and the bit width, so the
 * narrow symmetric 8-bit range [−127, 127] reads back as qmax = qmin + 255 = 128 although no
 * code is above 127 (checking qmax kept every 8-bit model read from a file off the integer
 * kernels).
 */
export function hasInt8Codes(w: WeightTensor): boolean {
  const q = w.quant;
  if (q === null || w.codes === null || q.bits > 8 || !q.zeroPoints.every((z) => z === 0)) return false;
  let fits = int8Verdicts.get(w);
  if (fits === undefined) {
    fits = true;
    for (const c of w.codes) {
      if (c < -128 || c > 127) {
        fits = false;
        break;
      }
    }
    int8Verdicts.set(w, fits);
  }
  return fits;
}

/** How an activation is quantized at a node's output: real = (q − zeroPoint) · scale. */
export interface ActivationQuant {
  dtype: 'uint8' | 'int8';
  scale: number;
  zeroPoint: number;
}

interface NodeBase {
  name: string;
  /** Value indices: 0 is the model input, i + 1 is the output of node i. */
  inputs: number[];
  /** Set where the model was trained with activation quantization. */
  outputQuant: ActivationQuant | null;
}

export interface ConvNode extends NodeBase {
  op: 'Conv2d';
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  pads: Pads;
  groups: number;
  weight: WeightTensor;
  bias: Float32Array | null;
}

export interface LinearNode extends NodeBase {
  op: 'Linear';
  outFeatures: number;
  weight: WeightTensor;
  bias: Float32Array | null;
}

/** Inference batch norm, stored folded into y = x · scale[c] + shift[c]. */
export interface BatchNormNode extends NodeBase {
  op: 'BatchNorm2d';
  scale: Float32Array;
  shift: Float32Array;
}

export interface ActivationNode extends NodeBase {
  op: 'Activation';
  kind: ActivationKind;
  /** LeakyReLU's slope; 0 for the others. */
  alpha: number;
}

export interface PoolNode extends NodeBase {
  op: 'MaxPool2d' | 'AvgPool2d';
  kernel: [number, number];
  stride: [number, number];
  pads: Pads;
  /** AvgPool2d: divide by the whole window, padding included. */
  countIncludePad: boolean;
}

export interface PlainNode extends NodeBase {
  op: 'GlobalAvgPool' | 'Flatten' | 'Add' | 'Concat';
}

export type GraphNode = ConvNode | LinearNode | BatchNormNode | ActivationNode | PoolNode | PlainNode;
export type OpType = GraphNode['op'];

/**
 * How raw input becomes the model's input: x' = (x − mean[c]) / std[c], on pixels in `range`.
 * `layout` is the order callers give samples in: 'nhwc' inputs are [n, h, w, c] and the session
 * reorders them to the graph's NCHW.
 */
export interface Preprocessing {
  layout: 'nchw' | 'nhwc';
  range: '0-1' | '0-255';
  mean: number[];
  std: number[];
}

export interface DeployModel {
  /** [c, h, w] of one sample. */
  inputShape: [number, number, number];
  preprocessing: Preprocessing;
  /** How the (preprocessed) input is quantized, when the model quantizes activations. */
  inputQuant: ActivationQuant | null;
  nodes: GraphNode[];
  /** Free-form provenance (producer, source file); never read by the runtime. */
  meta: Record<string, unknown>;
}

/** [c, h, w] per sample; a flattened value is [features, 1, 1]. */
export type Chw = [number, number, number];

/** Output size of a window op along one axis, or a non-positive number when it does not fit. */
export function windowOut(size: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number): number {
  return Math.floor((size + padBegin + padEnd - (kernel - 1) * dilation - 1) / stride) + 1;
}

/**
 * Every node's output shape, checking attributes and input shapes on the way: the one pass
 * that makes a decoded graph safe to plan. `where(i)` names node i in messages.
 */
export function inferShapes(model: Pick<DeployModel, 'inputShape' | 'nodes'>, where: (i: number) => string): Chw[] {
  const shapes: Chw[] = [model.inputShape];
  model.nodes.forEach((node, i) => {
    const fail = (what: string): never => {
      throw new FormatError(`${where(i)}: ${what}`);
    };
    const ins = node.inputs.map((v) => {
      if (!(Number.isInteger(v) && v >= 0 && v <= i)) fail(`reads value ${v}, which is not the input or an earlier node`);
      return shapes[v]!;
    });
    const one = (): Chw => {
      if (ins.length !== 1) fail(`${node.op} takes 1 input, got ${ins.length}`);
      return ins[0]!;
    };
    let out: Chw;
    switch (node.op) {
      case 'Conv2d': {
        const [c, h, w] = one();
        const [kh, kw] = node.kernel, [sh, sw] = node.stride, [dh, dw] = node.dilation, [pt, pl, pb, pr] = node.pads;
        if (!(node.groups >= 1 && c % node.groups === 0 && node.outChannels % node.groups === 0)) fail(`groups ${node.groups} must divide input channels ${c} and output channels ${node.outChannels}`);
        const oh = windowOut(h, kh, sh, dh, pt, pb), ow = windowOut(w, kw, sw, dw, pl, pr);
        if (oh < 1 || ow < 1) fail(`a ${kh}x${kw} window does not fit a ${h}x${w} input`);
        expectShape(node.weight.shape, [node.outChannels, c / node.groups, kh, kw], `${where(i)}, weight`);
        if (node.bias && node.bias.length !== node.outChannels) fail(`bias has ${node.bias.length} values for ${node.outChannels} channels`);
        out = [node.outChannels, oh, ow];
        break;
      }
      case 'Linear': {
        const [c, h, w] = one();
        if (h !== 1 || w !== 1) fail(`input is [${c}, ${h}, ${w}]; flatten it first`);
        expectShape(node.weight.shape, [node.outFeatures, c], `${where(i)}, weight`);
        if (node.bias && node.bias.length !== node.outFeatures) fail(`bias has ${node.bias.length} values for ${node.outFeatures} outputs`);
        out = [node.outFeatures, 1, 1];
        break;
      }
      case 'BatchNorm2d': {
        const s = one();
        if (node.scale.length !== s[0] || node.shift.length !== s[0]) fail(`has ${node.scale.length} scales and ${node.shift.length} shifts for ${s[0]} channels`);
        out = s;
        break;
      }
      case 'Activation':
        out = one();
        break;
      case 'MaxPool2d':
      case 'AvgPool2d': {
        const [c, h, w] = one();
        const [kh, kw] = node.kernel, [sh, sw] = node.stride, [pt, pl, pb, pr] = node.pads;
        if (pt >= kh || pb >= kh || pl >= kw || pr >= kw) fail(`padding [${node.pads.join(', ')}] must be smaller than the ${kh}x${kw} window`);
        const oh = windowOut(h, kh, sh, 1, pt, pb), ow = windowOut(w, kw, sw, 1, pl, pr);
        if (oh < 1 || ow < 1) fail(`a ${kh}x${kw} window does not fit a ${h}x${w} input`);
        out = [c, oh, ow];
        break;
      }
      case 'GlobalAvgPool':
        out = [one()[0], 1, 1];
        break;
      case 'Flatten': {
        const [c, h, w] = one();
        out = [c * h * w, 1, 1];
        break;
      }
      case 'Add': {
        if (ins.length < 2) fail(`Add takes at least 2 inputs, got ${ins.length}`);
        const s = ins[0]!;
        for (const t of ins) if (t.join() !== s.join()) fail(`adds [${s.join(', ')}] and [${t.join(', ')}]`);
        out = s;
        break;
      }
      case 'Concat': {
        if (ins.length < 2) fail(`Concat takes at least 2 inputs, got ${ins.length}`);
        const [, h, w] = ins[0]!;
        for (const t of ins) if (t[1] !== h || t[2] !== w) fail(`concatenates [${ins[0]!.join(', ')}] and [${t.join(', ')}] along channels`);
        out = [ins.reduce((s, t) => s + t[0], 0), h, w];
        break;
      }
    }
    shapes.push(out);
  });
  return shapes;
}

function expectShape(actual: readonly number[], expected: readonly number[], where: string): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new FormatError(`${where}: shape [${actual.join(', ')}], the node needs [${expected.join(', ')}]`);
  }
}

/** The float value of every position of a weight (decoding codes); for dense kernels and tests. */
export function denseWeight(t: WeightTensor): Float32Array {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const vals = weightValues(t);
  if (t.indices === null) out.set(vals);
  else for (let i = 0; i < t.indices.length; i++) out[t.indices[i]!] = vals[i]!;
  return out;
}

/** The float values of the stored entries, in `indices` order. */
export function weightValues(t: WeightTensor): Float32Array {
  if (t.values !== null) return t.values;
  const q = t.quant!, codes = t.codes!;
  const size = t.shape.reduce((a, b) => a * b, 1);
  const channels = q.scales.length, inner = channels === 0 ? 0 : size / channels;
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const ch = channels === 1 ? 0 : Math.floor((t.indices ? t.indices[i]! : i) / inner);
    // Math.fround of the product matches the float32 (code − zp) · scale the trainer computes.
    out[i] = Math.fround((codes[i]! - q.zeroPoints[ch]!) * q.scales[ch]!);
  }
  return out;
}

/** Number of stored entries that are not zero, and the total, for explain and reports. */
export function weightDensity(t: WeightTensor): { nonzero: number; size: number } {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const vals = weightValues(t);
  let nonzero = 0;
  for (let i = 0; i < vals.length; i++) if (vals[i] !== 0) nonzero++;
  return { nonzero, size };
}
