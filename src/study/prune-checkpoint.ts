/**
 * `prunequant prune` as a library call: one-shot, gradual or adaptive pruning of a loaded model,
 * fine-tuned with its recipe through compress's one training loop, the pruned checkpoint and a
 * JSON report written atomically. The adaptive controller decides on a validation split carved
 * from the training data (holdout.ts); the test split only reports.
 */
import { resolve } from 'node:path';
import {
  GradualPruner, adaptivePrune, fineTune, maskStats, prunableLayers, pruneModel,
  type FineTuneRecipe, type PruneResult, type PruneScope, type SelectOptions,
} from '../compress/index.js';
import type { Dataset } from '../data/index.js';
import { pqmBytes } from '../io/index.js';
import { evaluate, saveCheckpoint, writeFileAtomic, type BatchSource, type Model } from '../nn/index.js';
import { decisionSplits } from './holdout.js';

export type PruneMethod =
  | { kind: 'one-shot'; sparsity: number }
  /** Prunes during fine-tuning on the Zhu & Gupta cubic schedule, every `pruneEvery` steps at most. */
  | { kind: 'gradual'; sparsity: number; pruneEvery: number }
  | {
    kind: 'adaptive'; tolerance: number; start: number; step: number; minStep: number;
    /** Validation images carved from the training split (undefined: the default; 0: decide on the test split). */
    validation?: number;
  };

/** What `prune` and `quantize` both start from: a loaded model and its data. */
export interface CheckpointJob {
  model: Model;
  /** The checkpoint's meta, kept in the written checkpoint. */
  meta: Record<string, unknown>;
  /** Where the model came from (a path), for the report. */
  source: string;
  dataset: string;
  /** Where train and test came from (kind, counts, a carve), copied into the report. */
  split?: Record<string, unknown>;
  normalization: { mean: number | readonly number[]; std: number | readonly number[] };
  train: Dataset;
  test: Dataset;
}

export interface PruneCheckpointJob extends CheckpointJob {
  recipe: Record<string, unknown>;
  scope: PruneScope;
  select: SelectOptions;
  method: PruneMethod;
  fineTune: FineTuneRecipe;
  /** Seeds the validation carve (fine-tuning has its own seed in `fineTune`). */
  seed: number;
  checkpoint: string;
  reportPath: string;
  /** performance.now() when the command started (the report's seconds); default: this call. */
  started?: number;
  log?(line: string): void;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function gradual(model: Model, train: BatchSource, test: BatchSource, job: PruneCheckpointJob, sparsity: number, every: number) {
  const r = job.fineTune;
  if (r.epochs < 1) throw new RangeError('prune: gradual pruning prunes during fine-tuning, so it needs at least 1 fine-tuning epoch');
  // Ramp over the first half of fine-tuning so the second half recovers at the final level.
  const total = r.epochs * Math.ceil(train.count / r.batchSize);
  const frequency = Math.min(every, Math.max(1, Math.floor(total / 2)));
  const schedule = { initialSparsity: 0, finalSparsity: sparsity, startStep: 0, pruningSteps: Math.max(1, Math.floor(total / 2 / frequency)), frequency };
  const pruner = new GradualPruner(model, { ...job.select, scope: job.scope, schedule });
  pruner.begin();
  await fineTune(model, train, test, r, { afterStep: pruner.afterStep });
  const last = pruner.finish();
  return { prune: last, schedule, history: pruner.history };
}

/**
 * Prunes `job.model` in place, fine-tunes it, writes `job.checkpoint` and `job.reportPath`, and
 * returns the report (what `prune --json` prints).
 * @example const report = await pruneCheckpoint({ ...loaded, source: path, scope: 'global', select: {}, method: { kind: 'one-shot', sparsity: 0.9 }, fineTune, seed: 0, checkpoint, reportPath });
 */
export async function pruneCheckpoint(job: PruneCheckpointJob): Promise<Record<string, unknown>> {
  const started = job.started ?? performance.now();
  const { model, method, scope, select: sel, log = () => {} } = job;
  const layers = prunableLayers(model, sel); // bad patterns and unprunable models fail here, before any training
  const ft = job.fineTune;
  const splits = decisionSplits(job.train, job.test, {
    count: method.kind === 'adaptive' ? method.validation : 0, seed: job.seed, normalization: job.normalization,
  });
  const { train, test } = splits;
  const baseline = evaluate(model, test).accuracy;
  const valBaseline = splits.decidedOn === 'validation' ? evaluate(model, splits.decide).accuracy : null;
  log(`${job.source}: baseline ${pct(baseline)} on ${job.dataset} test${valBaseline !== null ? `, ${pct(valBaseline)} on ${splits.valCount} validation images` : ''}; ` +
    `pruning ${layers.length} layer(s): ${layers.map((l) => l.name).join(', ')}`);
  let report: Record<string, unknown>;
  let postPrune: number | null = null;
  let prunePass: PruneResult | null;
  if (method.kind === 'adaptive') {
    if (splits.decidedOn === 'test') log('prune: --val 0: the controller decides on the test split, so the accuracy reported is optimistic');
    const r = await adaptivePrune(model, {
      ...sel, scope, train, val: splits.decide, recipe: ft, baseline: valBaseline ?? baseline,
      tolerance: method.tolerance, start: method.start, step: method.step, minStep: method.minStep,
      onTrial: (t) => log(`trial ${t.trial}: level ${t.level}% → pruned ${pct(t.postPruneAccuracy)}, fine-tuned ${pct(t.fineTunedAccuracy)} ` +
        `on ${splits.decidedOn} (drop ${t.dropPp.toFixed(2)} pp) ${t.accepted ? 'ok' : 'FAIL'}`),
    });
    prunePass = r.prune;
    report = {
      method: 'adaptive', bestLevel: r.bestLevel, tolerance: r.tolerance, trajectory: r.trajectory, stopReason: r.stopReason,
      validation: { decidedOn: splits.decidedOn, count: splits.valCount, seed: job.seed, baseline: valBaseline },
    };
  } else if (method.kind === 'gradual') {
    const r = await gradual(model, train, test, job, method.sparsity, method.pruneEvery);
    prunePass = r.prune;
    report = { method: 'gradual', schedule: r.schedule, pruningSteps: r.history.length };
  } else {
    prunePass = pruneModel(model, { ...sel, scope, sparsity: method.sparsity });
    postPrune = evaluate(model, test).accuracy;
    log(`pruned to ${pct(prunePass.sparsity)} of the chosen weights: accuracy ${pct(postPrune)}`);
    if (ft.epochs > 0) {
      await fineTune(model, train, test, ft, { onEpochEnd: (e) => log(`fine-tune epoch ${e.epoch}/${ft.epochs}: train loss ${e.trainLoss.toFixed(4)}`) });
    }
    report = { method: 'one-shot', sparsity: method.sparsity };
  }
  const final = evaluate(model, test);
  const masks = maskStats(model);
  if (masks.violations !== 0) throw new Error(`prune: ${masks.violations} masked weights are not 0 after fine-tuning; this is a bug`);
  const { recipe, normalization, meta, checkpoint } = job;
  const pruneMeta = { ...report, scope, exclude: sel.exclude, minSize: sel.minSize, source: resolve(job.source), baseline, postPrune, accuracy: final.accuracy, sparsity: masks.sparsity, fineTune: ft };
  saveCheckpoint(checkpoint, model, { meta: { ...meta, recipe, normalization, prune: pruneMeta, test: final } });
  const result = {
    command: 'prune', model: job.source, dataset: job.dataset, ...job.split, checkpoint, ...report, scope, baseline, postPruneAccuracy: postPrune, accuracy: final.accuracy,
    dropPp: 100 * (baseline - final.accuracy), sparsity: masks.sparsity, prunedSparsity: prunePass?.sparsity ?? 0,
    layers: masks.layers, fineTune: ft, pqmBytes: pqmBytes(model, { meta: { recipe, normalization, ...(meta['preprocessing'] !== undefined ? { preprocessing: meta['preprocessing'] } : {}) }, source: checkpoint }).length, seconds: (performance.now() - started) / 1000,
  };
  writeFileAtomic(job.reportPath, JSON.stringify(result, null, 2));
  return result;
}
