/**
 * The trained model a study starts from when the config names a file: a prunequant checkpoint
 * (.pqck), an ONNX model or a TF.js Layers model.json, each read through loadAnyModel.
 * - A .pqck brings the recipe it was trained with (meta.recipe); an imported model has none, so
 *   the config's recipe (or the default one) fine-tunes it.
 * - Each brings the preprocessing it records, if any, as the data normalization (pixels in [0, 1]).
 * - Its identity in trial ids is a SHA-256 that covers every file its weights come from.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { QUANT_META_KEY } from '../compress/index.js';
import { loadAnyModel, modelFormatOf, normalizationOf, type LoadedModel } from '../io/index.js';
import type { Model } from '../nn/index.js';
import { Tensor, noGrad, scope } from '../tensor/index.js';
import type { DataConfig } from './config.js';
import { StudyConfigError } from './errors.js';
import { canonicalJson } from './hash.js';

/**
 * The given model as a trainable float model. A quantized checkpoint is loaded as its float
 * weights here; loadStudyConfig refuses it before a study starts.
 */
export function loadBaseModel(path: string): LoadedModel {
  return loadAnyModel(path, { restoreQuantization: false });
}

/**
 * The SHA-256 that identifies a given model in trial ids. A .pqck is one file, hashed as it is;
 * an ONNX model's external data and a TF.js model's weight shards are other files, so for those
 * the loaded graph and weights are hashed after the file itself.
 * @example const sha256 = baseModelSha256('examples/models/pytorch-lenet5.onnx');
 */
export function baseModelSha256(path: string): string {
  const h = createHash('sha256').update(readFileSync(path));
  if (modelFormatOf(path) === 'pqck') return h.digest('hex');
  const { model } = loadBaseModel(path);
  try {
    h.update(canonicalJson(model.config()));
    for (const [name, t] of [...model.namedParams().map(([n, p]) => [n, p.value] as const), ...model.namedBuffers()]) {
      h.update(`${name}:${t.shape.join('x')}`);
      h.update(new Uint8Array(t.toArray().buffer));
    }
  } finally {
    model.dispose();
  }
  return h.digest('hex');
}

/** One value when every channel has the same one (so a 1-channel record reads like the config). */
function compact(xs: number[]): number | number[] {
  return xs.every((x) => x === xs[0]) ? xs[0]! : xs;
}

/**
 * What a given model brings to the config, as fields under the defaults and over nothing the
 * user wrote: a checkpoint's stored recipe and dataset, and the recorded preprocessing as
 * `data.normalization`. Refuses a quantized checkpoint. Errors name `source` and the field.
 */
export function baseModelDefaults(path: string, source: string): Record<string, unknown> {
  let loaded: LoadedModel;
  try {
    loaded = loadBaseModel(path);
  } catch (e) {
    throw new StudyConfigError(`${source}: model: ${(e as Error).message}`, 'model');
  }
  const { model, meta, preprocessing, format } = loaded;
  model.dispose();
  if (meta[QUANT_META_KEY] !== undefined) {
    throw new StudyConfigError(`${source}: model: ${path} is quantized; a study starts from a float model (it prunes and quantizes it itself)`, 'model');
  }
  const data: Record<string, unknown> = {};
  if (preprocessing !== null) {
    const n = normalizationOf(preprocessing);
    data['normalization'] = { mean: compact(n.mean), std: compact(n.std) };
  }
  const recipe: Record<string, unknown> = {};
  if (format === 'pqck') {
    const r = (meta['recipe'] ?? {}) as Record<string, unknown>;
    const schedule = (r['schedule'] ?? {}) as Record<string, unknown>;
    const copy = (from: unknown, key: string) => { if (from !== undefined && from !== null) recipe[key] = from; };
    for (const k of ['lr', 'epochs', 'batchSize', 'optimizer', 'momentum', 'nesterov', 'weightDecay', 'labelSmoothing', 'shift']) copy(r[k], k);
    copy(schedule['kind'], 'schedule');
    copy(schedule['warmupEpochs'], 'warmupEpochs');
    copy(schedule['stepEpochs'], 'stepEpochs');
    if (typeof r['dataset'] === 'string') data['dataset'] = r['dataset'];
  }
  return { recipe, ...(Object.keys(data).length > 0 ? { data } : {}) };
}

/**
 * Refuses, before anything trains, a base model (named `name` in messages) that cannot take the
 * study's data: its input shape, its number of outputs, or a per-channel normalization of another
 * channel count.
 */
export function checkBaseModel(model: Model, name: string, dataset: { name: string; shape: readonly [number, number, number]; classes: number }, normalization: DataConfig['normalization']): void {
  const fail = (what: string) => { throw new StudyConfigError(`model: ${name}: ${what}`, 'model'); };
  const [c, h, w] = dataset.shape;
  if (model.inputShape.some((v, i) => v !== dataset.shape[i])) {
    fail(`the model takes ${model.inputShape.join('×')} inputs, ${dataset.name} images are ${c}×${h}×${w}`);
  }
  const outputs = scope(() => noGrad(() => model.forward(Tensor.zeros([1, c, h, w]), { training: false }).shape));
  if (outputs.length !== 2 || outputs[1] !== dataset.classes) {
    fail(`the model's output is ${outputs.join('×')} per batch of 1; ${dataset.name} has ${dataset.classes} classes, so a study needs 1×${dataset.classes} logits`);
  }
  if (normalization !== 'dataset') {
    for (const field of ['mean', 'std'] as const) {
      const v = normalization[field];
      if (Array.isArray(v) && v.length !== c) {
        throw new StudyConfigError(`data.normalization.${field}: ${v.length} values for ${c}-channel ${dataset.name} images; give one, or one per channel`, `data.normalization.${field}`);
      }
    }
  }
}
