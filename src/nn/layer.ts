/**
 * The layer contract. A layer maps input tensors to one output, holds named params and
 * buffers (non-trained state such as BatchNorm running statistics), and serializes to a
 * plain config from which `layerFromConfig` rebuilds it.
 */
import type { Tensor } from '../tensor/index.js';
import type { Param } from './param.js';

export interface LayerConfig {
  type: string;
  name?: string;
  [key: string]: unknown;
}

export interface ForwardContext {
  training: boolean;
  /** Draws for dropout; seeded by the training loop. */
  rng: { next(): number };
}

export abstract class Layer {
  /** Set by the owning model: a path such as 'features.3' used in error messages. */
  name = '';

  abstract forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor;

  /** Trainable params by local name. */
  params(): Record<string, Param> {
    return {};
  }

  /** Non-trained state saved in checkpoints (running statistics). */
  buffers(): Record<string, Tensor> {
    return {};
  }

  abstract config(): LayerConfig;

  /** Frees params and buffers. */
  dispose(): void {
    for (const p of Object.values(this.params())) p.dispose();
    for (const b of Object.values(this.buffers())) b.dispose();
  }
}

/** Checks a layer got the number of inputs it takes. */
export function expectInputs(layer: Layer, inputs: readonly Tensor[], count: number | 'many'): void {
  if (count === 'many' ? inputs.length < 2 : inputs.length !== count) {
    throw new Error(`${layer.config().type} (${layer.name || 'unnamed'}): expected ${count === 'many' ? 'at least 2' : count} input(s), got ${inputs.length}`);
  }
}
