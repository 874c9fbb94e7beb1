/**
 * `prunequant sensitivity`: prunes each layer alone at a range of percentiles, prints the
 * accuracy table, and with --target also the sensitivity-guided per-layer levels for that
 * global sparsity next to uniform pruning. Writes everything as JSON.
 */
import { allocateSparsity, layerSensitivity, percentileToSparsity, pruneWithAllocation, restoreState, captureState, uniformAllocation, checkSparsity, type SelectOptions } from '../../compress/index.js';
import { evaluate, writeFileAtomic, type BatchSource, type Model } from '../../nn/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, applyThreads, checkOutputs, finish } from '../common.js';
import { asUsage, loadForCompression, selectOptions } from './prune.js';

const OPTIONS: Record<string, OptionSpec> = {
  levels: { type: 'string', default: '50,70,80,90,95,98,99', help: 'comma-separated percentiles in [0, 100)' },
  target: { type: 'number', help: 'also allocate per-layer levels for this global sparsity in [0, 1) and measure it against uniform pruning' },
  exclude: { type: 'string', help: 'comma-separated globs over node names / param paths to skip, or @first / @last' },
  'min-size': { type: 'number', default: 0, integer: true, min: 0, help: 'skip layers with fewer weights' },
  dataset: { type: 'string', help: 'mnist or fashion-mnist (default: the one the model was trained on)' },
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N samples of each split (quick runs)' },
  out: { type: 'string', help: 'write the curves (and allocation) as JSON to this file' },
  force: FORCE_OPTION,
  ...COMMON_OPTIONS,
};

export const sensitivityUsage = helpText('prunequant sensitivity MODEL.pqck [--levels 50,70,90,95,99] [--target 0.9] [--out FILE.json]', OPTIONS);

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
  if (path === undefined) throw new UsageError('sensitivity: missing MODEL (a .pqck checkpoint written by prunequant train)');
  const out = o['out'] === undefined ? undefined : checkOutputs('sensitivity', [String(o['out'])], { force: o['force'] === true, inputs: [path] })[0];
  const started = performance.now();
  const { model, dataset, test } = loadForCompression(path, 'sensitivity', o);
  try {
    sensitivityLoaded(model, dataset, test, { path, out, json, levels, target, sel, started });
  } finally {
    model.dispose();
  }
}

function sensitivityLoaded(model: Model, dataset: string, test: BatchSource,
  run: { path: string; out: string | undefined; json: boolean; levels: number[]; target: number | undefined; sel: SelectOptions; started: number }): void {
  const { path, out, json, levels, target, sel, started } = run;
  const r = layerSensitivity(model, test, { ...sel, levels });
  const header = ['layer'.padEnd(16), 'weights'.padStart(8), ...levels.map((s) => `${+(100 * s).toFixed(2)}%`.padStart(8))].join(' ');
  const rows = r.curves.map((c) => [c.layer.padEnd(16), String(c.size).padStart(8), ...c.points.slice(1).map((p) => `${(100 * p.accuracy).toFixed(2)}`.padStart(8))].join(' '));
  let table = `${path} on ${dataset} test: baseline ${(100 * r.baseline).toFixed(2)}%; top-1 (%) with one layer pruned\n${header}\n${rows.join('\n')}`;
  let allocation: Record<string, unknown> | undefined;
  if (target !== undefined) {
    const guided = allocateSparsity(r.curves, target), uniform = uniformAllocation(r.curves, target);
    const saved = captureState(model);
    const measure = (perLayer: Record<string, number>) => {
      restoreState(model, saved);
      const p = pruneWithAllocation(model, perLayer);
      return { sparsity: p.sparsity, accuracy: evaluate(model, test).accuracy };
    };
    const g = measure(guided.perLayer), u = measure(uniform.perLayer);
    restoreState(model, saved);
    allocation = { target, guided: { ...guided, ...g }, uniform: { ...uniform, ...u } };
    table += `\n\nallocation for ${(100 * target).toFixed(1)}% global sparsity (no fine-tuning):\n` +
      r.curves.map((c) => `${c.layer.padEnd(16)} guided ${(100 * guided.perLayer[c.layer]!).toFixed(2).padStart(6)}%`).join('\n') +
      `\nguided ${(100 * g.accuracy).toFixed(2)}% at ${(100 * g.sparsity).toFixed(2)}% sparsity, uniform ${(100 * u.accuracy).toFixed(2)}% at ${(100 * u.sparsity).toFixed(2)}%`;
  }
  const result = { command: 'sensitivity', model: path, dataset, baseline: r.baseline, levels, curves: r.curves, ...(allocation ? { allocation } : {}), seconds: (performance.now() - started) / 1000 };
  if (out !== undefined) writeFileAtomic(out, JSON.stringify(result, null, 2));
  if (json) process.stderr.write(`${table}\n`);
  finish(json, result, table);
}
