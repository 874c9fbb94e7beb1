import { conv2d, createRng, type Padding, type Tensor } from '../../tensor/index.js';
import { initBias, initWeight, type InitScheme } from '../init.js';
import { Layer, expectInputs, type LayerConfig } from '../layer.js';
import { Param } from '../param.js';

export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  kernel: number | [number, number];
  stride?: number | [number, number];
  padding?: Padding;
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  seed?: number;
  /** Weight init: 'torch' (default) or 'glorot' (Keras). */
  init?: InitScheme;
}

/** @example new Conv2d({ inChannels: 1, outChannels: 32, kernel: 3 }) */
export class Conv2d extends Layer {
  readonly weight: Param;
  readonly bias: Param | null;

  constructor(readonly cfg: Conv2dConfig) {
    super();
    const { inChannels, outChannels, groups = 1 } = cfg;
    for (const [k, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Conv2d: ${k} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    const [kh, kw] = typeof cfg.kernel === 'number' ? [cfg.kernel, cfg.kernel] : cfg.kernel;
    const fanIn = (inChannels / groups) * kh * kw;
    const rng = createRng(cfg.seed ?? 0);
    const scheme = cfg.init ?? 'torch';
    this.weight = new Param(initWeight([outChannels, inChannels / groups, kh, kw], fanIn, (outChannels / groups) * kh * kw, scheme, rng), 'weight');
    this.bias = cfg.bias === false ? null : new Param(initBias(outChannels, fanIn, scheme, rng), 'bias');
  }

  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    const { stride, padding, dilation, groups } = this.cfg;
    return conv2d(inputs[0]!, this.weight.forwardValue(), this.bias?.forwardValue() ?? null, { stride, padding, dilation, groups, name: this.name });
  }

  override params(): Record<string, Param> {
    return this.bias ? { weight: this.weight, bias: this.bias } : { weight: this.weight };
  }

  config(): LayerConfig {
    return { type: 'Conv2d', ...this.cfg };
  }
}
