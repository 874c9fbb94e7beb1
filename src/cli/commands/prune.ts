/**
 * `prunequant prune`: one-shot, gradual or adaptive percentile pruning of a checkpoint,
 * fine-tuned with the model's own recipe unless told otherwise. Writes the pruned
 * checkpoint (masks included) and a JSON report, both atomically.
 */
import { resolve } from 'node:path';
import {
  GradualPruner, QUANT_META_KEY, adaptivePrune, checkControllerOptions, checkSparsity, fineTune, maskStats, percentileToSparsity, prunableLayers, pruneModel,
  type FineTuneRecipe, type PruneResult, type PruneScope, type SelectOptions,
} from '../../compress/index.js';
import { batchSource } from '../../data/index.js';
import { evaluate, loadCheckpoint, saveCheckpoint, writeFileAtomic, type BatchSource, type Model, type ScheduleConfig } from '../../nn/index.js';
import { pqmBytes } from '../../io/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, applyThreads, checkDatasetOption, checkOutDir, finish, loadSplit } from '../common.js';

const OPTIONS: Record<string, OptionSpec> = {
  sparsity: { type: 'number', help: 'fraction of weights to prune, in [0, 1) (percentile / 100); not with --adaptive' },
  scope: { type: 'string', default: 'global', help: 'global (rank all chosen layers together) or layer (each layer to --sparsity)' },
  exclude: { type: 'string', help: 'comma-separated globs over node names / param paths to keep dense, or @first / @last' },
  'min-size': { type: 'number', default: 0, integer: true, min: 0, help: 'layers with fewer weights stay dense' },
  'finetune-epochs': { type: 'number', integer: true, min: 0, help: 'fine-tuning epochs (default: the recipe\'s epochs; 0: no fine-tuning)' },
  lr: { type: 'number', above: 0, help: 'fine-tuning learning rate (default: the recipe\'s lr)' },
  'batch-size': { type: 'number', integer: true, min: 1, help: 'fine-tuning batch size (default: the recipe\'s)' },
  seed: { type: 'number', default: 0, integer: true, help: 'seed for shuffling and dropout during fine-tuning' },
  adaptive: { type: 'boolean', default: false, help: 'search the highest level within --tolerance (dynamic threshold controller)' },
  tolerance: { type: 'number', default: 0.5, min: 0, help: 'adaptive: allowed top-1 drop in percentage points' },
  start: { type: 'number', default: 50, help: 'adaptive: first percentile tried' },
  step: { type: 'number', default: 10, help: 'adaptive: initial percentile step' },
  'min-step': { type: 'number', default: 1, help: 'adaptive: stop when the halved step falls below this' },
  gradual: { type: 'boolean', default: false, help: 'prune during fine-tuning on the Zhu & Gupta cubic schedule, over its first half' },
  'prune-every': { type: 'number', default: 100, integer: true, min: 1, help: 'gradual: training steps between pruning steps (Δt)' },
  dataset: { type: 'string', help: 'mnist or fashion-mnist (default: the one the model was trained on)' },
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N samples of each split (quick runs)' },
  out: { type: 'string', default: 'runs/prune', help: 'output directory for model.pqck and prune.json' },
  force: FORCE_OPTION,
  ...COMMON_OPTIONS,
};

export const pruneUsage = helpText('prunequant prune MODEL.pqck --sparsity 0.9 [--scope global|layer] [--adaptive --tolerance 0.5] [--gradual] [--out DIR]', OPTIONS);

interface Recipe { dataset?: string; epochs?: number; lr?: number; batchSize?: number; optimizer?: string; momentum?: number; nesterov?: boolean; weightDecay?: number; schedule?: ScheduleConfig }

/**
 * A checkpoint with its train/test sources, normalised as the checkpoint says (shared with `sensitivity`).
 * `floatOnly` refuses a quantized checkpoint before any data is loaded.
 */
export function loadForCompression(path: string | undefined, command: string, o: Record<string, unknown>, floatOnly = false) {
  if (path === undefined) throw new UsageError(`${command}: missing MODEL (a .pqck checkpoint written by prunequant train)`);
  checkDatasetOption(command, o['dataset']);
  const { model, meta } = loadCheckpoint(path);
  try {
    const q = meta[QUANT_META_KEY] as { weights?: Record<string, { bits?: number }> } | undefined;
    if (floatOnly && q !== undefined) {
      const bits = [...new Set(Object.values(q.weights ?? {}).map((w) => w.bits))].join('/');
      throw new UsageError(`${command}: ${path} is quantized (${bits}-bit weights); pruning it would leave weights its integer codes no longer match. ` +
        'Prune the float checkpoint first, then quantize the pruned one (quantization keeps the zeros)');
    }
    const recipe = (meta['recipe'] ?? {}) as Recipe;
    const dataset = (o['dataset'] as string | undefined) ?? recipe.dataset ?? 'mnist';
    const split = loadSplit(dataset, o['limit'] as number | undefined);
    const normalization = (meta['normalization'] as { mean: number; std: number } | undefined) ?? split.normalization;
    return {
      model, meta, recipe, dataset, normalization,
      train: batchSource(split.train, { normalization }), test: batchSource(split.test, { normalization }),
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
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
  const { positionals, options: o } = parseArgs('prune', argv, OPTIONS, { positionals: ['MODEL'] });
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
  if (path === undefined) throw new UsageError('prune: missing MODEL (a .pqck checkpoint written by prunequant train)');
  const [checkpoint, reportPath] = checkOutDir('prune', resolve(String(o['out'])), ['model.pqck', 'prune.json'], { force: o['force'] === true, inputs: [path] }) as [string, string];
  const started = performance.now();
  const loaded = loadForCompression(path, 'prune', o, true);
  try {
    await pruneLoaded(o, { path, checkpoint, reportPath, started, json, log, scope, adaptive, sparsity, sel }, loaded);
  } finally {
    loaded.model.dispose();
  }
}

interface PruneRun {
  path: string; checkpoint: string; reportPath: string; started: number; json: boolean; log: (s: string) => void;
  scope: PruneScope; adaptive: boolean; sparsity: number | undefined; sel: SelectOptions;
}

async function pruneLoaded(o: Record<string, unknown>, run: PruneRun, loaded: ReturnType<typeof loadForCompression>): Promise<void> {
  const { path, checkpoint, reportPath, started, json, log, scope, adaptive, sparsity, sel } = run;
  const { model, meta, recipe, dataset, normalization, train, test } = loaded;
  const layers = prunableLayers(model, sel); // bad patterns and unprunable models fail here, before any training
  const ft = fineTuneRecipe(o, recipe);
  if (o['gradual'] === true && ft.epochs < 1) throw new UsageError('prune: --gradual prunes during fine-tuning, so it needs --finetune-epochs >= 1');
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
  const pruneMeta = { ...report, scope, exclude: sel.exclude, minSize: sel.minSize, source: resolve(path), baseline, postPrune, accuracy: final.accuracy, sparsity: masks.sparsity, fineTune: ft };
  saveCheckpoint(checkpoint, model, { meta: { ...meta, recipe, normalization, prune: pruneMeta, test: final } });
  const result = {
    command: 'prune', model: path, dataset, checkpoint, ...report, scope, baseline, postPruneAccuracy: postPrune, accuracy: final.accuracy,
    dropPp: 100 * (baseline - final.accuracy), sparsity: masks.sparsity, prunedSparsity: prunePass?.sparsity ?? 0,
    layers: masks.layers, fineTune: ft, pqmBytes: pqmBytes(model, { meta: { recipe, normalization }, source: checkpoint }).length, seconds: (performance.now() - started) / 1000,
  };
  writeFileAtomic(reportPath, JSON.stringify(result, null, 2));
  finish(json, result, `pruned ${path} to ${pct(masks.sparsity)} of its weights: accuracy ${pct(final.accuracy)} (baseline ${pct(baseline)}), ${result.pqmBytes} bytes as .pqm; wrote ${checkpoint} and ${reportPath}`);
}
