/**
 * How raw pixels become a model's input (ModelPreprocessing), as stored with the model: in a
 * checkpoint's meta (`preprocessing`; older checkpoints only hold `normalization`, which means
 * NCHW pixels in [0, 1]), in a `.pqm` file, and in ONNX metadata. One place reads, checks and
 * converts it, so every command applies the same rule.
 */
import type { ModelPreprocessing } from './imported-model.js';

/**
 * A stored or given preprocessing that cannot be used: the message names where it came from
 * and the field.
 * @example try { checkPreprocessing(p, 3, 'model.pqck'); } catch (e) { if (e instanceof PreprocessingError) console.error(e.message); }
 */
export class PreprocessingError extends Error {
  override name = 'PreprocessingError';
}

/** The checkpoint (and .pqm) meta key that holds the preprocessing. */
export const PREPROCESSING_META_KEY = 'preprocessing';

/** The ONNX metadata_props key that holds the preprocessing as JSON, written by our ONNX exports and read on import. */
export const ONNX_PREPROCESSING_KEY = 'prunequant.preprocessing';

/** The scale a pixel in [0, 1] is multiplied by before standardizing. */
export function rangeScale(range: ModelPreprocessing['range']): number {
  return range === '0-255' ? 255 : 1;
}

/**
 * Checks a preprocessing for a model with `channels` input channels and returns it with one
 * mean and std per channel (a single value is spread over all of them).
 * @example const p = checkPreprocessing({ layout: 'nchw', range: '0-1', mean: [0.5], std: [0.25] }, 3, 'model.onnx');
 */
export function checkPreprocessing(value: unknown, channels: number, where: string): ModelPreprocessing {
  const fail = (what: string): never => {
    throw new PreprocessingError(`${where}: preprocessing ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`must be an object, got ${JSON.stringify(value)}`);
  const p = value as Record<string, unknown>;
  if (p['layout'] !== 'nchw' && p['layout'] !== 'nhwc') fail(`.layout must be "nchw" or "nhwc", got ${JSON.stringify(p['layout'])}`);
  if (p['range'] !== '0-1' && p['range'] !== '0-255') fail(`.range must be "0-1" or "0-255", got ${JSON.stringify(p['range'])}`);
  const list = (field: 'mean' | 'std'): number[] => {
    const v = p[field];
    const xs = typeof v === 'number' ? [v] : Array.isArray(v) ? v : fail(`.${field} must be a number or a list of numbers, got ${JSON.stringify(v)}`);
    if (!xs.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) fail(`.${field} must hold finite numbers, got ${JSON.stringify(v)}`);
    if (xs.length === 1) return new Array<number>(channels).fill(xs[0]!);
    if (xs.length !== channels) fail(`.${field} has ${xs.length} values; the model's input has ${channels} channel(s) (give one, or one per channel)`);
    return [...xs];
  };
  const mean = list('mean'), std = list('std');
  std.forEach((s, c) => { if (!(s > 0)) fail(`.std[${c}] must be > 0, got ${s}`); });
  return { layout: p['layout'] as ModelPreprocessing['layout'], range: p['range'] as ModelPreprocessing['range'], mean, std };
}

/**
 * The preprocessing a checkpoint's meta records: `meta.preprocessing`, else the older
 * `meta.normalization` (NCHW, pixels in [0, 1]); null when it holds neither.
 */
export function preprocessingFromMeta(meta: Record<string, unknown>, channels: number, where: string): ModelPreprocessing | null {
  const stored = meta[PREPROCESSING_META_KEY];
  if (stored !== undefined) return checkPreprocessing(stored, channels, where);
  const norm = meta['normalization'] as { mean?: unknown; std?: unknown } | undefined;
  if (norm === undefined) return null;
  return checkPreprocessing({ layout: 'nchw', range: '0-1', mean: norm.mean, std: norm.std }, channels, `${where} (meta.normalization)`);
}

/**
 * The per-channel standardization to apply to pixels in [0, 1] (what prunequant's datasets
 * hold) so that they become the model's input: (p · k − mean) / std = (p − mean / k) / (std / k).
 * @example batchSource(test, { normalization: normalizationOf(preprocessing) });
 */
export function normalizationOf(p: ModelPreprocessing): { mean: number[]; std: number[] } {
  const k = rangeScale(p.range);
  return { mean: p.mean.map((m) => m / k), std: p.std.map((s) => s / k) };
}

/** One line for people: 'nchw, pixels 0-1, mean [0.1307], std [0.3081]'. */
export function describePreprocessing(p: ModelPreprocessing | null): string {
  if (p === null) return 'not recorded';
  const nums = (xs: number[]) => `[${xs.map((x) => +x.toPrecision(6)).join(', ')}]`;
  return `${p.layout}, pixels ${p.range}, mean ${nums(p.mean)}, std ${nums(p.std)}`;
}
