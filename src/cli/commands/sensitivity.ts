/**
 * `prunequant sensitivity`: prunes each layer alone at a range of percentiles, prints the
 * accuracy table (on a validation split held out of the training data), and with --target also
 * the sensitivity-guided per-layer levels for that global sparsity next to uniform pruning.
 * Writes everything as JSON. The work is the study library's analyzeSensitivity.
 */
import { percentileToSparsity, checkSparsity } from '../../compress/index.js';
import { writeFileAtomic } from '../../nn/index.js';
import { MAX_DEFAULT_VALIDATION, analyzeSensitivity, type SensitivityOutcome } from '../../study/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, applyThreads, checkOutputs, finish } from '../common.js';
import { DATASET_OPTION, PREPROCESSING_OPTIONS } from '../model-input.js';
import { asUsage, loadForCompression, selectOptions } from './prune.js';

const OPTIONS: Record<string, OptionSpec> = {
  levels: { type: 'string', default: '50,70,80,90,95,98,99', help: 'comma-separated percentiles in [0, 100)' },
  target: { type: 'number', help: 'also allocate per-layer levels for this global sparsity in [0, 1) and measure it against uniform pruning' },
  exclude: { type: 'string', help: 'comma-separated globs over node names / param paths to skip, or @first / @last' },
  'min-size': { type: 'number', default: 0, integer: true, min: 0, help: 'skip layers with fewer weights' },
  dataset: DATASET_OPTION,
  ...PREPROCESSING_OPTIONS,
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N samples of each split (quick runs)' },
  val: { type: 'number', integer: true, min: 0, help: `validation images carved from the training data (seeded by --seed) that the curves and the allocation are measured on; the test split only reports the allocations (default: 1 in 12, at most ${MAX_DEFAULT_VALIDATION}; 0: measure on the test split, with a warning)` },
  seed: { type: 'number', default: 0, integer: true, help: 'seed of the --val carve' },
  out: { type: 'string', help: 'write the curves (and allocation) as JSON to this file' },
  force: FORCE_OPTION,
  ...COMMON_OPTIONS,
};

export const sensitivityUsage = helpText('prunequant sensitivity MODEL (.pqck|.onnx|model.json) [--levels 50,70,90,95,99] [--target 0.9] [--out FILE.json]', OPTIONS);

function parseLevels(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new UsageError('sensitivity: --levels is empty');
  return parts.map((p, i) => {
    const n = Number(p);
    return asUsage(() => percentileToSparsity(Number.isFinite(n) ? n : NaN, `sensitivity --levels (item ${i + 1}, '${p}')`));
  });
}

export async function sensitivity(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('sensitivity', argv, OPTIONS, { positionals: ['MODEL'] });
  if (o['help']) return void process.stdout.write(`${sensitivityUsage}\n`);
  applyThreads(o['threads']);
  const json = o['json'] === true;
  const levels = parseLevels(String(o['levels']));
  const target = o['target'] as number | undefined;
  if (target !== undefined) asUsage(() => checkSparsity(target, 'sensitivity --target'));
  const sel = selectOptions('sensitivity', o);
  const path = positionals[0];
  if (path === undefined) throw new UsageError('sensitivity: missing MODEL (.pqck, .onnx or TF.js model.json)');
  const out = o['out'] === undefined ? undefined : checkOutputs('sensitivity', [String(o['out'])], { force: o['force'] === true, inputs: [path] })[0];
  const started = performance.now();
  const { model, dataset, train, test, normalization, split, splitNote } = loadForCompression(path, 'sensitivity', o);
  if (splitNote !== null && !json) process.stderr.write(`${splitNote}\n`);
  try {
    const r = asUsage(() => analyzeSensitivity({
      model, train, test, normalization, levels, select: sel, seed: o['seed'] as number,
      ...(target !== undefined ? { target } : {}), ...(o['val'] !== undefined ? { validation: o['val'] as number } : {}),
    }));
    const result = { command: 'sensitivity', model: path, dataset, ...split, ...r, levels, seconds: (performance.now() - started) / 1000 };
    if (out !== undefined) writeFileAtomic(out, JSON.stringify(result, null, 2));
    const text = table(path, dataset, levels, r);
    if (r.decidedOn === 'test') process.stderr.write('sensitivity: --val 0: the curves and the allocation are measured on the test split, so its accuracies are optimistic\n');
    if (json) process.stderr.write(`${text}\n`);
    finish(json, result, text);
  } finally {
    model.dispose();
  }
}

function table(path: string, dataset: string, levels: readonly number[], r: SensitivityOutcome): string {
  const split = r.decidedOn === 'validation' ? `${r.valCount} validation images` : 'test';
  const header = ['layer'.padEnd(16), 'weights'.padStart(8), ...levels.map((s) => `${+(100 * s).toFixed(2)}%`.padStart(8))].join(' ');
  const rows = r.curves.map((c) => [c.layer.padEnd(16), String(c.size).padStart(8), ...c.points.slice(1).map((p) => `${(100 * p.accuracy).toFixed(2)}`.padStart(8))].join(' '));
  let text = `${path} on ${dataset} (${split}): baseline ${(100 * r.baseline).toFixed(2)}%; top-1 (%) with one layer pruned\n${header}\n${rows.join('\n')}`;
  const a = r.allocation;
  if (a !== undefined) {
    const acc = (x: { valAccuracy: number; testAccuracy: number }) => r.decidedOn === 'validation'
      ? `${(100 * x.valAccuracy).toFixed(2)}% validation / ${(100 * x.testAccuracy).toFixed(2)}% test`
      : `${(100 * x.testAccuracy).toFixed(2)}% test`;
    text += `\n\nallocation for ${(100 * a.target).toFixed(1)}% global sparsity (no fine-tuning):\n` +
      r.curves.map((c) => `${c.layer.padEnd(16)} guided ${(100 * a.guided.perLayer[c.layer]!).toFixed(2).padStart(6)}%`).join('\n') +
      `\nguided ${acc(a.guided)} at ${(100 * a.guided.sparsity).toFixed(2)}% sparsity, uniform ${acc(a.uniform)} at ${(100 * a.uniform.sparsity).toFixed(2)}%`;
  }
  return text;
}
