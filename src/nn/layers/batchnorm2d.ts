import { Tensor, batchNorm, keep } from '../../tensor/index.js';
import { Layer, expectInputs, type ForwardContext, type LayerConfig } from '../layer.js';
import { Param } from '../param.js';

export interface BatchNorm2dConfig {
  channels: number;
  momentum?: number;
  eps?: number;
}

/** Batch normalization over channels; running statistics are buffers. */
export class BatchNorm2d extends Layer {
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  /** Set true to use running statistics even in training (frozen BN, as QAT does late). */
  frozen = false;

  constructor(readonly cfg: BatchNorm2dConfig) {
    super();
    if (!Number.isInteger(cfg.channels) || cfg.channels < 1) throw new RangeError(`BatchNorm2d: channels must be a positive integer, got ${cfg.channels}`);
    this.gamma = new Param(Tensor.full([cfg.channels], 1), 'norm');
    this.beta = new Param(Tensor.zeros([cfg.channels]), 'norm');
    this.runningMean = keep(Tensor.zeros([cfg.channels]));
    this.runningVar = keep(Tensor.full([cfg.channels], 1));
  }

  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    expectInputs(this, inputs, 1);
    return batchNorm(inputs[0]!, this.gamma.forwardValue(), this.beta.forwardValue(), this.runningMean, this.runningVar, {
      training: ctx.training && !this.frozen, momentum: this.cfg.momentum, eps: this.cfg.eps, name: this.name,
    });
  }

  override params(): Record<string, Param> {
    return { gamma: this.gamma, beta: this.beta };
  }

  override buffers(): Record<string, Tensor> {
    return { runningMean: this.runningMean, runningVar: this.runningVar };
  }

  config(): LayerConfig {
    return { type: 'BatchNorm2d', ...this.cfg };
  }
}
