/**
 * What `train` trains on: a built-in dataset, or a folder (--dataset PATH) decoded once into the
 * cache at the shape the model is built for (--input-shape, else the folder's own), with a test
 * split carved from a folder that has none; and the preprocessing stored with the model: the
 * options, else the resumed checkpoint's, else the built-in dataset's; for a folder, the per-channel
 * mean and std not given are computed from the training split.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DATASET_NAMES, DatasetFormatError, datasetPathShape, datasetStats, isDatasetName } from '../../data/index.js';
import { checkPreprocessing, preprocessingFromMeta, PreprocessingError, rangeScale, type ModelPreprocessing } from '../../io/index.js';
import type { LoadedCheckpoint } from '../../nn/index.js';
import { UsageError } from '../args.js';
import { loadCommandData, resolvePreprocessing, type CommandData } from '../model-input.js';

type Chw = [number, number, number];

/** --dataset as the recipe records it: a built-in name, or the folder's absolute path. */
export function datasetKey(value: string): string {
  return isDatasetName(value) ? value : resolve(value);
}

/** Refuses a --dataset that is neither a built-in name nor a folder, before anything is loaded. */
export function checkTrainDataset(value: string): void {
  if (isDatasetName(value)) return;
  if (existsSync(value) && statSync(value).isDirectory()) return;
  throw new UsageError(`train: unknown dataset '${value}'; known datasets: ${DATASET_NAMES.join(', ')}, or a folder (${existsSync(value) ? `${resolve(value)} is not a folder` : `no folder ${resolve(value)}`})`);
}

/** --input-shape C,H,W, checked; undefined when not given. */
export function parseInputShape(raw: unknown): Chw | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',').map((s) => s.trim());
  const xs = parts.map(Number);
  if (xs.length !== 3 || parts.some((p) => p === '') || !xs.every((x) => Number.isSafeInteger(x) && x >= 1 && x <= 4096)) {
    throw new UsageError(`train: --input-shape expects C,H,W (three integers in [1, 4096]), got '${String(raw)}'`);
  }
  if (xs[0] !== 1 && xs[0] !== 3) throw new UsageError(`train: --input-shape: images feed 1 (gray) or 3 (RGB) channels, got ${xs[0]}`);
  return xs as Chw;
}

const withDataset = <T>(call: () => T): T => {
  try {
    return call();
  } catch (e) {
    if (e instanceof DatasetFormatError && !e.message.startsWith('--dataset')) throw new DatasetFormatError(`--dataset ${e.message}`);
    throw e;
  }
};

/**
 * The splits to train and test on. A resumed model keeps its input shape; a folder with no split
 * folders gets its test split carved with `carveSeed`.
 */
export function loadTrainData(dataset: string, opts: { inputShape: Chw | undefined; resumedShape: Chw | undefined; limit: number | undefined; cacheDir: string; carveSeed: number }): CommandData & { shape: Chw } {
  const { inputShape, resumedShape, limit } = opts;
  if (resumedShape && inputShape && inputShape.some((v, i) => v !== resumedShape[i])) {
    throw new UsageError(`train: --resume: the checkpoint's model takes ${resumedShape.join(',')} inputs, this run gives --input-shape ${inputShape.join(',')}; drop --input-shape to continue it`);
  }
  if (isDatasetName(dataset)) {
    if (inputShape) throw new UsageError(`train: --input-shape is for a dataset folder (whose images are resized to it); ${dataset} images are what they are`);
    // A built-in dataset's own shape: the model is built for it (or, resumed, was).
    const data = loadCommandData('train', dataset, resumedShape ?? [1, 28, 28], { limit });
    return { ...data, shape: data.train.shape };
  }
  let shape = resumedShape ?? inputShape;
  if (shape === undefined) {
    try {
      shape = withDataset(() => datasetPathShape(dataset));
    } catch (e) {
      if (e instanceof DatasetFormatError && /images differ in size/.test(e.message)) throw new DatasetFormatError(e.message.replace(/give the input shape/, 'give --input-shape C,H,W'));
      throw e;
    }
  }
  const data = loadCommandData('train', dataset, shape, { limit, cacheDir: opts.cacheDir, carveSeed: opts.carveSeed });
  return { ...data, shape };
}

export type TrainPreprocessingSource = 'options' | 'checkpoint' | 'dataset' | 'computed';

/** The preprocessing the model is trained with, and where it came from. */
export function trainPreprocessing(given: Partial<ModelPreprocessing>, resumed: LoadedCheckpoint | undefined, data: CommandData, channels: number):
  { preprocessing: ModelPreprocessing; source: TrainPreprocessingSource } {
  if (given.layout === 'nhwc') throw new UsageError('train: --layout nhwc: the zoo models train on NCHW input; export with --layout nhwc instead');
  let stored: ModelPreprocessing | null = null;
  if (resumed) {
    try {
      stored = preprocessingFromMeta(resumed.meta, channels, 'train --resume');
    } catch (e) {
      throw e instanceof PreprocessingError ? new UsageError(e.message) : e;
    }
  }
  if (stored !== null && Object.keys(given).length > 0) {
    const merged = resolvePreprocessing('train', given, stored, data.dataset, channels).preprocessing;
    if (JSON.stringify(merged) !== JSON.stringify(stored)) {
      throw new UsageError('train: --resume: the checkpoint was trained with other preprocessing than --layout/--range/--mean/--std give; drop them to continue it');
    }
  }
  if (stored !== null) return { preprocessing: stored, source: 'checkpoint' };
  if (isDatasetName(data.dataset)) {
    const { preprocessing, source } = resolvePreprocessing('train', given, null, data.dataset, channels);
    return { preprocessing, source: source === 'options' ? 'options' : 'dataset' };
  }
  // A folder: the mean and std not given are the training split's own, per channel, at --range.
  const k = rangeScale(given.range ?? '0-1');
  const stats = given.mean !== undefined && given.std !== undefined ? null : datasetStats(data.train);
  const mean = given.mean ?? stats!.mean.map((m) => m * k), std = given.std ?? stats!.std.map((s) => (s > 0 ? s * k : k));
  try {
    return {
      preprocessing: checkPreprocessing({ layout: 'nchw', range: given.range ?? '0-1', mean, std }, channels, 'train'),
      source: stats === null ? 'options' : 'computed',
    };
  } catch (e) {
    throw e instanceof PreprocessingError ? new UsageError(e.message) : e;
  }
}
