import { unary, type Tensor } from '../../tensor/index.js';
import { Layer, expectInputs, type LayerConfig } from '../layer.js';

const KINDS = { ReLU: 'Relu', ReLU6: 'Relu6', LeakyReLU: 'LeakyRelu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', HardSwish: 'HardSwish' } as const;
export type ActivationKind = keyof typeof KINDS;

/** One layer for every pointwise activation; `slope` is LeakyReLU's negative slope. */
export class Activation extends Layer {
  constructor(readonly kind: ActivationKind, readonly slope = 0.01) {
    super();
    if (!(kind in KINDS)) throw new RangeError(`Activation: unknown kind '${kind}'; known: ${Object.keys(KINDS).join(', ')}`);
  }

  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return unary(KINDS[this.kind], inputs[0]!, this.kind === 'LeakyReLU' ? this.slope : 0);
  }

  config(): LayerConfig {
    return this.kind === 'LeakyReLU' ? { type: this.kind, slope: this.slope } : { type: this.kind };
  }
}
