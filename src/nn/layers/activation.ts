import { clip, elu, hardSigmoid, selu, softplus, unary, type Tensor } from '../../tensor/index.js';
import { Layer, expectInputs, type LayerConfig } from '../layer.js';

const KINDS = { ReLU: 'Relu', ReLU6: 'Relu6', LeakyReLU: 'LeakyRelu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', HardSwish: 'HardSwish' } as const;
/** Activations imported ONNX graphs bring, each with its parameters (ONNX's names and defaults). */
const COMPOSED = {
  ELU: (x: Tensor, p: ActivationParams) => elu(x, p.alpha ?? 1),
  SELU: (x: Tensor, p: ActivationParams) => selu(x, p.alpha, p.gamma),
  Softplus: (x: Tensor) => softplus(x),
  HardSigmoid: (x: Tensor, p: ActivationParams) => hardSigmoid(x, p.alpha ?? 0.2, p.beta ?? 0.5),
  Clip: (x: Tensor, p: ActivationParams) => clip(x, p.min ?? -Infinity, p.max ?? Infinity),
} as const;
export type ActivationKind = keyof typeof KINDS | keyof typeof COMPOSED;
export const ACTIVATION_KINDS = [...Object.keys(KINDS), ...Object.keys(COMPOSED)] as ActivationKind[];

/** ELU/SELU/HardSigmoid alpha, SELU gamma, HardSigmoid beta, Clip bounds (absent: unbounded). */
export interface ActivationParams {
  alpha?: number;
  beta?: number;
  gamma?: number;
  min?: number;
  max?: number;
}

/** One layer for every pointwise activation; `slope` is LeakyReLU's negative slope. */
export class Activation extends Layer {
  constructor(readonly kind: ActivationKind, readonly slope = 0.01, readonly extra: ActivationParams = {}) {
    super();
    if (!ACTIVATION_KINDS.includes(kind)) throw new RangeError(`Activation: unknown kind '${kind}'; known: ${ACTIVATION_KINDS.join(', ')}`);
    if (kind === 'Clip' && (extra.min ?? -Infinity) > (extra.max ?? Infinity)) {
      throw new RangeError(`Activation Clip: min ${extra.min} is above max ${extra.max}`);
    }
  }

  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    const x = inputs[0]!;
    if (this.kind in COMPOSED) return COMPOSED[this.kind as keyof typeof COMPOSED](x, this.extra);
    return unary(KINDS[this.kind as keyof typeof KINDS], x, this.kind === 'LeakyReLU' ? this.slope : 0);
  }

  config(): LayerConfig {
    if (this.kind === 'LeakyReLU') return { type: this.kind, slope: this.slope };
    // JSON has no Infinity: an absent Clip bound means unbounded.
    const extra = Object.fromEntries(Object.entries(this.extra).filter(([, v]) => v !== undefined && Number.isFinite(v)));
    return { type: this.kind, ...extra };
  }
}
