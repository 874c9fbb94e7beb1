/**
 * The study (DESIGN.md, "The method it implements"), stage by stage:
 *   1. baseline: trained with the recipe unless a model file is given (.pqck, .onnx, TF.js;
 *      then only evaluated); a trained one is cached across runs;
 *   2. each pruning level three ways: post (no training), aware (the recipe, masks fixed),
 *      refine (from aware, lr / 10); or the adaptive controller choosing the levels;
 *   3. each bit width three ways: post (PTQ), aware (QAT with the recipe), refine (QAT at lr / 10);
 *   4. the best level and the best bit width on the validation split (select.ts);
 *   5. the combination: prune, quantize the survivors with the masks kept, post / aware / refine;
 *   6. the chosen models exported to .pqm and measured (measure.ts).
 * Stages 2 and 3 depend only on the baseline, so their trials are submitted together and a
 * parallel queue runs them side by side; each refine waits for its own aware only. Every trial
 * goes through the JobQueue; with `workers: 'auto'` (the default) a machine with two kernel
 * threads or more runs two worker processes (schedule.ts shares the threads out).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { searchThreshold } from '../compress/index.js';
import { threadCount } from '../kernels/index.js';
import { RESULTS_VERSION, writeReport } from '../report/index.js';
import { createModel, writeFileAtomic, type Model } from '../nn/index.js';
import { baseModelSha256, checkBaseModel, loadBaseModel } from './base-model.js';
import type { StudyConfig } from './config.js';
import type { StudyEvent } from './events.js';
import { measureModel } from './measure.js';
import { exportChosenModel } from './export-formats.js';
import { InProcessQueue, type JobQueue } from './queue.js';
import type { ChosenModel, StudyResults, Trial } from './results.js';
import { configHash, openRunDir } from './run-dir.js';
import { trialDir } from './run-trial.js';
import { chooseBest, passingLevels, withinTolerance } from './select.js';
import { loadStudyData } from './study-data.js';
import { scoreTrialsOnTest } from './test-all-trials.js';
import { makeJob, trainSpec, type BaseSpec, type PruneSpec, type QuantSpecConfig, type TrialResult, type TrialSpec } from './trial-spec.js';
import { WorkerProcessQueue } from './worker-queue.js';
import { resolveWorkers } from './schedule.js';

export interface StudyOptions {
  runDir: string;
  /** Baseline cache; null: none. */
  cacheDir: string | null;
  /** Overrides config.workers. */
  workers?: number | 'auto';
  onEvent?(e: StudyEvent): void;
  /** A queue to use instead of the in-process or worker one (a distributed backend). */
  queue?: JobQueue;
  /** Write report.html, report.md and results.csv after results.json (default true). */
  report?: boolean;
}

/** Plain data of a result: the results.json row of a trial. */
function row(r: TrialResult): Trial {
  const { id, stage, mode, sparsity, bits, valAccuracy, pqmBytes, nonzeroWeights, seconds, parent } = r;
  return { id, stage, mode, sparsity, bits, valAccuracy, pqmBytes, nonzeroWeights, seconds, parent };
}

const STAGE_ORDER = { baseline: 0, prune: 1, quantize: 2, combined: 3 } as const;
const MODE_ORDER = { train: 0, post: 1, aware: 2, refine: 3 } as const;

/** Trials in a fixed order (stage, level, bits, mode, id), whatever order they finished in. */
export function sortTrials(trials: Trial[]): Trial[] {
  return [...trials].sort((a, b) => STAGE_ORDER[a.stage] - STAGE_ORDER[b.stage] || (a.sparsity ?? -1) - (b.sparsity ?? -1) ||
    (b.bits ?? 99) - (a.bits ?? 99) || MODE_ORDER[a.mode] - MODE_ORDER[b.mode] || (a.id < b.id ? -1 : 1));
}

function baseSpec(config: StudyConfig): BaseSpec {
  if (config.model.zoo !== null) return { zoo: config.model.zoo, seed: config.seed };
  const path = config.model.checkpoint!;
  return { checkpoint: path, sha256: baseModelSha256(path) };
}

/** The base model's architecture: the zoo model untrained, or the given model as loaded. */
function baseArchitecture(config: StudyConfig, data: ReturnType<typeof loadStudyData>): Model {
  return config.model.zoo !== null
    ? createModel(config.model.zoo, { inputShape: data.train.shape, classes: data.train.classes })
    : loadBaseModel(config.model.checkpoint!).model;
}

/**
 * Runs (or resumes) the study in `opts.runDir` and returns what it wrote to results.json.
 * @example const results = await runStudy(loadStudyConfig(null, 'quick'), { runDir: 'runs/study', cacheDir: null });
 */
export async function runStudy(config: StudyConfig, opts: StudyOptions): Promise<StudyResults> {
  const emit = (e: StudyEvent) => opts.onEvent?.(e);
  const { runDir } = opts;
  const data = loadStudyData(config.data);
  // A given model (or a normalization) that cannot take this data is refused before the run directory is claimed.
  const base = baseArchitecture(config, data);
  try {
    checkBaseModel(base, config.model.checkpoint ?? config.model.zoo!, { name: data.name, shape: data.train.shape, classes: data.train.classes }, config.data.normalization);
  } finally {
    base.dispose();
  }
  openRunDir(runDir, config);
  const workers = resolveWorkers(opts.workers ?? config.workers, threadCount());
  const ctx = { runDir, cacheDir: config.cacheBaseline ? opts.cacheDir : null, onEvent: emit };
  const queue = opts.queue ?? (workers > 1 ? new WorkerProcessQueue(ctx, workers, threadCount()) : new InProcessQueue(ctx));
  const results: TrialResult[] = [];
  const submit = async (spec: TrialSpec, priority = 0): Promise<TrialResult> => {
    const r = await queue.submit({ ...makeJob(spec), ...(priority !== 0 ? { priority } : {}) });
    if (!results.some((x) => x.id === r.id)) results.push(r);
    return r;
  };
  try {
    return await stages(config, workers, data, runDir, opts.report !== false, submit, results, emit);
  } finally {
    await queue.close();
  }
}

type Submit = (spec: TrialSpec, priority?: number) => Promise<TrialResult>;

async function stages(
  config: StudyConfig, workers: number, data: ReturnType<typeof loadStudyData>, runDir: string, report: boolean,
  submit: Submit, results: TrialResult[], emit: (e: StudyEvent) => void,
): Promise<StudyResults> {
  const common = { data: config.data, seed: config.seed, base: null } as const;
  const recipe = trainSpec(config.recipe);
  const refine = trainSpec(config.recipe, config.refine.lrFactor, config.refine.epochs ?? config.recipe.epochs);
  const pruneSpec = (sparsity: number): PruneSpec => ({ sparsity, scope: config.pruning.scope, exclude: config.pruning.exclude, minSize: config.pruning.minSize });
  const quantSpec = (bits: number): QuantSpecConfig => ({
    bits, granularity: config.quantization.granularity, symmetric: config.quantization.symmetric, roundSurvivorsToZero: config.quantization.roundSurvivorsToZero,
  });

  const levelTrials = config.pruning.adaptive === null ? config.pruning.levels.length : config.pruning.adaptive.maxTrials;
  emit({ kind: 'plan', trials: 1 + 3 * (levelTrials + config.quantization.bits.length + 1), workers });
  emit({ kind: 'stage', stage: '1 baseline', message: config.model.zoo !== null ? `${config.model.zoo} on ${config.data.dataset} (${data.train.count} train, ${data.val.count} validation images)` : `${config.model.checkpoint!}, given: evaluated, not trained (${data.val.count} validation images)` });
  const baseline = await submit({
    ...common, stage: 'baseline', mode: config.model.zoo !== null ? 'train' : 'post', parent: null, sparsity: null, bits: null,
    base: baseSpec(config), prune: null, quant: null, train: config.model.zoo !== null ? recipe : null,
  });

  // The adaptive controller's levels form a chain (each level waits for the last one), while the
  // bit widths are independent of it and of each other: a parallel queue runs the chain first and
  // fills the other workers with quantization, so the chain is not left to run alone at the end.
  const chainPriority = config.pruning.adaptive !== null ? 1 : 0;
  /** post, aware and refine of one level or bit width, all from `parent`; refine waits only for its own aware. */
  const threeWays = (stage: 'prune' | 'quantize' | 'combined', parent: string, sparsity: number | null, bits: number | null, prune: PruneSpec | null, quant: QuantSpecConfig | null) => {
    const base = { ...common, stage, parent, sparsity, bits, prune, quant };
    const priority = stage === 'prune' ? chainPriority : 0;
    const post = submit({ ...base, mode: 'post', train: null }, priority);
    const aware = submit({ ...base, mode: 'aware', train: recipe }, priority);
    const refined = aware.then((a) => submit({ ...common, stage, mode: 'refine', parent: a.id, sparsity, bits, prune: null, quant, train: refine }, priority));
    return Promise.all([post, aware, refined]);
  };

  emit({ kind: 'stage', stage: '2 pruning', message: config.pruning.adaptive ? `adaptive controller from ${config.pruning.adaptive.start}%` : `levels ${config.pruning.levels.join(', ')}%` });
  emit({ kind: 'stage', stage: '3 quantization', message: `bits ${config.quantization.bits.join(', ')}, ${config.quantization.symmetric ? 'symmetric' : 'asymmetric'} per ${config.quantization.granularity}` });
  const pruning = config.pruning.adaptive === null
    ? Promise.all(config.pruning.levels.map((level) => threeWays('prune', baseline.id, level / 100, null, pruneSpec(level / 100), null)))
    : adaptivePruning(config, baseline, threeWays, pruneSpec);
  const quantization = Promise.all(config.quantization.bits.map((bits) => threeWays('quantize', baseline.id, null, bits, null, quantSpec(bits))));
  await Promise.all([pruning, quantization]);

  emit({ kind: 'stage', stage: '4 selection', message: `highest compression within ${config.selection.tolerance} pp of the baseline's validation accuracy` });
  const rows = results.map(row);
  const rule = { tolerance: config.selection.tolerance, modes: config.selection.modes };
  const pruneChoice = chooseBest(rows.filter((t) => t.stage === 'prune'), baseline.valAccuracy, 'sparsity', rule);
  const bitsChoice = chooseBest(rows.filter((t) => t.stage === 'quantize'), baseline.valAccuracy, 'bits', rule);
  emit({ kind: 'choice', what: 'pruning', trial: pruneChoice.choice?.trial ?? null, reason: pruneChoice.reason });
  emit({ kind: 'choice', what: 'bits', trial: bitsChoice.choice?.trial ?? null, reason: bitsChoice.reason });

  let combinedTrial: string | null = null;
  if (pruneChoice.choice && bitsChoice.choice) {
    combinedTrial = await combination(config, baseline, rows, rule, threeWays, pruneSpec, quantSpec, emit);
  } else {
    emit({ kind: 'stage', stage: '5 combination', message: 'skipped: no pruning level or no bit width within the tolerance' });
  }

  emit({ kind: 'stage', stage: '6 export and measure', message: 'chosen models to .pqm, ONNX and TF.js; size on disk, test accuracy, latency' });
  const byId = new Map(results.map((r) => [r.id, r]));
  const chosen: { label: string; trial: string }[] = [
    { label: 'baseline', trial: baseline.id },
    ...(pruneChoice.choice ? [{ label: 'best pruning', trial: pruneChoice.choice.trial }] : []),
    ...(bitsChoice.choice ? [{ label: 'best bits', trial: bitsChoice.choice.trial }] : []),
    ...(combinedTrial ? [{ label: 'combined', trial: combinedTrial }] : []),
  ];
  mkdirSync(join(runDir, 'models'), { recursive: true });
  const baselinePqm = join(trialDir(runDir, baseline.id), 'model.pqm');
  const models: ChosenModel[] = [];
  for (const c of chosen) {
    const pqmPath = join(runDir, 'models', `${c.label.replace(/ /g, '-')}.pqm`);
    copyFileSync(join(trialDir(runDir, c.trial), 'model.pqm'), pqmPath);
    const m = await measureModel(c.label, c.trial, byId.get(c.trial)!.valAccuracy, pqmPath, baselinePqm, data.test, config.measure);
    m.exports = exportChosenModel(join(trialDir(runDir, c.trial), 'model.pqck'), pqmPath.replace(/\.pqm$/, ''));
    emit({ kind: 'measured', label: c.label, testAccuracy: m.testAccuracy, pqmBytes: m.pqmBytes, batch1P50Ms: m.latency.batch1P50Ms, batch32ImagesPerSecond: m.latency.batch32ImagesPerSecond });
    models.push(m);
  }

  // After every choice above: these scores reach results.json and the report, nothing else.
  let testScores: Map<string, number> | null = null;
  if (config.report.testAllTrials) {
    emit({ kind: 'stage', stage: '6 export and measure', message: `every trial on the test split (${results.length} trials; report only, after every choice)` });
    testScores = await scoreTrialsOnTest(runDir, results.map((r) => r.id), data.test);
  }

  const probe = baseArchitecture(config, data);
  const fp32Bytes = 4 * probe.paramCount(); // every param as float32: what compression ratios are against
  probe.dispose();
  const out: StudyResults = {
    version: RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    config: { ...(config as unknown as Record<string, unknown>), configHash: configHash(config) },
    dataset: { name: data.name, trainCount: data.train.count, valCount: data.val.count, testCount: data.test.count },
    fp32Bytes,
    trials: sortTrials(results.map((r) => (testScores === null ? row(r) : { ...row(r), testAccuracy: testScores.get(r.id)! }))),
    chosen: { pruning: pruneChoice.choice, bits: bitsChoice.choice, combinedTrial },
    models,
  };
  writeFileAtomic(join(runDir, 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  if (report) {
    // results.json is the study's record; a report that cannot be written (vega missing, say)
    // is said, not fatal: `prunequant report DIR` rebuilds it later.
    try {
      const written = await writeReport(runDir, out);
      emit({ kind: 'stage', stage: '7 report', message: written.files.map((f) => f.slice(runDir.length + 1)).join(', ') });
    } catch (e) {
      emit({ kind: 'stage', stage: '7 report', message: `not written: ${(e as Error).message}` });
    }
  }
  return out;
}

type ThreeWays = (stage: 'combined', parent: string, sparsity: number, bits: number, prune: PruneSpec | null, quant: QuantSpecConfig) => Promise<TrialResult[]>;

/**
 * Stage 5: the chosen level and bit width combined (prune, then quantize the survivors, masks
 * kept), post / aware / refine. When the best of them falls outside the tolerance, the next pair
 * is tried (passingLevels: the same level with the next bit width that passed alone, then the
 * next level), up to `combine.attempts` pairs. Returns the combined trial: the best of the first
 * pair within the tolerance, else the most accurate of all.
 */
async function combination(
  config: StudyConfig, baseline: TrialResult, rows: Trial[], rule: { tolerance: number; modes: StudyConfig['selection']['modes'] },
  threeWays: ThreeWays, pruneSpec: (s: number) => PruneSpec, quantSpec: (b: number) => QuantSpecConfig, emit: (e: StudyEvent) => void,
): Promise<string> {
  const levels = passingLevels(rows.filter((t) => t.stage === 'prune'), baseline.valAccuracy, 'sparsity', rule);
  const bitWidths = passingLevels(rows.filter((t) => t.stage === 'quantize'), baseline.valAccuracy, 'bits', rule);
  const pairs = levels.flatMap((l) => bitWidths.map((b) => ({ level: l, bits: b.bits! }))).slice(0, config.combine.attempts);
  const from = config.combine.from;
  const tried: TrialResult[] = [];
  const pctOf = (x: number) => `${(100 * x).toFixed(2)}%`;
  const levelText = (s: number) => `${(100 * s).toFixed(1).replace(/\.0$/, '')}%`;
  for (const [i, { level, bits }] of pairs.entries()) {
    const sparsity = level.sparsity!;
    emit({ kind: 'stage', stage: '5 combination', message: `${i === 0 ? '' : `attempt ${i + 1} of ${pairs.length}: `}${levelText(sparsity)} + ${bits} bits, from the ${from === 'pruned' ? `pruning trial ${level.id}` : 'baseline'}` });
    const combined = from === 'pruned'
      ? await threeWays('combined', level.id, sparsity, bits, null, quantSpec(bits))
      : await threeWays('combined', baseline.id, sparsity, bits, pruneSpec(sparsity), quantSpec(bits));
    const best = combined.filter((t) => (rule.modes as readonly string[]).includes(t.mode))
      .sort((a, b) => b.valAccuracy - a.valAccuracy || MODE_ORDER[b.mode] - MODE_ORDER[a.mode])[0]!;
    tried.push(best);
    const drop = (100 * (baseline.valAccuracy - best.valAccuracy)).toFixed(2);
    if (withinTolerance(baseline.valAccuracy, best.valAccuracy, rule.tolerance)) {
      const before = tried.slice(0, -1).map((t) => `${levelText(t.sparsity!)} + ${t.bits} bits reached ${pctOf(t.valAccuracy)}`).join(', ');
      emit({ kind: 'choice', what: 'combined', trial: best.id, reason: `${levelText(sparsity)} + ${bits} bits, ${best.mode} at ${pctOf(best.valAccuracy)} on validation (drop ${drop} pp)${before ? `; before it ${before}, beyond the tolerance` : ''}` });
      return best.id;
    }
  }
  const best = [...tried].sort((a, b) => b.valAccuracy - a.valAccuracy)[0]!;
  emit({ kind: 'choice', what: 'combined', trial: best.id, reason: `no pair of ${tried.length} tried is within ${rule.tolerance} pp; the most accurate: ${levelText(best.sparsity!)} + ${best.bits} bits at ${pctOf(best.valAccuracy)}` });
  return best.id;
}

/**
 * Stage 2 with the dynamic threshold controller: each level tried is pruned from the last
 * accepted level's refined trial (or the baseline), three ways, and the controller is told the
 * best validation accuracy of the modes the selection allows.
 */
async function adaptivePruning(
  config: StudyConfig, baseline: TrialResult,
  threeWays: (stage: 'prune', parent: string, sparsity: number, bits: null, prune: PruneSpec, quant: null) => Promise<TrialResult[]>,
  pruneSpec: (s: number) => PruneSpec,
): Promise<void> {
  const a = config.pruning.adaptive!;
  let parent = baseline.id;
  let last: TrialResult[] = [];
  await searchThreshold(
    { baseline: baseline.valAccuracy, tolerance: config.selection.tolerance, start: a.start, step: a.step, minStep: a.minStep, maxTrials: a.maxTrials },
    async (level) => {
      last = await threeWays('prune', parent, level / 100, null, pruneSpec(level / 100), null);
      const allowed = last.filter((t) => (config.selection.modes as readonly string[]).includes(t.mode));
      return { postPruneAccuracy: last[0]!.valAccuracy, fineTunedAccuracy: Math.max(...allowed.map((t) => t.valAccuracy)) };
    },
    { onAccept: () => { parent = last[2]!.id; } },
  );
}
