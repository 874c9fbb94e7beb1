/**
 * `prunequant prune`: one-shot, gradual or adaptive percentile pruning of a checkpoint,
 * fine-tuned with the model's own recipe unless told otherwise. Parses, loads, and hands the
 * work to the study library (pruneCheckpoint), which writes the pruned checkpoint (masks
 * included) and a JSON report, both atomically.
 */
import { resolve } from 'node:path';
import {
  QUANT_META_KEY, checkControllerOptions, checkSparsity, percentileToSparsity,
  type FineTuneRecipe, type PruneScope, type SelectOptions,
} from '../../compress/index.js';
import { normalizationOf } from '../../io/index.js';
import type { ScheduleConfig } from '../../nn/index.js';
import { MAX_DEFAULT_VALIDATION, pruneCheckpoint, type PruneMethod } from '../../study/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, applyThreads, checkOutDir, finish } from '../common.js';
import {
  DATASET_OPTION, PREPROCESSING_OPTIONS, carveSeedFor, checkDatasetArg, checkModelArg, loadCommandData, loadModelArg, metaWithPreprocessing, parsePreprocessingOptions,
  resolvePreprocessing, splitNote, splitReport,
} from '../model-input.js';

const OPTIONS: Record<string, OptionSpec> = {
  sparsity: { type: 'number', help: 'fraction of weights to prune, in [0, 1) (percentile / 100); not with --adaptive' },
  scope: { type: 'string', default: 'global', help: 'global (rank all chosen layers together) or layer (each layer to --sparsity)' },
  exclude: { type: 'string', help: 'comma-separated globs over node names / param paths to keep dense, or @first / @last' },
  'min-size': { type: 'number', default: 0, integer: true, min: 0, help: 'layers with fewer weights stay dense' },
  'finetune-epochs': { type: 'number', integer: true, min: 0, help: 'fine-tuning epochs (default: the recipe\'s epochs; 0: no fine-tuning)' },
  lr: { type: 'number', above: 0, help: 'fine-tuning learning rate (default: the recipe\'s lr)' },
  'batch-size': { type: 'number', integer: true, min: 1, help: 'fine-tuning batch size (default: the recipe\'s)' },
  seed: { type: 'number', default: 0, integer: true, help: 'seed for shuffling and dropout during fine-tuning, and for the --val carve' },
  adaptive: { type: 'boolean', default: false, help: 'search the highest level within --tolerance (dynamic threshold controller)' },
  tolerance: { type: 'number', default: 0.5, min: 0, help: 'adaptive: allowed top-1 drop in percentage points' },
  start: { type: 'number', default: 50, help: 'adaptive: first percentile tried' },
  step: { type: 'number', default: 10, help: 'adaptive: initial percentile step' },
  'min-step': { type: 'number', default: 1, help: 'adaptive: stop when the halved step falls below this' },
  val: { type: 'number', integer: true, min: 0, help: `adaptive: validation images carved from the training data (seeded by --seed) on which the controller decides; the test split only reports (default: 1 in 12, at most ${MAX_DEFAULT_VALIDATION}; 0: decide on the test split, with a warning)` },
  gradual: { type: 'boolean', default: false, help: 'prune during fine-tuning on the Zhu & Gupta cubic schedule, over its first half' },
  'prune-every': { type: 'number', default: 100, integer: true, min: 1, help: 'gradual: training steps between pruning steps (Δt)' },
  dataset: DATASET_OPTION,
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N samples of each split (quick runs)' },
  ...PREPROCESSING_OPTIONS,
  out: { type: 'string', default: 'runs/prune', help: 'output directory for model.pqck and prune.json (and a dataset folder\'s decoded cache unless --cache)' },
  force: FORCE_OPTION,
  ...COMMON_OPTIONS,
};

export const pruneUsage = helpText('prunequant prune MODEL (.pqck|.onnx|model.json) --sparsity 0.9 [--scope global|layer] [--adaptive --tolerance 0.5] [--gradual] [--out DIR]', OPTIONS);

interface Recipe { dataset?: string; carve?: { seed: number; oneIn: number }; epochs?: number; lr?: number; batchSize?: number; optimizer?: string; momentum?: number; nesterov?: boolean; weightDecay?: number; schedule?: ScheduleConfig }

/**
 * A model of any format with its train/test splits (a built-in dataset or a folder) and the
 * normalisation it was trained with (shared with `sensitivity`); the meta returned records the
 * preprocessing, so the checkpoint written from it carries it on. `floatOnly` refuses a quantized
 * checkpoint before any data is loaded.
 */
export function loadForCompression(path: string | undefined, command: string, o: Record<string, unknown>, floatOnly = false, cacheDir?: string) {
  checkDatasetArg(command, o['dataset']);
  const given = parsePreprocessingOptions(command, o);
  checkModelArg(command, path);
  const loaded = loadModelArg(command, path!, { restoreQuantization: false });
  const { model } = loaded;
  try {
    const meta = loaded.meta;
    const q = meta[QUANT_META_KEY] as { weights?: Record<string, { bits?: number }> } | undefined;
    if (floatOnly && q !== undefined) {
      const bits = [...new Set(Object.values(q.weights ?? {}).map((w) => w.bits))].join('/');
      throw new UsageError(`${command}: ${path} is quantized (${bits}-bit weights); pruning it would leave weights its integer codes no longer match. ` +
        'Prune the float checkpoint first, then quantize the pruned one (quantization keeps the zeros)');
    }
    const stored = (meta['recipe'] ?? {}) as Recipe;
    const dataset = (o['dataset'] as string | undefined) ?? stored.dataset ?? 'mnist';
    // A folder without split folders: test on the split the model's training held out (its recorded carve), else one carved with --seed.
    const data = loadCommandData(command, dataset, model.inputShape, {
      limit: o['limit'] as number | undefined, cacheDir: (o['cache'] as string | undefined) ?? cacheDir, carveSeed: carveSeedFor(stored, dataset, o['seed'] as number),
    });
    const { preprocessing } = resolvePreprocessing(command, given, loaded.preprocessing, data.dataset, model.inputShape[0]);
    const { carve: _previous, ...kept } = stored;
    const recipe: Recipe = { ...kept, dataset: data.dataset, ...(data.carve ? { carve: data.carve } : {}) };
    return {
      model, meta: metaWithPreprocessing(meta, preprocessing), recipe, dataset: data.dataset, normalization: normalizationOf(preprocessing), train: data.train, test: data.test,
      split: splitReport(data), splitNote: splitNote(command, data),
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

/** Runs a library call and reports the RangeError of its argument checks as a usage mistake (exit code 2). */
export async function asUsageAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message) : e;
  }
}

/** Runs a library check and reports its RangeError as a usage mistake (exit code 2). */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message) : e;
  }
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
  if (path === undefined) throw new UsageError('prune: missing MODEL (.pqck, .onnx or TF.js model.json)');
  const [checkpoint, reportPath] = checkOutDir('prune', resolve(String(o['out'])), ['model.pqck', 'prune.json'], { force: o['force'] === true, inputs: [path] }) as [string, string];
  if (!adaptive && o['val'] !== undefined) throw new UsageError('prune: --val is the validation split the adaptive controller decides on; give it with --adaptive');
  const started = performance.now();
  const loaded = loadForCompression(path, 'prune', o, true, resolve(String(o['out']), 'dataset-cache'));
  try {
    const ft = fineTuneRecipe(o, loaded.recipe);
    if (o['gradual'] === true && ft.epochs < 1) throw new UsageError('prune: --gradual prunes during fine-tuning, so it needs --finetune-epochs >= 1');
    const method: PruneMethod = adaptive
      ? { kind: 'adaptive', tolerance: o['tolerance'] as number, start: o['start'] as number, step: o['step'] as number, minStep: o['min-step'] as number, ...(o['val'] !== undefined ? { validation: o['val'] as number } : {}) }
      : o['gradual'] === true ? { kind: 'gradual', sparsity: sparsity!, pruneEvery: o['prune-every'] as number } : { kind: 'one-shot', sparsity: sparsity! };
    if (loaded.splitNote !== null) log(loaded.splitNote);
    const result = await asUsageAsync(() => pruneCheckpoint({
      ...loaded, recipe: loaded.recipe as Record<string, unknown>, source: path, scope, select: sel, method, fineTune: ft, seed: o['seed'] as number,
      checkpoint, reportPath, started, log,
    }));
    finish(json, result, `pruned ${path} to ${pct(result['sparsity'] as number)} of its weights: accuracy ${pct(result['accuracy'] as number)} ` +
      `(baseline ${pct(result['baseline'] as number)}), ${String(result['pqmBytes'])} bytes as .pqm; wrote ${checkpoint} and ${reportPath}`);
  } finally {
    loaded.model.dispose();
  }
}

