/**
 * `prunequant quantize`: PTQ or QAT of a checkpoint to k-bit weights (and int8 / uint8
 * activations). Parses, loads, and hands the work to the study library (quantizeCheckpoint).
 */
import { resolve } from 'node:path';
import { normalizationOf } from '../../io/index.js';
import { checkBits, type ObserverKind, type RangeMethod } from '../../compress/index.js';
import { quantizeCheckpoint, type QatOptions } from '../../study/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, applyThreads, checkOutDir, finish } from '../common.js';
import {
  DATASET_OPTION, PREPROCESSING_OPTIONS, carveSeedFor, checkDatasetArg, checkModelArg, loadCommandData, loadModelArg, metaWithPreprocessing, parsePreprocessingOptions,
  resolvePreprocessing, splitNote, splitReport,
} from '../model-input.js';
import { ProgressBar } from '../progress.js';
import { asUsageAsync } from './prune.js';

const OPTIONS: Record<string, OptionSpec> = {
  bits: { type: 'number', default: 8, help: 'weight bits, 2 to 16' },
  granularity: { type: 'string', default: 'channel', help: 'channel (per output channel) or tensor' },
  symmetric: { type: 'boolean', default: true, help: 'symmetric weight codes, zero point 0 (--symmetric=false or --asymmetric for asymmetric)' },
  asymmetric: { type: 'boolean', default: false, help: 'asymmetric weight codes with a zero point' },
  range: { type: 'string', default: 'minmax', help: 'weight range: minmax, percentile or mse' },
  percentile: { type: 'number', default: 99.99, above: 0, max: 100, help: 'percentile for --range percentile and --observer percentile' },
  ptq: { type: 'boolean', default: false, help: 'post-training quantization (the default mode)' },
  qat: { type: 'boolean', default: false, help: 'quantization-aware training' },
  epochs: { type: 'number', integer: true, min: 1, help: 'QAT epochs (default: the recipe in the checkpoint)' },
  lr: { type: 'number', above: 0, help: 'QAT learning rate (default: the recipe in the checkpoint)' },
  'batch-size': { type: 'number', integer: true, min: 1, help: 'QAT batch size (default: the recipe in the checkpoint)' },
  lsq: { type: 'boolean', default: false, help: 'QAT learns step sizes (LSQ)' },
  'freeze-epoch': { type: 'number', integer: true, min: 0, help: 'QAT: freeze activation ranges and BN statistics after this epoch (default: before the last epoch)' },
  activations: { type: 'string', default: 'none', help: 'activation quantization: int8, uint8 or none' },
  'calibration-batches': { type: 'number', default: 100, integer: true, min: 1, help: 'PTQ: batches of training data for activation calibration' },
  observer: { type: 'string', default: 'minmax', help: 'PTQ activation observer: minmax, percentile or ema' },
  dataset: DATASET_OPTION,
  // --range is the weight range method here, so the pixel range is --input-range.
  ...Object.fromEntries(Object.entries(PREPROCESSING_OPTIONS).map(([k, v]) => [k === 'range' ? 'input-range' : k, v])),
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N samples of each split' },
  seed: { type: 'number', default: 0, integer: true, help: 'seed for shuffling' },
  out: { type: 'string', default: 'runs/quantize', help: 'output directory for model.pqck and quantize.json' },
  force: FORCE_OPTION,
  ...COMMON_OPTIONS,
};

export const quantizeUsage = helpText(
  'prunequant quantize MODEL (.pqck|.onnx|model.json) --bits 4 [--granularity channel|tensor] [--ptq | --qat --epochs N --lr X] [--activations int8 --calibration-batches 100] [--out DIR] [--json]',
  OPTIONS,
);

interface Recipe { dataset?: string; carve?: { seed: number; oneIn: number }; epochs?: number; lr?: number; batchSize?: number; momentum?: number }

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`quantize: --${name} must be one of ${allowed.join(', ')}, got '${String(value)}'`);
  return value as T;
}

function positiveInt(name: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1)) throw new UsageError(`quantize: --${name} must be a positive integer, got ${String(value)}`);
  return value;
}

export async function quantizeCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o, given } = parseArgs('quantize', argv, OPTIONS, { positionals: ['MODEL'] });
  if (o['help']) return void process.stdout.write(`${quantizeUsage}\n`);
  applyThreads(o['threads']);
  const path = positionals[0];
  if (path === undefined) throw new UsageError('quantize: missing MODEL (.pqck, .onnx or TF.js model.json)');
  const bits = o['bits'] as number;
  try {
    checkBits(bits, 'quantize --bits');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (o['ptq'] === true && o['qat'] === true) throw new UsageError('quantize: choose one of --ptq and --qat');
  const mode = o['qat'] === true ? 'qat' : 'ptq';
  const granularity = oneOf('granularity', o['granularity'], ['channel', 'tensor'] as const);
  const symmetric = o['asymmetric'] === true ? false : o['symmetric'] !== false;
  const method = oneOf<RangeMethod>('range', o['range'], ['minmax', 'percentile', 'mse']);
  const act = oneOf('activations', o['activations'], ['int8', 'uint8', 'none'] as const);
  const observer = oneOf<ObserverKind>('observer', o['observer'], ['minmax', 'percentile', 'ema']);
  const calibrationBatches = positiveInt('calibration-batches', o['calibration-batches']);
  const json = o['json'] === true;
  if (given.has('symmetric') && given.has('asymmetric')) throw new UsageError('quantize: choose one of --symmetric and --asymmetric');
  checkDatasetArg('quantize', o['dataset']);
  const givenPreprocessing = parsePreprocessingOptions('quantize', o, 'input-range');
  checkModelArg('quantize', path);
  const [checkpoint, reportPath] = checkOutDir('quantize', resolve(String(o['out'])), ['model.pqck', 'quantize.json'], { force: o['force'] === true, inputs: [path] }) as [string, string];
  const started = performance.now();

  const loaded = loadModelArg('quantize', path!, { restoreQuantization: false });
  const { model } = loaded;
  try {
    const meta0 = loaded.meta;
    const recipe = (meta0['recipe'] ?? {}) as Recipe;
    const datasetArg = (o['dataset'] as string | undefined) ?? recipe.dataset ?? 'mnist';
    // QAT trains and PTQ calibrates on the training split, so a folder without split folders gets its test split carved (as training recorded it).
    const data = loadCommandData('quantize', datasetArg, model.inputShape, {
      limit: o['limit'] as number | undefined, cacheDir: (o['cache'] as string | undefined) ?? resolve(String(o['out']), 'dataset-cache'),
      carveSeed: carveSeedFor(recipe, datasetArg, o['seed'] as number),
    });
    const note = splitNote('quantize', data);
    if (note !== null && !json) process.stderr.write(`${note}\n`);
    const dataset = data.dataset;
    // The model's own preprocessing wins, as in eval: the model must see inputs scaled as in training.
    const { preprocessing } = resolvePreprocessing('quantize', givenPreprocessing, loaded.preprocessing, dataset, model.inputShape[0]);
    const normalization = normalizationOf(preprocessing);
    const { carve: _previous, ...kept } = recipe;
    const meta = metaWithPreprocessing({ ...meta0, recipe: { ...kept, dataset, ...(data.carve ? { carve: data.carve } : {}) } }, preprocessing);
    let qat: QatOptions | null = null;
    if (mode === 'qat') {
      const epochs = (o['epochs'] as number | undefined) ?? recipe.epochs ?? 1;
      const lr = (o['lr'] as number | undefined) ?? recipe.lr ?? 0.01;
      const batchSize = positiveInt('batch-size', (o['batch-size'] as number | undefined) ?? recipe.batchSize ?? 64);
      if (!(Number.isInteger(epochs) && epochs >= 1)) throw new UsageError(`quantize: --epochs must be a positive integer, got ${epochs}`);
      if (!(lr > 0 && Number.isFinite(lr))) throw new UsageError(`quantize: --lr must be a positive number, got ${lr}`);
      qat = { epochs, lr, batchSize, momentum: recipe.momentum ?? 0.9, lsq: o['lsq'] === true, freezeEpoch: (o['freeze-epoch'] as number | undefined) ?? Math.max(epochs - 1, 1) };
    }
    const bar = new ProgressBar(!json && process.stderr.isTTY === true);
    const result = await asUsageAsync(() => quantizeCheckpoint({
      model, meta, source: path!, dataset, normalization, train: data.train, test: data.test, split: splitReport(data),
      bits, granularity, symmetric, range: method, percentile: o['percentile'] as number, activations: act, observer, calibrationBatches,
      seed: o['seed'] as number, qat, checkpoint, reportPath, started,
      log: (s) => { if (!json) process.stderr.write(`${s}\n`); },
      onBatch: ({ epoch, epochs, step, steps, loss }) => bar.update(`QAT epoch ${epoch + 1}/${epochs}`, step + 1, steps, `loss ${loss.toFixed(4)}`),
    }));
    const r = result as { accuracyBefore: number; accuracyAfter: number; sizes: { pqmBytes: number; fp32Bytes: number } };
    finish(json, result, `quantized ${path} (${mode}, ${bits}-bit ${granularity}${act !== 'none' ? `, ${act} activations` : ''}): accuracy ` +
      `${(100 * r.accuracyBefore).toFixed(2)}% → ${(100 * r.accuracyAfter).toFixed(2)}%, ${r.sizes.pqmBytes} bytes as .pqm vs ${r.sizes.fp32Bytes} bytes of fp32 weights; checkpoint ${checkpoint}`);
  } finally {
    model.dispose();
  }
}
