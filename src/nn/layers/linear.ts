import { createRng, linear, type Tensor } from '../../tensor/index.js';
import { initBias, initWeight, type InitScheme } from '../init.js';
import { Layer, expectInputs, type LayerConfig } from '../layer.js';
import { Param } from '../param.js';

export interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  seed?: number;
  /** Weight init: 'torch' (default) or 'glorot' (Keras). */
  init?: InitScheme;
}

/** y = x Wᵀ + b with W [out, in]. @example new Linear({ inFeatures: 9216, outFeatures: 128 }) */
export class Linear extends Layer {
  readonly weight: Param;
  readonly bias: Param | null;

  constructor(readonly cfg: LinearConfig) {
    super();
    for (const [k, v] of [['inFeatures', cfg.inFeatures], ['outFeatures', cfg.outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Linear: ${k} must be a positive integer, got ${v}`);
    }
    const rng = createRng(cfg.seed ?? 0);
    const scheme = cfg.init ?? 'torch';
    this.weight = new Param(initWeight([cfg.outFeatures, cfg.inFeatures], cfg.inFeatures, cfg.outFeatures, scheme, rng), 'weight');
    this.bias = cfg.bias === false ? null : new Param(initBias(cfg.outFeatures, cfg.inFeatures, scheme, rng), 'bias');
  }

  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    const x = inputs[0]!;
    if (x.rank !== 2 || x.shape[1] !== this.cfg.inFeatures) {
      throw new Error(`Linear (${this.name || 'unnamed'}): input [${x.shape.join(', ')}] does not have ${this.cfg.inFeatures} features; flatten first or fix inFeatures`);
    }
    return linear(x, this.weight.forwardValue(), this.bias?.forwardValue() ?? null);
  }

  override params(): Record<string, Param> {
    return this.bias ? { weight: this.weight, bias: this.bias } : { weight: this.weight };
  }

  config(): LayerConfig {
    return { type: 'Linear', ...this.cfg };
  }
}
