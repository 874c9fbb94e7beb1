/**
 * What every command that takes a model shares: the model in any format (loadAnyModel), the
 * dataset (a built-in name or a folder, brought to the model's input), and the preprocessing
 * that turns the dataset's pixels into the model's input — from the options, else what the model
 * records, else the built-in dataset's standardization — which is then stored with what the
 * command writes, so later commands need not be told again.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DATASET_NAMES, DATASET_NORMALIZATION, DatasetFormatError, isDatasetName, loadDataset, loadDatasetPath, type Dataset } from '../data/index.js';
import {
  checkModelFile, checkPreprocessing, loadAnyModel, modelFormatOf, normalizationOf, PreprocessingError, PREPROCESSING_META_KEY,
  type LoadedModel, type LoadModelOptions, type ModelPreprocessing,
} from '../io/index.js';
import { UsageError, type OptionSpec } from './args.js';

export const MODEL_FILES = '.pqck, .onnx or TF.js model.json';

/** --dataset for commands that take a model. */
export const DATASET_OPTION: OptionSpec = {
  type: 'string',
  help: `${DATASET_NAMES.join(', ')}, or a folder: class subfolders of PNG/JPEG images (or train/ val/ test/ above them), CIFAR-10/100 binary, or IDX files (default: the dataset the model was trained on)`,
};

/** How raw pixels become the model's input; stored with the model once given. */
export const PREPROCESSING_OPTIONS: Record<string, OptionSpec> = {
  cache: { type: 'string', help: "folder to keep a dataset folder's decoded images in, reused while its files are unchanged" },
  layout: { type: 'string', help: "nchw or nhwc: the order of the model's own input tensor (default: what the model records, else nchw)" },
  range: { type: 'string', help: 'pixel range the model expects before standardizing: 0-1 or 0-255 (default: what the model records, else 0-1)' },
  mean: { type: 'string', help: 'subtracted after scaling to --range: one number or one per channel, comma-separated (default: recorded, else the dataset\'s)' },
  std: { type: 'string', help: 'divided by after subtracting --mean: one number or one per channel (default: recorded, else the dataset\'s)' },
};

type Given = Partial<ModelPreprocessing>;

function numberList(command: string, name: string, raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const xs = parts.map(Number);
  if (parts.some((p) => p === '') || xs.some((x) => !Number.isFinite(x))) throw new UsageError(`${command}: --${name} expects a number or comma-separated numbers, got '${raw}'`);
  if (name === 'std' && xs.some((x) => !(x > 0))) throw new UsageError(`${command}: --std values must be > 0, got '${raw}'`);
  return xs;
}

/** The preprocessing options given on the command line, checked before any work. */
export function parsePreprocessingOptions(command: string, o: Record<string, unknown>, rangeOption = 'range'): Given {
  const given: Given = {};
  if (o['layout'] !== undefined) {
    if (o['layout'] !== 'nchw' && o['layout'] !== 'nhwc') throw new UsageError(`${command}: --layout must be nchw or nhwc, got '${String(o['layout'])}'`);
    given.layout = o['layout'];
  }
  const range = o[rangeOption];
  if (range !== undefined) {
    if (range !== '0-1' && range !== '0-255') throw new UsageError(`${command}: --${rangeOption} must be 0-1 or 0-255, got '${String(range)}'`);
    given.range = range;
  }
  if (o['mean'] !== undefined) given.mean = numberList(command, 'mean', String(o['mean']));
  if (o['std'] !== undefined) given.std = numberList(command, 'std', String(o['std']));
  return given;
}

export type PreprocessingSource = 'options' | 'model' | 'dataset' | 'default';

/**
 * The preprocessing to use: each field from the options, else from the model's record, else the
 * built-in dataset's standardization (pixels in [0, 1], NCHW), else none (mean 0, std 1).
 */
export function resolvePreprocessing(command: string, given: Given, stored: ModelPreprocessing | null, dataset: string | null, channels: number): { preprocessing: ModelPreprocessing; source: PreprocessingSource } {
  const builtIn = dataset !== null && isDatasetName(dataset) ? DATASET_NORMALIZATION[dataset] : undefined;
  const base: ModelPreprocessing = stored ?? { layout: 'nchw', range: '0-1', mean: [builtIn?.mean ?? 0], std: [builtIn?.std ?? 1] };
  const source: PreprocessingSource = Object.keys(given).length > 0 ? 'options' : stored !== null ? 'model' : builtIn ? 'dataset' : 'default';
  try {
    return { preprocessing: checkPreprocessing({ ...base, ...given }, channels, command), source };
  } catch (e) {
    throw e instanceof PreprocessingError ? new UsageError(e.message) : e;
  }
}

/**
 * Checks MODEL before any work; returns its format. What the argument itself gets wrong (none
 * given, a name no reader takes, a format this command does not take) is a usage error (exit 2);
 * a file that is missing, unreadable or not what its name says is a failure (exit 1), named.
 */
export function checkModelArg(command: string, path: string | undefined, accept: readonly string[] = ['pqck', 'onnx', 'tfjs']) {
  if (path === undefined) throw new UsageError(`${command}: missing MODEL (${MODEL_FILES})`);
  const named = modelFormatOf(path);
  const takes = `${MODEL_FILES}${accept.includes('pqm') ? ' or .pqm' : ''}`;
  if (named === null) throw new UsageError(`${command}: ${path}: unknown model file type; expected ${takes}`);
  if (!accept.includes(named)) throw new UsageError(`${command}: ${path} is a .${named} file; ${command} takes ${takes}`);
  return checkModelFile(path);
}

/** Any model file as a trainable model; a wrong file is one line naming it. */
export function loadModelArg(command: string, path: string, opts: LoadModelOptions = {}): LoadedModel {
  checkModelArg(command, path);
  return loadAnyModel(path, opts);
}

/** Refuses a --dataset that is neither a built-in name nor a folder, before a model is read. */
export function checkDatasetArg(command: string, value: unknown): void {
  if (value === undefined) return;
  const v = String(value);
  if (isDatasetName(v)) return;
  if (existsSync(v) && statSync(v).isDirectory()) return;
  throw new UsageError(`${command}: unknown dataset '${v}' (not ${DATASET_NAMES.join(', ')}, and not a folder)`);
}

export interface CommandData {
  /** The built-in name, or the folder's absolute path (what a checkpoint records). */
  dataset: string;
  train: Dataset;
  test: Dataset;
  val?: Dataset;
  /**
   * Where train and test come from: a built-in dataset's, split folders, one folder used whole
   * as both (eval only), or a test split carved from one folder (see loadDatasetPath).
   */
  split: 'built-in' | 'folders' | 'whole' | 'carved';
  /** For 'carved': what to record in the recipe so later commands carve the same split. */
  carve?: { seed: number; oneIn: number };
}

/** The split fields of a command's JSON result: kind, counts, and the carve when there is one. */
export function splitReport(data: CommandData): Record<string, unknown> {
  return { split: data.split, trainCount: data.train.count, testCount: data.test.count, ...(data.carve ? { carve: data.carve } : {}) };
}

/** One line saying where the test images come from, for the commands' logs; null when the split is the dataset's own. */
export function splitNote(command: string, data: CommandData): string | null {
  if (data.split === 'carved') {
    return `${command}: ${data.dataset} has no split folders: held out 1 in ${data.carve!.oneIn} images of each class as the test split ` +
      `(seed ${data.carve!.seed}): ${data.train.count} train, ${data.test.count} test`;
  }
  if (data.split === 'whole') return `${command}: ${data.dataset} has no split folders: all ${data.test.count} images are the test set`;
  return null;
}

/**
 * The seed to carve a folder's test split with: the one the model's recipe records for the same
 * folder (so a later command tests on the images training held out), else `fallback` (--seed).
 */
export function carveSeedFor(recipe: { dataset?: unknown; carve?: { seed?: unknown } }, dataset: string, fallback: number): number {
  const recorded = recipe.carve?.seed;
  const same = typeof recipe.dataset === 'string' && !isDatasetName(dataset) && recipe.dataset === resolve(dataset);
  return same && typeof recorded === 'number' && Number.isSafeInteger(recorded) ? recorded : fallback;
}

/**
 * The dataset for a model with input `shape`: a built-in one (whose images must already be the
 * model's shape) or a folder, decoded once into `cacheDir` when given.
 */
export function loadCommandData(command: string, dataset: string, shape: readonly [number, number, number],
  opts: { limit?: number | undefined; cacheDir?: string | undefined; carveSeed?: number | undefined } = {}): CommandData {
  const { limit, cacheDir, carveSeed } = opts;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) throw new UsageError(`${command}: --limit must be an integer >= 1, got ${limit}`);
  if (isDatasetName(dataset)) {
    const split = loadDataset(dataset, limit !== undefined ? { limit } : {});
    const have = split.test.shape;
    if (have.some((v, i) => v !== shape[i])) {
      throw new UsageError(`${command}: the model takes ${shape.join('×')} inputs, ${dataset} images are ${have.join('×')}; give --dataset a folder of images (they are converted and resized to the model)`);
    }
    return { dataset, train: split.train, test: split.test, split: 'built-in' };
  }
  if (!(existsSync(dataset) && statSync(dataset).isDirectory())) {
    throw new UsageError(`${command}: dataset '${dataset}' is neither a known dataset (${DATASET_NAMES.join(', ')}) nor a folder`);
  }
  try {
    const d = loadDatasetPath(dataset, {
      shape, ...(limit !== undefined ? { limit } : {}), ...(cacheDir !== undefined ? { cacheDir } : {}), ...(carveSeed !== undefined ? { carveSeed } : {}),
    });
    return { dataset: resolve(dataset), train: d.train, test: d.test, ...(d.val ? { val: d.val } : {}), split: d.splits, ...(d.carve ? { carve: d.carve } : {}) };
  } catch (e) {
    if (e instanceof DatasetFormatError) throw new DatasetFormatError(`--dataset ${e.message}`);
    throw e;
  }
}

/**
 * The model's meta with the preprocessing it was run with, in both the new form and the older
 * `normalization` (mean and std for pixels in [0, 1]) that earlier readers look for.
 */
export function metaWithPreprocessing(meta: Record<string, unknown>, p: ModelPreprocessing): Record<string, unknown> {
  return { ...meta, [PREPROCESSING_META_KEY]: p, normalization: normalizationOf(p) };
}
