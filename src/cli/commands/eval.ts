import { statSync } from 'node:fs';
import { batchSource, type Dataset } from '../../data/index.js';
import { describePreprocessing, normalizationOf, rangeScale } from '../../io/index.js';
import { evaluate } from '../../nn/index.js';
import { Session } from '../../runtime/index.js';
import type { QuantizedModel } from '../../compress/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, finish } from '../common.js';
import {
  DATASET_OPTION, MODEL_FILES, PREPROCESSING_OPTIONS, checkDatasetArg, checkModelArg, loadCommandData, loadModelArg, parsePreprocessingOptions, resolvePreprocessing,
} from '../model-input.js';

const OPTIONS: Record<string, OptionSpec> = {
  dataset: DATASET_OPTION,
  'batch-size': { type: 'number', default: 256, integer: true, min: 1, help: 'evaluation batch size' },
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N test samples' },
  ...PREPROCESSING_OPTIONS,
  ...COMMON_OPTIONS,
};

export const evalUsage = helpText(`prunequant eval MODEL (${MODEL_FILES} or .pqm) [--dataset mnist|FOLDER] [--layout nchw|nhwc --range 0-1|0-255 --mean M --std S]`, OPTIONS);

/**
 * Accuracy of a `.pqm` file as the runtime runs it: the accuracy of the file we ship, not of
 * the checkpoint it came from. The session standardizes raw pixels with the file's preprocessing.
 */
export function evaluateSession(session: Session, test: Dataset, batchSize: number): { accuracy: number; loss: number; count: number } {
  let correct = 0, lossSum = 0, count = 0;
  const classes = session.outputSize;
  const { layout, range } = session.preprocessing;
  const k = rangeScale(range);
  for (const batch of batchSource(test).batches(batchSize)) {
    // Datasets hold NCHW pixels in [0, 1]; the session takes them as its file says.
    const [n, c, h, w] = batch.shape;
    let images = batch.images;
    if (k !== 1) images = images.map((v) => v * k);
    if (layout === 'nhwc') {
      const out = new Float32Array(images.length), plane = h * w;
      for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[(i * plane + p) * c + ch] = images[(i * c + ch) * plane + p]!;
      images = out;
    }
    const logits = session.runSync(images, layout === 'nhwc' ? [n, h, w, c] : batch.shape);
    for (let i = 0; i < batch.labels.length; i++) {
      const row = logits.subarray(i * classes, (i + 1) * classes);
      let best = 0, max = -Infinity;
      for (let k = 0; k < classes; k++) if (row[k]! > max) { max = row[k]!; best = k; }
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += Math.exp(row[k]! - max);
      lossSum += Math.log(sum) + max - row[batch.labels[i]!]!;
      if (best === batch.labels[i]) correct++;
    }
    count += batch.labels.length;
  }
  if (count === 0) throw new Error(`eval: the test split has no samples`);
  return { accuracy: correct / count, loss: lossSum / count, count };
}

/** What a quantized checkpoint holds, for the report; null for a float one. */
function quantizationSummary(q: QuantizedModel | null): { weightBits: number[]; weights: number; activations: string | null } | null {
  if (q === null) return null;
  const bits = [...new Set([...q.weights.values()].map((t) => t.bits))].sort((a, b) => a - b);
  const dtypes = q.activations ? [...new Set([...q.activations.values()].map((a) => a.dtype))].join('/') : null;
  return { weightBits: bits, weights: q.weights.size, activations: dtypes };
}

export async function evalCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('eval', argv, OPTIONS, { positionals: ['MODEL'] });
  if (o['help']) return void process.stdout.write(`${evalUsage}\n`);
  applyThreads(o['threads']);
  const path = positionals[0];
  checkDatasetArg('eval', o['dataset']);
  const given = parsePreprocessingOptions('eval', o);
  const format = checkModelArg('eval', path, ['pqck', 'onnx', 'tfjs', 'pqm']);
  const file = path!;
  const limit = o['limit'] as number | undefined, cacheDir = o['cache'] as string | undefined;
  const started = performance.now();
  if (format === 'pqm') {
    if (Object.keys(given).length > 0) throw new UsageError('eval: a .pqm file records its own preprocessing; drop --layout/--range/--mean/--std');
    const batchSize = o['batch-size'] as number;
    const session = await Session.create(file, { batch: batchSize, timingRuns: 1 });
    const stored = session.model.meta['dataset'];
    let r: { accuracy: number; loss: number; count: number }, dataset: string;
    try {
      const data = loadCommandData('eval', (o['dataset'] as string | undefined) ?? (typeof stored === 'string' ? stored : 'mnist'), session.inputShape, { limit, cacheDir });
      dataset = data.dataset;
      r = evaluateSession(session, data.test, batchSize);
    } finally {
      session.dispose();
    }
    const bytes = statSync(file).size;
    const seconds = (performance.now() - started) / 1000;
    const result = { command: 'eval', model: file, format: 'pqm', dataset, accuracy: r.accuracy, loss: r.loss, count: r.count, bytes, seconds };
    return finish(o['json'] === true, result, `${file} (.pqm, ${bytes} bytes, run by the prunequant runtime) on ${dataset} test (${r.count} images): accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
  }
  // A quantized checkpoint (meta.quantization, written by prunequant quantize) is checked against
  // its integer codes and gets its activation quantizers back, so eval runs the model the quantize
  // step evaluated; other models load as they are.
  const loaded = loadModelArg('eval', file);
  const { model, meta, quantized } = loaded;
  try {
    const recipe = (meta['recipe'] ?? {}) as { dataset?: string; carve?: { seed: number; oneIn: number } };
    // A folder without split folders is evaluated whole: eval trains nothing, so every image is a test image to it.
    const data = loadCommandData('eval', (o['dataset'] as string | undefined) ?? recipe.dataset ?? 'mnist', model.inputShape, { limit, cacheDir });
    const dataset = data.dataset;
    const trainedOnIt = data.split === 'whole' && recipe.carve !== undefined && recipe.dataset === dataset;
    if (trainedOnIt && o['json'] !== true) {
      process.stderr.write(`eval: ${file} was trained on this folder less its held-out 1 in ${recipe.carve!.oneIn} (seed ${recipe.carve!.seed}); ` +
        'the whole folder includes those training images, so this accuracy is optimistic\n');
    }
    // The model's own preprocessing wins over the dataset's: it must see inputs scaled as in training.
    const { preprocessing, source } = resolvePreprocessing('eval', given, loaded.preprocessing, dataset, model.inputShape[0]);
    const r = evaluate(model, batchSource(data.test, { normalization: normalizationOf(preprocessing) }), o['batch-size'] as number);
    const seconds = (performance.now() - started) / 1000;
    const quantization = quantizationSummary(quantized);
    const result = {
      command: 'eval', model: file, format: loaded.format, dataset, split: data.split, ...(trainedOnIt ? { includesTrainingImages: true } : {}), accuracy: r.accuracy, loss: r.loss, count: r.count, params: model.paramCount(), quantization,
      preprocessing, preprocessingFrom: source, seconds,
    };
    const q = quantization ? ` [quantized: ${quantization.weightBits.join('/')}-bit weights${quantization.activations ? `, ${quantization.activations} activations` : ''}]` : '';
    if (source === 'default' && o['json'] !== true) process.stderr.write(`eval: ${file} records no preprocessing; using pixels in [0, 1] as they are (give --range/--mean/--std to say otherwise)\n`);
    finish(o['json'] === true, result, `${file}${q} on ${dataset} test (${r.count} images, ${describePreprocessing(preprocessing)}): accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
  } finally {
    model.dispose();
  }
}
