/**
 * `prunequant prune`: one-shot, gradual or adaptive percentile pruning of a checkpoint,
 * fine-tuned with the model's own recipe unless told otherwise. Writes the pruned
 * checkpoint (masks included) and a JSON report, both atomically.
 */
import { dirname, join, resolve } from 'node:path';
import {
  GradualPruner, adaptivePrune, checkControllerOptions, checkSparsity, fineTune, maskStats, percentileToSparsity, prunableLayers, pruneModel,
  type FineTuneRecipe, type PruneResult, type PruneScope, type SelectOptions,
} from '../../compress/index.js';
import { batchSource } from '../../data/index.js';
import { evaluate, loadCheckpoint, saveCheckpoint, writeFileAtomic, type BatchSource, type Model, type ScheduleConfig } from '../../nn/index.js';
import { pqmBytes } from '../../io/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, finish, loadSplit } from '../common.js';

const OPTIONS: Record<string, OptionSpec> = {
  sparsity: { type: 'number', help: 'fraction of weights to prune, in [0, 1) (percentile / 100); not with --adaptive' },
  scope: { type: 'string', default: 'global', help: 'global (rank all chosen layers together) or layer (each layer to --sparsity)' },
  exclude: { type: 'string', help: 'comma-separated globs over node names / param paths to keep dense, or @first / @last' },
  'min-size': { type: 'number', default: 0, help: 'layers with fewer weights stay dense' },
  'finetune-epochs': { type: 'number', help: 'fine-tuning epochs (default: the recipe\'s epochs; 0: no fine-tuning)' },
  lr: { type: 'number', help: 'fine-tuning learning rate (default: the recipe\'s lr)' },
  'batch-size': { type: 'number', help: 'fine-tuning batch size (default: the recipe\'s)' },
  seed: { type: 'number', default: 0, help: 'seed for shuffling and dropout during fine-tuning' },
  adaptive: { type: 'boolean', default: false, help: 'search the highest level within --tolerance (dynamic threshold controller)' },
  tolerance: { type: 'number', default: 0.5, help: 'adaptive: allowed top-1 drop in percentage points' },
  start: { type: 'number', default: 50, help: 'adaptive: first percentile tried' },
  step: { type: 'number', default: 10, help: 'adaptive: initial percentile step' },
  'min-step': { type: 'number', default: 1, help: 'adaptive: stop when the halved step falls below this' },
  gradual: { type: 'boolean', default: false, help: 'prune during fine-tuning on the Zhu & Gupta cubic schedule, over its first half' },
  'prune-every': { type: 'number', default: 100, help: 'gradual: training steps between pruning steps (Δt)' },
  dataset: { type: 'string', help: 'mnist or fashion-mnist (default: the one the model was trained on)' },
  limit: { type: 'number', help: 'use only the first N samples of each split (quick runs)' },
  out: { type: 'string', default: 'runs/prune', help: 'output directory for model.pqck and prune.json' },
  ...COMMON_OPTIONS,
};

export const pruneUsage = helpText('prunequant prune MODEL.pqck --sparsity 0.9 [--scope global|layer] [--adaptive --tolerance 0.5] [--gradual] [--out DIR]', OPTIONS);

interface Recipe { dataset?: string; epochs?: number; lr?: number; batchSize?: number; optimizer?: string; momentum?: number; nesterov?: boolean; weightDecay?: number; schedule?: ScheduleConfig }

/** A checkpoint with its train/test sources, normalised as the checkpoint says (shared with `sensitivity`). */
export function loadForCompression(path: string | undefined, command: string, o: Record<string, unknown>) {
  if (path === undefined) throw new UsageError(`${command}: missing MODEL (a .pqck checkpoint written by prunequant train)`);
  const { model, meta } = loadCheckpoint(path);
  const recipe = (meta['recipe'] ?? {}) as Recipe;
  const dataset = (o['dataset'] as string | undefined) ?? recipe.dataset ?? 'mnist';
  const split = loadSplit(dataset, o['limit'] as number | undefined);
  const normalization = (meta['normalization'] as { mean: number; std: number } | undefined) ?? split.normalization;
  return {
    model, meta, recipe, dataset, normalization,
    train: batchSource(split.train, { normalization }), test: batchSource(split.test, { normalization }),
  };
}

export function selectOptions(command: string, o: Record<string, unknown>): SelectOptions {
  const exclude = o['exclude'] === undefined ? [] : String(o['exclude']).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const minSize = o['min-size'] as number;
  if (!(Number.isInteger(minSize) && minSize >= 0)) throw new UsageError(`${command}: --min-size must be an integer >= 0, got ${minSize}`);
  return { exclude, minSize };
}

function fineTuneRecipe(o: Record<string, unknown>, recipe: Recipe): FineTuneRecipe {
  const epochs = (o['finetune-epochs'] as number | undefined) ?? recipe.epochs;
  const lr = (o['lr'] as number | undefined) ?? recipe.lr;
  if (epochs === undefined || lr === undefined) throw new UsageError('prune: the checkpoint holds no training recipe; pass --finetune-epochs and --lr');
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new UsageError(`prune: --finetune-epochs must be an integer >= 0, got ${epochs}`);
  if (!(lr > 0)) throw new UsageError(`prune: --lr must be > 0, got ${lr}`);
  return {
    epochs, lr, batchSize: (o['batch-size'] as number | undefined) ?? recipe.batchSize ?? 64, optimizer: recipe.optimizer ?? 'sgd',
    momentum: recipe.momentum ?? 0, nesterov: recipe.nesterov ?? false, weightDecay: recipe.weightDecay ?? 0, seed: o['seed'] as number,
    ...(recipe.schedule ? { schedule: recipe.schedule } : {}),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Runs a library check and reports its RangeError as a usage mistake (exit code 2). */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message) : e;
  }
}

async function gradual(model: Model, train: BatchSource, test: BatchSource, sel: SelectOptions, scope: PruneScope, sparsity: number, r: FineTuneRecipe, every: number) {
  if (r.epochs < 1) throw new UsageError('prune: --gradual prunes during fine-tuning, so it needs --finetune-epochs >= 1');
  if (!(Number.isInteger(every) && every >= 1)) throw new UsageError(`prune: --prune-every must be a positive integer, got ${every}`);
  // Ramp over the first half of fine-tuning so the second half recovers at the final level.
  const total = r.epochs * Math.ceil(train.count / r.batchSize);
  const frequency = Math.min(every, Math.max(1, Math.floor(total / 2)));
  const schedule = { initialSparsity: 0, finalSparsity: sparsity, startStep: 0, pruningSteps: Math.max(1, Math.floor(total / 2 / frequency)), frequency };
  const pruner = new GradualPruner(model, { ...sel, scope, schedule });
  pruner.begin();
  await fineTune(model, train, test, r, { afterStep: pruner.afterStep });
  const last = pruner.finish();
  return { prune: last, schedule, history: pruner.history };
}

export async function prune(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('prune', argv, OPTIONS);
  if (o['help']) return void process.stdout.write(`${pruneUsage}\n`);
  applyThreads(o['threads']);
  const json = o['json'] === true;
  const log = (s: string) => { if (!json) process.stderr.write(`${s}\n`); };
  const scope = String(o['scope']) as PruneScope;
  if (scope !== 'global' && scope !== 'layer') throw new UsageError(`prune: --scope must be global or layer, got '${scope}'`);
  const adaptive = o['adaptive'] === true;
  const sparsity = o['sparsity'] as number | undefined;
  if (adaptive && (sparsity !== undefined || o['gradual'] === true)) throw new UsageError('prune: --adaptive searches the level itself; drop --sparsity / --gradual');
  if (!adaptive) {
    if (sparsity === undefined) throw new UsageError('prune: give --sparsity S (S in [0, 1)) or --adaptive');
    asUsage(() => checkSparsity(sparsity, 'prune --sparsity'));
  } else {
    asUsage(() => percentileToSparsity(o['start'] as number, 'prune --start'));
    asUsage(() => checkControllerOptions({ baseline: 0, tolerance: o['tolerance'] as number, start: o['start'] as number, step: o['step'] as number, minStep: o['min-step'] as number }));
  }
  const sel = selectOptions('prune', o);
  const path = positionals[0];
  const started = performance.now();
  const { model, meta, recipe, dataset, normalization, train, test } = loadForCompression(path, 'prune', o);
  const layers = prunableLayers(model, sel); // bad patterns and unprunable models fail here, before any training
  const ft = fineTuneRecipe(o, recipe);
  const baseline = evaluate(model, test).accuracy;
  log(`${path}: baseline ${pct(baseline)} on ${dataset} test; pruning ${layers.length} layer(s): ${layers.map((l) => l.name).join(', ')}`);
  let report: Record<string, unknown>;
  let postPrune: number | null = null;
  let prunePass: PruneResult | null;
  if (adaptive) {
    const r = await adaptivePrune(model, {
      ...sel, scope, train, test, recipe: ft, baseline,
      tolerance: o['tolerance'] as number, start: o['start'] as number, step: o['step'] as number, minStep: o['min-step'] as number,
      onTrial: (t) => log(`trial ${t.trial}: level ${t.level}% → pruned ${pct(t.postPruneAccuracy)}, fine-tuned ${pct(t.fineTunedAccuracy)} (drop ${t.dropPp.toFixed(2)} pp) ${t.accepted ? 'ok' : 'FAIL'}`),
    });
    prunePass = r.prune;
    report = { method: 'adaptive', bestLevel: r.bestLevel, tolerance: r.tolerance, trajectory: r.trajectory, stopReason: r.stopReason };
  } else if (o['gradual'] === true) {
    const r = await gradual(model, train, test, sel, scope, sparsity!, ft, o['prune-every'] as number);
    prunePass = r.prune;
    report = { method: 'gradual', schedule: r.schedule, pruningSteps: r.history.length };
  } else {
    prunePass = pruneModel(model, { ...sel, scope, sparsity: sparsity! });
    postPrune = evaluate(model, test).accuracy;
    log(`pruned to ${pct(prunePass.sparsity)} of the chosen weights: accuracy ${pct(postPrune)}`);
    if (ft.epochs > 0) {
      await fineTune(model, train, test, ft, { onEpochEnd: (e) => log(`fine-tune epoch ${e.epoch}/${ft.epochs}: train loss ${e.trainLoss.toFixed(4)}`) });
    }
    report = { method: 'one-shot', sparsity };
  }
  const final = evaluate(model, test);
  const masks = maskStats(model);
  if (masks.violations !== 0) throw new Error(`prune: ${masks.violations} masked weights are not 0 after fine-tuning; this is a bug`);
  const outDir = resolve(String(o['out']));
  const checkpoint = join(outDir, 'model.pqck');
  const pruneMeta = { ...report, scope, exclude: sel.exclude, minSize: sel.minSize, source: resolve(path!), baseline, postPrune, accuracy: final.accuracy, sparsity: masks.sparsity, fineTune: ft };
  saveCheckpoint(checkpoint, model, { meta: { ...meta, recipe, normalization, prune: pruneMeta, test: final } });
  const result = {
    command: 'prune', model: path, dataset, checkpoint, ...report, scope, baseline, postPruneAccuracy: postPrune, accuracy: final.accuracy,
    dropPp: 100 * (baseline - final.accuracy), sparsity: masks.sparsity, prunedSparsity: prunePass?.sparsity ?? 0,
    layers: masks.layers, fineTune: ft, pqmBytes: pqmBytes(model, { meta: { recipe, normalization }, source: checkpoint }).length, seconds: (performance.now() - started) / 1000,
  };
  writeFileAtomic(join(outDir, 'prune.json'), JSON.stringify(result, null, 2));
  finish(json, result, `pruned ${path} to ${pct(masks.sparsity)} of its weights: accuracy ${pct(final.accuracy)} (baseline ${pct(baseline)}), ${result.pqmBytes} bytes as .pqm; wrote ${checkpoint} and ${join(dirname(checkpoint), 'prune.json')}`);
}
