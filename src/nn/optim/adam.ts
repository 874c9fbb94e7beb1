import { parallel } from '../../kernels/index.js';
import type { Param } from '../param.js';
import { SlotStore, checkLr, type Optimizer } from './optimizer.js';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of adding wd·w to the gradient. */
  decoupled?: boolean;
}

/**
 * Adam, or AdamW with `decoupled: true`, with PyTorch's update rules.
 * @example const opt = new Adam(model.params(), { decoupled: true, weightDecay: 0.01 });
 */
export class Adam implements Optimizer {
  private readonly slots = new SlotStore();
  private steps = 0;

  constructor(private readonly params: readonly Param[], readonly opts: AdamOptions = {}) {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = opts;
    for (const [k, v] of [['beta1', beta1], ['beta2', beta2]] as const) {
      if (!(v >= 0 && v < 1)) throw new RangeError(`Adam: ${k} must be in [0, 1), got ${v}`);
    }
    if (!(eps > 0)) throw new RangeError(`Adam: eps must be > 0, got ${eps}`);
    if (!(opts.weightDecay === undefined || opts.weightDecay >= 0)) throw new RangeError(`Adam: weightDecay must be >= 0, got ${opts.weightDecay}`);
  }

  step(lr: number): void {
    checkLr(lr, 'Adam');
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decoupled = false } = this.opts;
    const t = this.steps + 1;
    const bias1 = 1 - beta1 ** t, bias2 = 1 - beta2 ** t;
    this.params.forEach((p, i) => {
      const g = p.value.grad;
      if (g === null) return;
      const m = this.slots.get(i, 'm', p.shape), v = this.slots.get(i, 'v', p.shape);
      parallel('f32_adam_step', [p.value.ptr, g.ptr, m.ptr, v.ptr, p.mask?.ptr ?? 0, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, bias1, bias2],
        p.size, { grain: 4, minPerThread: 1 << 16 });
    });
    this.steps = t;
  }

  state() {
    return { name: this.opts.decoupled ? 'adamw' : 'adam', steps: this.steps, tensors: this.slots.snapshot() };
  }

  loadState(state: { steps: number; tensors: Record<string, Float32Array> }): void {
    this.slots.load(state, this.params, 'Adam', ['m', 'v']);
    this.steps = state.steps;
  }

  dispose(): void {
    this.slots.dispose();
  }
}
