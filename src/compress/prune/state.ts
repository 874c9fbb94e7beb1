/**
 * Copies of a model's trainable state (param values, masks, buffers such as BatchNorm
 * running statistics) held in plain JS memory, so a search can try a level, fine-tune,
 * and go back to the last good state exactly.
 */
import { Mask, type Model } from '../../nn/index.js';

export interface ModelState {
  params: Map<string, { values: Float32Array; mask: Uint8Array | null }>;
  buffers: Map<string, Float32Array>;
}

/** A deep copy of every param (with its mask) and buffer. */
export function captureState(model: Model): ModelState {
  const params = new Map<string, { values: Float32Array; mask: Uint8Array | null }>();
  for (const [name, p] of model.namedParams()) params.set(name, { values: p.value.toArray(), mask: p.mask ? p.mask.view().slice() : null });
  const buffers = new Map<string, Float32Array>();
  for (const [name, b] of model.namedBuffers()) buffers.set(name, b.toArray());
  return { params, buffers };
}

/** Puts a captured state back: values, masks (removing masks the state did not have) and buffers. */
export function restoreState(model: Model, state: ModelState): void {
  for (const [name, p] of model.namedParams()) {
    const s = state.params.get(name);
    if (s === undefined) throw new Error(`restoreState: model ${model.name} has param ${name}, the saved state does not`);
    p.assign(s.values);
    p.setMask(s.mask ? new Mask(p.size, s.mask) : null);
  }
  for (const [name, b] of model.namedBuffers()) {
    const s = state.buffers.get(name);
    if (s === undefined) throw new Error(`restoreState: model ${model.name} has buffer ${name}, the saved state does not`);
    b.view().set(s);
  }
}

/** Restores only the named params (cheaper than a whole-model restore in sensitivity sweeps). */
export function restoreParams(model: Model, state: ModelState, names: readonly string[]): void {
  const byName = new Map(model.namedParams());
  for (const name of names) {
    const p = byName.get(name), s = state.params.get(name);
    if (p === undefined || s === undefined) throw new Error(`restoreParams: no param ${name} in model ${model.name} or in the saved state`);
    p.assign(s.values);
    p.setMask(s.mask ? new Mask(p.size, s.mask) : null);
  }
}
