import { parallel } from '../../kernels/index.js';
import type { Param } from '../param.js';
import { SlotStore, checkLr, type Optimizer } from './optimizer.js';

export interface SgdOptions {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * SGD with momentum, Nesterov and weight decay, with PyTorch's update rule.
 * @example const opt = new Sgd(model.params(), { momentum: 0.9 }); opt.step(0.01);
 */
export class Sgd implements Optimizer {
  private readonly slots = new SlotStore();
  private steps = 0;

  constructor(private readonly params: readonly Param[], readonly opts: SgdOptions = {}) {
    const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = opts;
    if (!(momentum >= 0)) throw new RangeError(`Sgd: momentum must be >= 0, got ${momentum}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Sgd: weightDecay must be >= 0, got ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new RangeError('Sgd: nesterov needs momentum > 0 and dampening 0');
  }

  step(lr: number): void {
    checkLr(lr, 'Sgd');
    const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = this.opts;
    this.params.forEach((p, i) => {
      const g = p.value.grad;
      if (g === null) return;
      const v = momentum !== 0 ? this.slots.get(i, 'velocity', p.shape).ptr : 0;
      parallel('f32_sgd_step', [p.value.ptr, g.ptr, v, p.mask?.ptr ?? 0, lr, momentum, dampening, weightDecay, nesterov ? 1 : 0, this.steps === 0 ? 1 : 0],
        p.size, { grain: 4, minPerThread: 1 << 16 });
    });
    this.steps++;
  }

  state() {
    return { name: 'sgd', steps: this.steps, tensors: this.slots.snapshot() };
  }

  loadState(state: { steps: number; tensors: Record<string, Float32Array> }): void {
    this.slots.load(state, this.params, 'Sgd', ['velocity']);
    this.steps = state.steps;
  }

  dispose(): void {
    this.slots.dispose();
  }
}
