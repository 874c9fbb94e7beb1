import { batchSource, type Dataset } from '../../data/index.js';
import { evaluate } from '../../nn/index.js';
import { Session } from '../../runtime/index.js';
import { loadQuantizedCheckpoint, type QuantizedModel } from '../../compress/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, checkDatasetOption, finish, loadSplit } from '../common.js';

const OPTIONS: Record<string, OptionSpec> = {
  dataset: { type: 'string', help: 'mnist or fashion-mnist (default: the one the model was trained on)' },
  'batch-size': { type: 'number', default: 256, integer: true, min: 1, help: 'evaluation batch size' },
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N test samples' },
  ...COMMON_OPTIONS,
};

export const evalUsage = helpText('prunequant eval MODEL.pqck|MODEL.pqm [--dataset mnist]', OPTIONS);

/**
 * Accuracy of a `.pqm` file as the runtime runs it: the accuracy of the file we ship, not of
 * the checkpoint it came from. The session standardizes raw pixels with the file's preprocessing.
 */
export function evaluateSession(session: Session, test: Dataset, batchSize: number): { accuracy: number; loss: number; count: number } {
  let correct = 0, lossSum = 0, count = 0;
  const classes = session.outputSize;
  for (const batch of batchSource(test).batches(batchSize)) {
    const logits = session.runSync(batch.images, batch.shape);
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
  if (path === undefined) throw new UsageError('eval: missing MODEL (a .pqck checkpoint written by prunequant train)');
  checkDatasetOption('eval', o['dataset']);
  const started = performance.now();
  if (path.endsWith('.pqm')) {
    const batchSize = o['batch-size'] as number;
    const session = await Session.create(path, { batch: batchSize, timingRuns: 1 });
    const stored = session.model.meta['dataset'];
    const dataset = (o['dataset'] as string | undefined) ?? (typeof stored === 'string' ? stored : 'mnist');
    let r: { accuracy: number; loss: number; count: number };
    try {
      r = evaluateSession(session, loadSplit(dataset, o['limit'] as number | undefined).test, batchSize);
    } finally {
      session.dispose();
    }
    const { statSync } = await import('node:fs');
    const bytes = statSync(path).size;
    const seconds = (performance.now() - started) / 1000;
    const result = { command: 'eval', model: path, format: 'pqm', dataset, accuracy: r.accuracy, loss: r.loss, count: r.count, bytes, seconds };
    return finish(o['json'] === true, result, `${path} (.pqm, ${bytes} bytes, run by the prunequant runtime) on ${dataset} test (${r.count} images): accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
  }
  // A quantized checkpoint (meta.quantization, written by prunequant quantize) is checked against
  // its integer codes and gets its activation quantizers back, so eval runs the model the quantize
  // step evaluated; a float checkpoint loads as it is.
  const { model, meta, quantized } = loadQuantizedCheckpoint(path);
  try {
    const recipe = (meta['recipe'] ?? {}) as { dataset?: string };
    const dataset = (o['dataset'] as string | undefined) ?? recipe.dataset ?? 'mnist';
    const data = loadSplit(dataset, o['limit'] as number | undefined);
    // The checkpoint's own normalisation wins: a model must see inputs scaled as in training.
    const normalization = (meta['normalization'] as { mean: number; std: number } | undefined) ?? data.normalization;
    const r = evaluate(model, batchSource(data.test, { normalization }), o['batch-size'] as number);
    const seconds = (performance.now() - started) / 1000;
    const quantization = quantizationSummary(quantized);
    const result = { command: 'eval', model: path, dataset, accuracy: r.accuracy, loss: r.loss, count: r.count, params: model.paramCount(), quantization, seconds };
    const q = quantization ? ` [quantized: ${quantization.weightBits.join('/')}-bit weights${quantization.activations ? `, ${quantization.activations} activations` : ''}]` : '';
    finish(o['json'] === true, result, `${path}${q} on ${dataset} test (${r.count} images): accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
  } finally {
    model.dispose();
  }
}
