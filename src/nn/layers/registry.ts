/** Rebuilds a layer from its config: the inverse of Layer.config(), used by checkpoints. */
import type { Layer, LayerConfig } from '../layer.js';
import { ACTIVATION_KINDS, Activation, type ActivationParams } from './activation.js';
import { BatchNorm2d, type BatchNorm2dConfig } from './batchnorm2d.js';
import { Conv2d, type Conv2dConfig } from './conv2d.js';
import { Linear, type LinearConfig } from './linear.js';
import { GlobalAvgPool, Pool2d, type Pool2dConfig } from './pooling.js';
import { Add, Concat, Dropout, Flatten } from './shape.js';
import { Arithmetic, Lrn, Pad, PRelu, Reshape, Softmax, Transpose, type ArithmeticOp, type LrnConfig } from './graph-ops.js';

const numbers = (v: unknown, what: string): number[] => {
  if (!Array.isArray(v) || v.some((d) => typeof d !== 'number')) throw new RangeError(`${what} must be an array of numbers, got ${JSON.stringify(v)}`);
  return v as number[];
};

const builders: Record<string, (c: LayerConfig) => Layer> = {
  Conv2d: (c) => new Conv2d(c as unknown as Conv2dConfig),
  Linear: (c) => new Linear(c as unknown as LinearConfig),
  BatchNorm2d: (c) => new BatchNorm2d(c as unknown as BatchNorm2dConfig),
  MaxPool2d: (c) => new Pool2d('MaxPool2d', c as unknown as Pool2dConfig),
  AvgPool2d: (c) => new Pool2d('AvgPool2d', c as unknown as Pool2dConfig),
  GlobalAvgPool: () => new GlobalAvgPool(),
  Flatten: () => new Flatten(),
  Dropout: (c) => new Dropout(Number(c['p'])),
  Add: () => new Add(),
  Concat: (c) => new Concat(typeof c['axis'] === 'number' ? c['axis'] : 1),
  PRelu: (c) => new PRelu(numbers(c['slopeShape'], 'PRelu slopeShape')),
  Arithmetic: (c) => new Arithmetic(c['op'] as ArithmeticOp, c['constantShape'] == null ? null : numbers(c['constantShape'], 'Arithmetic constantShape'), c['constantFirst'] === true),
  Reshape: (c) => new Reshape(numbers(c['shape'], 'Reshape shape')),
  Transpose: (c) => new Transpose(numbers(c['perm'], 'Transpose perm')),
  Pad: (c) => new Pad(numbers(c['pads'], 'Pad pads'), typeof c['value'] === 'number' ? c['value'] : 0),
  Softmax: (c) => new Softmax(Number(c['axis']), c['log'] === true, c['coerce2d'] === true),
  LRN: (c) => new Lrn(c as unknown as LrnConfig),
};
for (const kind of ACTIVATION_KINDS) {
  builders[kind] = (c) => {
    const extra: ActivationParams = {};
    for (const k of ['alpha', 'beta', 'gamma', 'min', 'max'] as const) if (typeof c[k] === 'number') extra[k] = c[k];
    return new Activation(kind, typeof c['slope'] === 'number' ? c['slope'] : 0.01, extra);
  };
}

export function layerFromConfig(config: LayerConfig, where = 'layer'): Layer {
  const build = builders[config.type];
  if (build === undefined) {
    throw new Error(`${where}: unknown layer type '${config.type}'; known: ${Object.keys(builders).join(', ')}`);
  }
  return build(config);
}
