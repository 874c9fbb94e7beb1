import { batchSource } from '../../data/index.js';
import { evaluate, loadCheckpoint } from '../../nn/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, finish, loadSplit } from '../common.js';

const OPTIONS: Record<string, OptionSpec> = {
  dataset: { type: 'string', help: 'mnist or fashion-mnist (default: the one the model was trained on)' },
  'batch-size': { type: 'number', default: 256, help: 'evaluation batch size' },
  limit: { type: 'number', help: 'use only the first N test samples' },
  ...COMMON_OPTIONS,
};

export const evalUsage = helpText('prunequant eval MODEL.pqck [--dataset mnist]', OPTIONS);

export async function evalCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('eval', argv, OPTIONS);
  if (o['help']) return void process.stdout.write(`${evalUsage}\n`);
  applyThreads(o['threads']);
  const path = positionals[0];
  if (path === undefined) throw new UsageError('eval: missing MODEL (a .pqck checkpoint written by prunequant train)');
  const started = performance.now();
  const { model, meta } = loadCheckpoint(path);
  const recipe = (meta['recipe'] ?? {}) as { dataset?: string };
  const dataset = (o['dataset'] as string | undefined) ?? recipe.dataset ?? 'mnist';
  const data = loadSplit(dataset, o['limit'] as number | undefined);
  // The checkpoint's own normalisation wins: a model must see inputs scaled as in training.
  const normalization = (meta['normalization'] as { mean: number; std: number } | undefined) ?? data.normalization;
  const r = evaluate(model, batchSource(data.test, { normalization }), o['batch-size'] as number);
  const seconds = (performance.now() - started) / 1000;
  const result = { command: 'eval', model: path, dataset, accuracy: r.accuracy, loss: r.loss, count: r.count, params: model.paramCount(), seconds };
  finish(o['json'] === true, result, `${path} on ${dataset} test (${r.count} images): accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
}
