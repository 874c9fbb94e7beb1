import { resolve } from 'node:path';
import { batchSource } from '../../data/index.js';
import { Sgd, evaluate, loadCheckpoint, fit, writeFileAtomic, type Model } from '../../nn/index.js';
import {
  QatSession, checkBits, fp32Bytes, postTrainingQuantize, saveQuantizedCheckpoint, QUANT_META_KEY, quantizationMeta,
  type ActivationDtype, type ObserverKind, type QuantizedModel, type RangeMethod,
} from '../../compress/index.js';
import { pqmBytes } from '../../io/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, applyThreads, checkDatasetOption, checkOutDir, finish, loadSplit } from '../common.js';
import { ProgressBar } from '../progress.js';

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
  dataset: { type: 'string', help: 'mnist or fashion-mnist (default: the one the model was trained on)' },
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N samples of each split' },
  seed: { type: 'number', default: 0, integer: true, help: 'seed for shuffling' },
  out: { type: 'string', default: 'runs/quantize', help: 'output directory for model.pqck and quantize.json' },
  force: FORCE_OPTION,
  ...COMMON_OPTIONS,
};

export const quantizeUsage = helpText(
  'prunequant quantize MODEL.pqck --bits 4 [--granularity channel|tensor] [--ptq | --qat --epochs N --lr X] [--activations int8 --calibration-batches 100] [--out DIR] [--json]',
  OPTIONS,
);

interface Recipe { dataset?: string; epochs?: number; lr?: number; batchSize?: number; momentum?: number }

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`quantize: --${name} must be one of ${allowed.join(', ')}, got '${String(value)}'`);
  return value as T;
}

function positiveInt(name: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1)) throw new UsageError(`quantize: --${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function weightZeroFraction(model: Model): number {
  let zeros = 0, total = 0;
  for (const [, p] of model.namedParams()) {
    if (p.role !== 'weight') continue;
    for (const v of p.value.view()) if (v === 0) zeros++;
    total += p.size;
  }
  return total === 0 ? 0 : zeros / total;
}

export async function quantizeCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o, given } = parseArgs('quantize', argv, OPTIONS, { positionals: ['MODEL'] });
  if (o['help']) return void process.stdout.write(`${quantizeUsage}\n`);
  applyThreads(o['threads']);
  const path = positionals[0];
  if (path === undefined) throw new UsageError('quantize: missing MODEL (a .pqck checkpoint)');
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
  checkDatasetOption('quantize', o['dataset']);
  const [checkpoint, reportPath] = checkOutDir('quantize', resolve(String(o['out'])), ['model.pqck', 'quantize.json'], { force: o['force'] === true, inputs: [path] }) as [string, string];
  const started = performance.now();

  const { model, meta } = loadCheckpoint(path);
  try {
    await quantizeLoaded(o, { path, checkpoint, reportPath, started, json, bits, mode, granularity, symmetric, method, act, observer, calibrationBatches }, model, meta);
  } finally {
    model.dispose();
  }
}

interface QuantizeRun {
  path: string; checkpoint: string; reportPath: string; started: number; json: boolean; bits: number; mode: 'ptq' | 'qat';
  granularity: 'channel' | 'tensor'; symmetric: boolean; method: RangeMethod; act: 'int8' | 'uint8' | 'none'; observer: ObserverKind; calibrationBatches: number;
}

async function quantizeLoaded(o: Record<string, unknown>, run: QuantizeRun, model: Model, meta: Record<string, unknown>): Promise<void> {
  const { path, checkpoint, reportPath, started, json, bits, mode, granularity, symmetric, method, act, observer, calibrationBatches } = run;
  const recipe = (meta['recipe'] ?? {}) as Recipe;
  const dataset = (o['dataset'] as string | undefined) ?? recipe.dataset ?? 'mnist';
  const data = loadSplit(dataset, o['limit'] as number | undefined);
  // The checkpoint's own normalisation wins, as in eval: the model must see inputs scaled as in training.
  const normalization = (meta['normalization'] as { mean: number; std: number } | undefined) ?? data.normalization;
  const trainSource = batchSource(data.train, { normalization });
  if ((act !== 'none' || mode === 'qat') && data.train.count === 0) {
    throw new UsageError(`quantize: ${mode === 'qat' ? 'QAT' : 'activation calibration'} needs training samples, but the ${dataset} train split is empty`);
  }
  const test = batchSource(data.test, { normalization });
  const log = (s: string) => { if (!json) process.stderr.write(`${s}\n`); };
  const before = evaluate(model, test);
  log(`fp32: accuracy ${(100 * before.accuracy).toFixed(2)}%`);
  const sparsityBefore = weightZeroFraction(model);
  const seed = o['seed'] as number;
  const range = { method, percentile: o['percentile'] as number };

  let q: QuantizedModel;
  let qatReport: Record<string, unknown> | null = null;
  if (mode === 'ptq') {
    q = postTrainingQuantize(model, {
      weights: { bits, symmetric, granularity, ...range },
      ...(act !== 'none' ? { activations: { dtype: act as ActivationDtype, observer, percentile: range.percentile, source: trainSource, batches: calibrationBatches, seed } } : {}),
    });
  } else {
    const epochs = (o['epochs'] as number | undefined) ?? recipe.epochs ?? 1;
    const lr = (o['lr'] as number | undefined) ?? recipe.lr ?? 0.01;
    const batchSize = positiveInt('batch-size', (o['batch-size'] as number | undefined) ?? recipe.batchSize ?? 64);
    if (!(Number.isInteger(epochs) && epochs >= 1)) throw new UsageError(`quantize: --epochs must be a positive integer, got ${epochs}`);
    if (!(lr > 0 && Number.isFinite(lr))) throw new UsageError(`quantize: --lr must be a positive number, got ${lr}`);
    const freezeEpoch = (o['freeze-epoch'] as number | undefined) ?? Math.max(epochs - 1, 1);
    const qat = new QatSession(model, {
      bits, symmetric, granularity, range, lsq: o['lsq'] === true, freezeEpoch,
      activations: act !== 'none' ? { dtype: act as ActivationDtype } : null,
    });
    const optimizer = new Sgd([...model.params(), ...qat.trainableParams()], { momentum: recipe.momentum ?? 0.9 });
    const bar = new ProgressBar(!json && process.stderr.isTTY === true);
    const history = await fit(model, trainSource, optimizer, {
      epochs, batchSize, lr, seed, test, afterStep: () => qat.afterStep(),
      callbacks: {
        onBatchEnd: ({ epoch, step, steps, loss }) => bar.update(`QAT epoch ${epoch + 1}/${epochs}`, step + 1, steps, `loss ${loss.toFixed(4)}`),
        onEpochEnd: (r) => {
          qat.onEpochEnd(r.epoch);
          log(`QAT epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} | test acc ${(100 * r.test!.accuracy).toFixed(2)}%${qat.isFrozen ? ' (frozen)' : ''}`);
        },
      },
    });
    q = qat.finish();
    optimizer.dispose();
    qatReport = { epochs, lr, batchSize, lsq: o['lsq'] === true, freezeEpoch, history: history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, testAccuracy: h.test?.accuracy })) };
  }

  const after = evaluate(q.model, test);
  const savedMeta = { ...meta, quantize: { mode, bits, granularity, symmetric, range: method, activations: act, accuracy: after.accuracy } };
  // The size quoted is that of the real .pqm file this checkpoint exports to.
  const pqmSize = pqmBytes(q.model, { meta: { ...savedMeta, [QUANT_META_KEY]: quantizationMeta(q) }, source: checkpoint }).length;
  const result = {
    command: 'quantize', model: path, dataset, mode, bits, granularity, symmetric, range: method,
    activations: act, ...(act !== 'none' && mode === 'ptq' ? { calibrationBatches, observer } : {}),
    accuracyBefore: before.accuracy, accuracyAfter: after.accuracy, deltaPp: 100 * (after.accuracy - before.accuracy),
    lossBefore: before.loss, lossAfter: after.loss, testCount: after.count,
    sizes: { fp32Bytes: fp32Bytes(model), pqmBytes: pqmSize, compression: fp32Bytes(model) / pqmSize },
    weightSparsityBefore: sparsityBefore, weightSparsityAfter: weightZeroFraction(q.model),
    foldedBn: q.foldedBn, qat: qatReport, checkpoint, seconds: (performance.now() - started) / 1000,
  };
  saveQuantizedCheckpoint(checkpoint, q, savedMeta);
  if (q.model !== model) q.model.dispose();
  writeFileAtomic(reportPath, JSON.stringify(result, null, 2));
  finish(json, result, `quantized ${path} (${mode}, ${bits}-bit ${granularity}${act !== 'none' ? `, ${act} activations` : ''}): accuracy ` +
    `${(100 * before.accuracy).toFixed(2)}% → ${(100 * after.accuracy).toFixed(2)}%, ${pqmSize} bytes as .pqm vs ${fp32Bytes(model)} bytes of fp32 weights; checkpoint ${checkpoint}`);
}
