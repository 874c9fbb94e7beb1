import { batchSource } from '../../data/index.js';
import { evaluate } from '../../nn/index.js';
import { loadQuantizedCheckpoint, type QuantizedModel } from '../../compress/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, finish, loadSplit } from '../common.js';

const OPTIONS: Record<string, OptionSpec> = {
  dataset: { type: 'string', help: 'mnist or fashion-mnist (default: the one the model was trained on)' },
  'batch-size': { type: 'number', default: 256, help: 'evaluation batch size' },
  limit: { type: 'number', help: 'use only the first N test samples' },
  ...COMMON_OPTIONS,
};

export const evalUsage = helpText('prunequant eval MODEL.pqck [--dataset mnist]', OPTIONS);

/** What a quantized checkpoint holds, for the report; null for a float one. */
function quantizationSummary(q: QuantizedModel | null): { weightBits: number[]; weights: number; activations: string | null } | null {
  if (q === null) return null;
  const bits = [...new Set([...q.weights.values()].map((t) => t.bits))].sort((a, b) => a - b);
  const dtypes = q.activations ? [...new Set([...q.activations.values()].map((a) => a.dtype))].join('/') : null;
  return { weightBits: bits, weights: q.weights.size, activations: dtypes };
}

export async function evalCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('eval', argv, OPTIONS);
  if (o['help']) return void process.stdout.write(`${evalUsage}\n`);
  applyThreads(o['threads']);
  const path = positionals[0];
  if (path === undefined) throw new UsageError('eval: missing MODEL (a .pqck checkpoint written by prunequant train)');
  const started = performance.now();
  // A quantized checkpoint (meta.quantization, written by prunequant quantize) is checked against
  // its integer codes and gets its activation quantizers back, so eval runs the model the quantize
  // step evaluated; a float checkpoint loads as it is.
  const { model, meta, quantized } = loadQuantizedCheckpoint(path);
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
}
