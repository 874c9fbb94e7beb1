/**
 * One emitter per prunequant layer type (the keys of src/nn/layers/registry.ts): each turns a
 * layer into ONNX nodes and initializers and returns its output's per-sample shape, which the
 * next emitter needs ('same' padding and Flatten depend on it). Shapes here leave out the batch.
 */
import {
  Activation, Arithmetic, BatchNorm2d, Concat, Conv2d, Linear, Lrn, Pad, Pool2d, PRelu, Reshape, Softmax, Transpose, type Layer, type Param,
} from '../../nn/index.js';
import { pair, windowGeometry, type Padding, type Tensor } from '../../tensor/index.js';
import { attr, type AttributeInput } from './builder.js';
import { OnnxExportError } from './export-error.js';

/** A value in the graph being built and its shape without the batch dimension. */
export interface ValueRef {
  name: string;
  shape: number[];
}

/** What an emitter may do to the graph; export-model.ts implements it. */
export interface EmitContext {
  /** The model node being exported, for error messages. */
  readonly nodeName: string;
  /** A param as an initializer named '<node>.<key>': its forward value, masked entries exactly 0. */
  param(key: string, p: Param): string;
  /** A non-trained tensor (BatchNorm running statistics) as an initializer named '<node>.<key>'. */
  buffer(key: string, t: Tensor): string;
  /** A float scalar initializer, shared between nodes. */
  scalar(value: number): string;
  /** An int64 vector initializer (shapes, pads) named '<node>.<key>'. */
  ints(key: string, values: readonly number[]): string;
  /** Adds a node. The emitter's last node must pass `last`, so its output carries the model node's value name. */
  node(opType: string, inputs: string[], attrs?: Record<string, AttributeInput>, last?: 'last'): string;
}

/** Emits a layer's nodes; returns its output's per-sample shape. */
export type Emitter = (layer: Layer, inputs: ValueRef[], cx: EmitContext) => number[];

const fail = (cx: EmitContext, detail: string): never => {
  throw new OnnxExportError(cx.nodeName, detail);
};
const show = (v: ValueRef) => `'${v.name}' [${v.shape.join(', ')}]`;

function expectArity(cx: EmitContext, inputs: ValueRef[], count: number | 'many'): void {
  if (count === 'many' ? inputs.length < 2 : inputs.length !== count) {
    fail(cx, `takes ${count === 'many' ? 'at least 2' : count} input(s), got ${inputs.length}`);
  }
}

/** The image input of a conv or pool: one [c, h, w] value. */
function image(cx: EmitContext, inputs: ValueRef[], op: string): [number, number, number] {
  expectArity(cx, inputs, 1);
  const x = inputs[0]!;
  if (x.shape.length !== 3) fail(cx, `${op} needs a [c, h, w] input, got ${show(x)}`);
  return x.shape as [number, number, number];
}

/**
 * ONNX window attributes from our geometry. Pads are explicit [top, left, bottom, right], as
 * windowGeometry computes them, so 'same' padding exports with its extra row or column at the
 * end exactly where our kernels put it, and no auto_pad rule is left for the runtime to apply.
 */
function windowAttrs(cx: EmitContext, op: string, hw: [number, number], kernel: [number, number],
  stride: [number, number], dilation: [number, number], padding: Padding) {
  try {
    const g = windowGeometry(op, hw[0], hw[1], kernel[0], kernel[1], stride, dilation, padding);
    return { g, attrs: { kernel_shape: kernel, strides: stride, pads: [g.ph, g.pw, g.phEnd, g.pwEnd] } };
  } catch (e) {
    return fail(cx, (e as Error).message);
  }
}

function conv(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Conv2d)) return fail(cx, 'config says Conv2d but the layer is not a Conv2d');
  const [c, h, w] = image(cx, inputs, 'Conv');
  const { inChannels, outChannels, groups = 1 } = layer.cfg;
  if (c !== inChannels) fail(cx, `Conv2d expects ${inChannels} input channels, input is ${show(inputs[0]!)}`);
  const kernel = pair(layer.cfg.kernel), dilation = pair(layer.cfg.dilation ?? 1);
  const { g, attrs } = windowAttrs(cx, 'Conv', [h, w], kernel, pair(layer.cfg.stride ?? 1), dilation, layer.cfg.padding ?? 0);
  const ins = [inputs[0]!.name, cx.param('weight', layer.weight)];
  if (layer.bias) ins.push(cx.param('bias', layer.bias));
  cx.node('Conv', ins, { ...attrs, dilations: dilation, group: groups }, 'last');
  return [outChannels, g.oh, g.ow];
}

function gemm(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Linear)) return fail(cx, 'config says Linear but the layer is not a Linear');
  expectArity(cx, inputs, 1);
  const x = inputs[0]!;
  if (x.shape.length !== 1 || x.shape[0] !== layer.cfg.inFeatures) {
    fail(cx, `Linear expects [${layer.cfg.inFeatures}] features per sample, input is ${show(x)}; flatten first`);
  }
  // W is stored [out, in], as Gemm's B with transB = 1 wants it: no transposed copy.
  const ins = [x.name, cx.param('weight', layer.weight)];
  if (layer.bias) ins.push(cx.param('bias', layer.bias));
  cx.node('Gemm', ins, { alpha: attr.float(1), beta: attr.float(1), transA: 0, transB: 1 }, 'last');
  return [layer.cfg.outFeatures];
}

function batchNorm(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof BatchNorm2d)) return fail(cx, 'config says BatchNorm2d but the layer is not a BatchNorm2d');
  expectArity(cx, inputs, 1);
  const x = inputs[0]!;
  if (x.shape[0] !== layer.cfg.channels) fail(cx, `BatchNorm2d has ${layer.cfg.channels} channels, input is ${show(x)}`);
  // Inference form: the running statistics, which our eval-mode forward normalises with.
  const mean = cx.buffer('runningMean', layer.runningMean), variance = cx.buffer('runningVar', layer.runningVar);
  cx.node('BatchNormalization', [x.name, cx.param('gamma', layer.gamma), cx.param('beta', layer.beta), mean, variance],
    { epsilon: attr.float(layer.cfg.eps ?? 1e-5) }, 'last');
  return x.shape;
}

function activation(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Activation)) return fail(cx, 'config says an activation but the layer is not an Activation');
  expectArity(cx, inputs, 1);
  const x = inputs[0]!.name;
  switch (layer.kind) {
    case 'ReLU': cx.node('Relu', [x], {}, 'last'); break;
    // Clip takes its bounds as inputs since opset 11.
    case 'ReLU6': cx.node('Clip', [x, cx.scalar(0), cx.scalar(6)], {}, 'last'); break;
    case 'LeakyReLU': cx.node('LeakyRelu', [x], { alpha: attr.float(layer.slope) }, 'last'); break;
    case 'Sigmoid': cx.node('Sigmoid', [x], {}, 'last'); break;
    case 'Tanh': cx.node('Tanh', [x], {}, 'last'); break;
    // ONNX HardSwish (opset 14) is x * clip(x / 6 + 1/2, 0, 1), our x * relu6(x + 3) / 6.
    case 'HardSwish': cx.node('HardSwish', [x], {}, 'last'); break;
    case 'ELU': cx.node('Elu', [x], { alpha: attr.float(layer.extra.alpha ?? 1) }, 'last'); break;
    case 'SELU': {
      const a: Record<string, AttributeInput> = {};
      if (layer.extra.alpha !== undefined) a['alpha'] = attr.float(layer.extra.alpha);
      if (layer.extra.gamma !== undefined) a['gamma'] = attr.float(layer.extra.gamma);
      cx.node('Selu', [x], a, 'last');
      break;
    }
    case 'Softplus': cx.node('Softplus', [x], {}, 'last'); break;
    case 'HardSigmoid': cx.node('HardSigmoid', [x], { alpha: attr.float(layer.extra.alpha ?? 0.2), beta: attr.float(layer.extra.beta ?? 0.5) }, 'last'); break;
    // An absent bound is an omitted optional input ('').
    case 'Clip': cx.node('Clip', [x, layer.extra.min === undefined ? '' : cx.scalar(layer.extra.min), layer.extra.max === undefined ? '' : cx.scalar(layer.extra.max)], {}, 'last'); break;
    default: fail(cx, `activation kind '${String(layer.kind)}' has no ONNX mapping`);
  }
  return inputs[0]!.shape;
}

/** Options Pool2dOptions accepts beyond Pool2dConfig; the layer passes its whole config through. */
interface PoolExtras { dilation?: number | [number, number]; countIncludePad?: boolean }

function pool(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Pool2d)) return fail(cx, 'config says a pooling layer but the layer is not a Pool2d');
  const [c, h, w] = image(cx, inputs, layer.kind);
  const cfg = layer.cfg as typeof layer.cfg & PoolExtras;
  const kernel = pair(cfg.kernel), dilation = pair(cfg.dilation ?? 1);
  const { g, attrs } = windowAttrs(cx, layer.kind, [h, w], kernel, pair(cfg.stride ?? cfg.kernel), dilation, cfg.padding ?? 0);
  if (layer.kind === 'MaxPool2d') {
    cx.node('MaxPool', [inputs[0]!.name], { ...attrs, dilations: dilation, ceil_mode: 0 }, 'last');
  } else {
    // AveragePool gained dilations only in opset 19; our avgPool2d refuses them anyway.
    if (dilation[0] !== 1 || dilation[1] !== 1) fail(cx, `AvgPool2d with dilation ${dilation.join('x')} has no opset-17 AveragePool`);
    cx.node('AveragePool', [inputs[0]!.name], { ...attrs, ceil_mode: 0, count_include_pad: cfg.countIncludePad ? 1 : 0 }, 'last');
  }
  return [c, g.oh, g.ow];
}

function globalAvgPool(_layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  const [c] = image(cx, inputs, 'GlobalAvgPool');
  cx.node('GlobalAveragePool', [inputs[0]!.name], {}, 'last');
  return [c, 1, 1];
}

function flatten(_layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  expectArity(cx, inputs, 1);
  cx.node('Flatten', [inputs[0]!.name], { axis: 1 }, 'last');
  return [inputs[0]!.shape.reduce((a, b) => a * b, 1)];
}

/** Dropout is the identity at inference, which is the only mode an exported graph runs in. */
function identity(_layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  expectArity(cx, inputs, 1);
  cx.node('Identity', [inputs[0]!.name], {}, 'last');
  return inputs[0]!.shape;
}

/** Our Add broadcasts like numpy over the whole tensor; ONNX Add does too, one pair at a time. */
function add(_layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  expectArity(cx, inputs, 'many');
  let shape = inputs[0]!.shape;
  for (const x of inputs.slice(1)) {
    if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i] && d !== 1 && shape[i] !== 1)) {
      fail(cx, `Add inputs do not broadcast: ${inputs.map(show).join(', ')}`);
    }
    shape = shape.map((d, i) => Math.max(d, x.shape[i]!));
  }
  // Left to right, as our forward sums them, so float rounding happens in the same order.
  let acc = inputs[0]!.name;
  inputs.slice(1).forEach((x, i) => {
    acc = cx.node('Add', [acc, x.name], {}, i === inputs.length - 2 ? 'last' : undefined);
  });
  return shape;
}

function concat(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Concat)) return fail(cx, 'config says Concat but the layer is not a Concat');
  expectArity(cx, inputs, 'many');
  const rank = inputs[0]!.shape.length + 1; // with the batch
  const axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
  if (axis < 1 || axis >= rank) fail(cx, `Concat axis ${layer.axis} must be a non-batch axis of rank-${rank} inputs`);
  const first = inputs[0]!.shape;
  for (const x of inputs) {
    if (x.shape.length !== first.length || x.shape.some((d, i) => i !== axis - 1 && d !== first[i])) {
      fail(cx, `Concat inputs differ off axis ${axis}: ${inputs.map(show).join(', ')}`);
    }
  }
  cx.node('Concat', inputs.map((x) => x.name), { axis }, 'last');
  const shape = [...first];
  shape[axis - 1] = inputs.reduce((s, x) => s + x.shape[axis - 1]!, 0);
  return shape;
}

/** Broadcast of per-sample shapes the way ONNX broadcasts [n, …] tensors; `full` dims include the batch. */
function broadcastSample(cx: EmitContext, a: number[], fullB: readonly number[]): number[] {
  const fa = [1, ...a];
  const rank = Math.max(fa.length, fullB.length);
  const pa = [...Array(rank - fa.length).fill(1), ...fa], pb = [...Array(rank - fullB.length).fill(1), ...fullB];
  return pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) fail(cx, `shapes [${a}] and [${fullB}] do not broadcast`);
    return Math.max(d, pb[i]!);
  }).slice(rank - fa.length + 1);
}

function arithmetic(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Arithmetic)) return fail(cx, 'config says Arithmetic but the layer is not an Arithmetic');
  if (layer.constant === null) {
    expectArity(cx, inputs, 2);
    cx.node(layer.op, [inputs[0]!.name, inputs[1]!.name], {}, 'last');
    return broadcastSample(cx, inputs[0]!.shape, [1, ...inputs[1]!.shape]);
  }
  expectArity(cx, inputs, 1);
  const c = cx.buffer('constant', layer.constant);
  const x = inputs[0]!.name;
  cx.node(layer.op, layer.constantFirst ? [c, x] : [x, c], {}, 'last');
  return broadcastSample(cx, inputs[0]!.shape, layer.constant.shape);
}

function prelu(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof PRelu)) return fail(cx, 'config says PRelu but the layer is not a PRelu');
  expectArity(cx, inputs, 1);
  cx.node('PRelu', [inputs[0]!.name, cx.param('slope', layer.slope)], {}, 'last');
  return inputs[0]!.shape;
}

function reshape(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Reshape)) return fail(cx, 'config says Reshape but the layer is not a Reshape');
  expectArity(cx, inputs, 1);
  const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
  if (size(layer.shape) !== size(inputs[0]!.shape)) fail(cx, `Reshape to [${layer.shape}] does not fit ${show(inputs[0]!)}`);
  // 0 copies the batch size, whatever it is at run time.
  cx.node('Reshape', [inputs[0]!.name, cx.ints('shape', [0, ...layer.shape])], {}, 'last');
  return [...layer.shape];
}

function transpose(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Transpose)) return fail(cx, 'config says Transpose but the layer is not a Transpose');
  expectArity(cx, inputs, 1);
  const full = [1, ...inputs[0]!.shape];
  if (layer.perm.length !== full.length) fail(cx, `perm [${layer.perm}] does not fit ${show(inputs[0]!)}`);
  cx.node('Transpose', [inputs[0]!.name], { perm: layer.perm }, 'last');
  return layer.perm.slice(1).map((p) => full[p]!);
}

function padLayer(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Pad)) return fail(cx, 'config says Pad but the layer is not a Pad');
  expectArity(cx, inputs, 1);
  const full = [1, ...inputs[0]!.shape];
  const r = full.length;
  if (layer.pads.length !== 2 * r) fail(cx, `pads [${layer.pads}] do not fit ${show(inputs[0]!)}`);
  cx.node('Pad', [inputs[0]!.name, cx.ints('pads', layer.pads), cx.scalar(layer.value)], { mode: 'constant' }, 'last');
  return full.map((d, i) => d + layer.pads[i]! + layer.pads[r + i]!).slice(1);
}

function softmax(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Softmax)) return fail(cx, 'config says Softmax but the layer is not a Softmax');
  expectArity(cx, inputs, 1);
  const x = inputs[0]!;
  const rank = x.shape.length + 1;
  const axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
  const op = layer.log ? 'LogSoftmax' : 'Softmax';
  if (!layer.coerce2d || axis === rank - 1) {
    cx.node(op, [x.name], { axis }, 'last');
  } else {
    // Opset-13 Softmax is per axis; the older rule normalises [∏ before axis, ∏ from axis] rows.
    if (axis < 1) fail(cx, 'Softmax over the batch axis cannot be exported');
    const flat = cx.node('Flatten', [x.name], { axis });
    const sm = cx.node(op, [flat], { axis: 1 });
    cx.node('Reshape', [sm, cx.ints('shape', [-1, ...x.shape])], {}, 'last');
  }
  return x.shape;
}

function lrn(layer: Layer, inputs: ValueRef[], cx: EmitContext): number[] {
  if (!(layer instanceof Lrn)) return fail(cx, 'config says LRN but the layer is not an Lrn');
  image(cx, inputs, 'LRN');
  const c = layer.cfg;
  cx.node('LRN', [inputs[0]!.name], { size: c.size, alpha: attr.float(c.alpha ?? 1e-4), beta: attr.float(c.beta ?? 0.75), bias: attr.float(c.bias ?? 1) }, 'last');
  return inputs[0]!.shape;
}

/** Keyed by LayerConfig.type, as layerFromConfig is. */
export const EMITTERS: Readonly<Record<string, Emitter>> = {
  Conv2d: conv,
  Linear: gemm,
  BatchNorm2d: batchNorm,
  ReLU: activation, ReLU6: activation, LeakyReLU: activation, Sigmoid: activation, Tanh: activation, HardSwish: activation,
  ELU: activation, SELU: activation, Softplus: activation, HardSigmoid: activation, Clip: activation,
  PRelu: prelu,
  Arithmetic: arithmetic,
  Reshape: reshape,
  Transpose: transpose,
  Pad: padLayer,
  Softmax: softmax,
  LRN: lrn,
  MaxPool2d: pool,
  AvgPool2d: pool,
  GlobalAvgPool: globalAvgPool,
  Flatten: flatten,
  Dropout: identity,
  Add: add,
  Concat: concat,
};
