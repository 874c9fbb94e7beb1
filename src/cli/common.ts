/** Pieces every command shares: dataset loading with the model's normalisation, threads, output. */
import { setThreads } from '../kernels/index.js';
import { DATASET_NAMES, DATASET_NORMALIZATION, isDatasetName, loadDataset, type DatasetSplit } from '../data/index.js';
import { UsageError, type OptionSpec } from './args.js';

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', default: false, help: 'print the final result as one JSON object on the last line of stdout' },
  threads: { type: 'number', help: 'kernel threads (default: number of cores)' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

export function applyThreads(threads: unknown): void {
  if (threads === undefined) return;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer, got ${String(threads)}`);
  setThreads(threads);
}

/**
 * The raw split plus the dataset's normalisation, for `batchSource(ds, { normalization })`,
 * which standardises per batch and so never holds a second copy of the images.
 */
export function loadSplit(name: string, limit?: number): DatasetSplit & { normalization: { mean: number; std: number } } {
  if (!isDatasetName(name)) throw new UsageError(`unknown dataset '${name}'; known datasets: ${DATASET_NAMES.join(', ')}`);
  const split = loadDataset(name, limit !== undefined ? { limit } : {});
  return { ...split, normalization: { ...DATASET_NORMALIZATION[name]! } };
}

/** Prints `result` as the last stdout line when --json, else a readable summary. */
export function finish(json: boolean, result: Record<string, unknown>, summary: string): void {
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${summary}\n`);
}
