/**
 * Optimizers update params in place from their `.grad`, through the fused update kernels.
 * A param's mask is passed to the kernel, which writes exactly 0 to the masked weight and
 * to its optimizer state, so pruned weights stay pruned through every step.
 */
import { Tensor, keep } from '../../tensor/index.js';
import type { Param } from '../param.js';

export interface Optimizer {
  /** Applies one update with learning rate `lr` to every param that has a gradient. */
  step(lr: number): void;
  /** Optimizer state for checkpoints, by param index. */
  state(): { name: string; steps: number; tensors: Record<string, Float32Array> };
  loadState(state: { steps: number; tensors: Record<string, Float32Array> }): void;
  dispose(): void;
}

/** Per-param state tensors, created on first use, kept out of memory scopes. */
export class SlotStore {
  private readonly slots = new Map<string, Tensor>();
  get(param: number, slot: string, shape: readonly number[]): Tensor {
    const key = `${param}.${slot}`;
    let t = this.slots.get(key);
    if (t === undefined) {
      t = keep(Tensor.zeros(shape));
      this.slots.set(key, t);
    }
    return t;
  }
  entries(): [string, Tensor][] {
    return [...this.slots.entries()];
  }
  /** Copies of every slot, keyed '<param index>.<slot>', for checkpoints. */
  snapshot(): Record<string, Float32Array> {
    return Object.fromEntries([...this.slots.entries()].map(([k, t]) => [k, t.toArray()]));
  }
  /**
   * Restores a snapshot. Everything is checked before anything is written, so a state saved
   * for another model (other param count or shapes) is refused whole, naming the param.
   */
  load(state: { steps: number; tensors: Record<string, Float32Array> }, params: readonly Param[], where: string, slotNames: readonly string[]): void {
    if (!(Number.isSafeInteger(state.steps) && state.steps >= 0)) throw new RangeError(`${where}.loadState: steps must be an integer >= 0, got ${state.steps}`);
    const entries = Object.entries(state.tensors).map(([key, data]) => {
      const match = /^(\d+)\.(\w+)$/.exec(key);
      if (match === null) throw new RangeError(`${where}.loadState: state key '${key}' is not '<param index>.<slot>'`);
      const index = Number(match[1]), slot = match[2]!;
      if (!slotNames.includes(slot)) throw new RangeError(`${where}.loadState: state key '${key}' names slot '${slot}'; ${where} keeps ${slotNames.join(', ')}`);
      const p = params[index];
      if (p === undefined) throw new RangeError(`${where}.loadState: state key '${key}' names param ${index}, the optimizer has ${params.length} params`);
      if (data.length !== p.size) {
        throw new RangeError(`${where}.loadState: ${slot} of param ${index} has ${data.length} values, the param [${p.shape.join(', ')}] has ${p.size}`);
      }
      return { index, slot, data, p };
    });
    for (const { index, slot, data, p } of entries) this.get(index, slot, p.shape).view().set(data);
  }
  dispose(): void {
    for (const t of this.slots.values()) t.dispose();
    this.slots.clear();
  }
}

export function checkLr(lr: number, where: string): void {
  if (!(Number.isFinite(lr) && lr >= 0)) throw new RangeError(`${where}: learning rate must be a finite number >= 0, got ${lr}`);
}
