/** Rebuilds a layer from its config: the inverse of Layer.config(), used by checkpoints. */
import type { Layer, LayerConfig } from '../layer.js';
import { Activation, type ActivationKind } from './activation.js';
import { BatchNorm2d, type BatchNorm2dConfig } from './batchnorm2d.js';
import { Conv2d, type Conv2dConfig } from './conv2d.js';
import { Linear, type LinearConfig } from './linear.js';
import { GlobalAvgPool, Pool2d, type Pool2dConfig } from './pooling.js';
import { Add, Concat, Dropout, Flatten } from './shape.js';

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
};
for (const kind of ['ReLU', 'ReLU6', 'LeakyReLU', 'Sigmoid', 'Tanh', 'HardSwish'] as const) {
  builders[kind] = (c) => new Activation(kind as ActivationKind, typeof c['slope'] === 'number' ? c['slope'] : 0.01);
}

export function layerFromConfig(config: LayerConfig, where = 'layer'): Layer {
  const build = builders[config.type];
  if (build === undefined) {
    throw new Error(`${where}: unknown layer type '${config.type}'; known: ${Object.keys(builders).join(', ')}`);
  }
  return build(config);
}
