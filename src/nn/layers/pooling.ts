import { avgPool2d, globalAvgPool2d, maxPool2d, type Padding, type Tensor } from '../../tensor/index.js';
import { Layer, expectInputs, type LayerConfig } from '../layer.js';

export interface Pool2dConfig {
  kernel: number | [number, number];
  stride?: number | [number, number];
  padding?: Padding;
}

/** Max or average pooling, one class with the kind as a parameter. */
export class Pool2d extends Layer {
  constructor(readonly kind: 'MaxPool2d' | 'AvgPool2d', readonly cfg: Pool2dConfig) {
    super();
  }

  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    const opts = { ...this.cfg, name: this.name };
    return this.kind === 'MaxPool2d' ? maxPool2d(inputs[0]!, opts) : avgPool2d(inputs[0]!, opts);
  }

  config(): LayerConfig {
    return { type: this.kind, ...this.cfg };
  }
}

export class GlobalAvgPool extends Layer {
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return globalAvgPool2d(inputs[0]!);
  }

  config(): LayerConfig {
    return { type: 'GlobalAvgPool' };
  }
}
