/**
 * Runs one trial from its job alone: load the parent's checkpoint (or build the baseline), prune,
 * train, quantize, evaluate on the validation split, and write trials/<id>/ atomically:
 * model.pqck (the float weights and masks children continue from), model.pqm (the deployed form,
 * whose size is the trial's size) and, last, result.json. A trial directory without result.json
 * is unfinished and is run again; one with it is never run twice.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { maskStats, pruneModel } from '../compress/index.js';
import { pqmBytes } from '../io/index.js';
import { createModel, evaluate, loadCheckpoint, saveCheckpoint, writeFileAtomic, type Model } from '../nn/index.js';
import { loadBaseModel } from './base-model.js';
import { TrialError } from './errors.js';
import type { StudyEvent } from './events.js';
import { loadStudyData, studySources } from './study-data.js';
import { deployForm, nonzeroWeights, trainWithRecipe } from './train-step.js';
import { describeTrial, type TrialJob, type TrialResult } from './trial-spec.js';

export interface TrialContext {
  runDir: string;
  /** Where finished baselines are kept across runs; null: no cache. */
  cacheDir: string | null;
  onEvent?(e: StudyEvent): void;
}

/** Least time between two batch-progress events of a trial. */
const BATCH_EVENT_MS = 250;

export const trialDir = (runDir: string, id: string): string => join(runDir, 'trials', id);

/** The finished result of a trial, or null when it has not finished. */
export function readTrialResult(dir: string): TrialResult | null {
  const path = join(dir, 'result.json');
  if (!existsSync(path) || !existsSync(join(dir, 'model.pqck')) || !existsSync(join(dir, 'model.pqm'))) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TrialResult;
  } catch {
    return null; // unreadable: run it again (writes are atomic, so this is a foreign file)
  }
}

/** A copy of a finished trial directory, written under a temporary name and renamed into place. */
function copyTrial(from: string, to: string): void {
  const tmp = `${to}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of ['model.pqck', 'model.pqm', 'result.json']) copyFileSync(join(from, f), join(tmp, f));
  rmSync(to, { recursive: true, force: true });
  renameSync(tmp, to);
}

function startModel(job: TrialJob, ctx: TrialContext, inputShape: [number, number, number], classes: number): Model {
  const { spec } = job;
  if (spec.parent !== null) return loadCheckpoint(join(trialDir(ctx.runDir, spec.parent), 'model.pqck')).model;
  if (spec.base === null) throw new TrialError(`trial ${job.id}: a trial with no parent needs a base model`, job.id);
  if ('zoo' in spec.base) return createModel(spec.base.zoo, { inputShape, classes, seed: spec.base.seed });
  return loadBaseModel(spec.base.checkpoint).model;
}

/**
 * Runs `job` unless it already finished in the run directory (or, for a baseline, in the cache),
 * and returns its result.
 * @example const result = await runTrial(job, { runDir: 'runs/study', cacheDir: null });
 */
export async function runTrial(job: TrialJob, ctx: TrialContext): Promise<TrialResult> {
  const dir = trialDir(ctx.runDir, job.id);
  const label = describeTrial(job.spec);
  const done = readTrialResult(dir);
  if (done !== null) {
    ctx.onEvent?.({ kind: 'trial-done', trial: job.id, label, valAccuracy: done.valAccuracy, pqmBytes: done.pqmBytes, seconds: done.seconds, reused: 'run' });
    return done;
  }
  const cached = ctx.cacheDir !== null && job.spec.stage === 'baseline' ? join(ctx.cacheDir, job.id) : null;
  if (cached !== null && readTrialResult(cached) !== null) {
    copyTrial(cached, dir);
    const r = readTrialResult(dir)!;
    ctx.onEvent?.({ kind: 'trial-done', trial: job.id, label, valAccuracy: r.valAccuracy, pqmBytes: r.pqmBytes, seconds: r.seconds, reused: 'cache' });
    return r;
  }
  ctx.onEvent?.({ kind: 'trial-start', trial: job.id, label });
  let result: TrialResult;
  try {
    result = await execute(job, ctx, dir);
  } catch (e) {
    if (e instanceof TrialError) throw e;
    throw new TrialError(`trial ${job.id} (${label}): ${(e as Error).message}`, job.id);
  }
  if (cached !== null) {
    try {
      copyTrial(dir, cached);
    } catch {
      // The cache is an optimisation: a read-only cache directory must not fail the study.
    }
  }
  ctx.onEvent?.({ kind: 'trial-done', trial: job.id, label, valAccuracy: result.valAccuracy, pqmBytes: result.pqmBytes, seconds: result.seconds, reused: null });
  return result;
}

async function execute(job: TrialJob, ctx: TrialContext, dir: string): Promise<TrialResult> {
  const { spec } = job;
  const label = describeTrial(spec);
  const started = performance.now();
  const data = loadStudyData(spec.data);
  const { train, val } = studySources(data, spec.train?.shift ?? 0);
  const model = startModel(job, ctx, data.train.shape, data.train.classes);
  try {
    if (spec.prune !== null) pruneModel(model, { sparsity: spec.prune.sparsity, scope: spec.prune.scope, exclude: spec.prune.exclude, minSize: spec.prune.minSize });
    let lastBatch = -Infinity;
    const history = spec.train === null ? [] : await trainWithRecipe(model, train, spec.train, {
      seed: spec.seed, quant: spec.quant,
      onEpochEnd: (r) => ctx.onEvent?.({ kind: 'epoch', trial: job.id, label, epoch: r.epoch, epochs: spec.train!.epochs, trainLoss: r.trainLoss, seconds: r.seconds }),
      // A few events a second at most: a worker sends each over IPC, and a display redraws on them.
      onBatchEnd: ({ epoch, step, steps, loss }) => {
        const now = performance.now();
        if (ctx.onEvent === undefined || (now - lastBatch < BATCH_EVENT_MS && step + 1 < steps)) return;
        lastBatch = now;
        ctx.onEvent({ kind: 'batch', trial: job.id, label, epoch: epoch + 1, epochs: spec.train!.epochs, step: step + 1, steps, loss });
      },
    });
    const masks = maskStats(model);
    if (masks.violations !== 0) throw new Error(`${masks.violations} masked weights are not 0 after training; this is a bug`);
    mkdirSync(dir, { recursive: true });
    const meta = { recipe: { dataset: spec.data.dataset, ...(spec.train ?? {}) }, normalization: data.normalization, trial: { id: job.id, ...spec } };
    saveCheckpoint(join(dir, 'model.pqck'), model, { meta });
    const deployed = deployForm(model, spec.quant);
    try {
      const bytes = pqmBytes(deployed.model, { meta, source: job.id, ...(deployed.quantized ? { quantized: deployed.quantized } : {}) });
      writeFileAtomic(join(dir, 'model.pqm'), bytes);
      const after = maskStats(deployed.model);
      const result: TrialResult = {
        id: job.id, stage: spec.stage, mode: spec.mode, sparsity: spec.sparsity, bits: spec.bits,
        valAccuracy: evaluate(deployed.model, val).accuracy, pqmBytes: bytes.length, nonzeroWeights: nonzeroWeights(deployed.model),
        seconds: (performance.now() - started) / 1000, parent: spec.parent,
        history: history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, trainAccuracy: h.trainAccuracy, seconds: h.seconds })),
        roundedToZero: deployed.roundedToZero,
        maskSparsity: after.layers.some((l) => l.pruned > 0) ? after.sparsity : null,
      };
      writeFileAtomic(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
      return result;
    } finally {
      if (deployed.model !== model) deployed.model.dispose();
    }
  } finally {
    model.dispose();
  }
}
