/**
 * A trial is a job: a plain-JSON description of what to do to its parent's checkpoint, with an id
 * derived from that description (which holds the parent's id). So a trial's id names its whole
 * history, the same inputs give the same id on any run and in any process, and a finished trial
 * can be found again by id alone (resume, the baseline cache).
 */
import type { DataConfig, GranularityName, PruneScopeName, RecipeConfig } from './config.js';
import { hashOf } from './hash.js';
import type { Trial, TrialMode, TrialStage } from './results.js';

/** The training part of a trial: a recipe with its lr already scaled (refine: lr / 10). */
export type TrainSpec = RecipeConfig;

export interface PruneSpec {
  /** Fraction of the chosen weights, in [0, 1). */
  sparsity: number;
  scope: PruneScopeName;
  exclude: string[];
  minSize: number;
}

export interface QuantSpecConfig {
  bits: number;
  granularity: GranularityName;
  symmetric: boolean;
  roundSurvivorsToZero: boolean;
}

/** Where a baseline comes from: a zoo architecture (trained by the trial) or a given checkpoint. */
export type BaseSpec = { zoo: string; seed: number } | { checkpoint: string; sha256: string };

export interface TrialSpec {
  stage: TrialStage;
  mode: TrialMode;
  /** The trial whose checkpoint this one starts from; null for the baseline. */
  parent: string | null;
  /** The level and bit width the trial stands for (what results.json reports). */
  sparsity: number | null;
  bits: number | null;
  /** Baseline only. */
  base: BaseSpec | null;
  /** Pruning applied to the parent first; null: the parent's masks as they are. */
  prune: PruneSpec | null;
  /** Quantization: fake-quantized during training (QAT), integer codes at the end (PTQ of the result). */
  quant: QuantSpecConfig | null;
  /** Training; null: none (post-training). */
  train: TrainSpec | null;
  data: DataConfig;
  seed: number;
}

export interface TrialJob {
  id: string;
  spec: TrialSpec;
  /**
   * Scheduling only, not part of the id: among waiting trials a parallel queue starts higher
   * priorities first (the study raises trials whose results decide what it submits next).
   */
  priority?: number;
}

/** What a finished trial writes to trials/<id>/result.json: its row of results.json and more. */
export interface TrialResult extends Trial {
  /** Per epoch: train loss and accuracy (empty without training). */
  history: { epoch: number; trainLoss: number; trainAccuracy: number; seconds: number }[];
  /** Weights that joined a mask because their code rounded to zero. */
  roundedToZero: number;
  /** Weights of the pruned layers now zero, over all of their weights (null: no masks). */
  maskSparsity: number | null;
}

export function trainSpec(recipe: RecipeConfig, lrFactor = 1, epochs = recipe.epochs): TrainSpec {
  const { lr, ...rest } = recipe;
  return { ...rest, lr: lr * lrFactor, epochs };
}

/** The job for a spec: its id is the hash of the whole spec, parent id included. */
export function makeJob(spec: TrialSpec): TrialJob {
  const prefix = spec.stage === 'baseline' ? 'base' : spec.stage === 'quantize' ? 'quant' : spec.stage === 'combined' ? 'comb' : 'prune';
  const level = spec.sparsity !== null ? `-s${Math.round(spec.sparsity * 1000) / 10}` : '';
  const bits = spec.bits !== null ? `-b${spec.bits}` : '';
  return { id: `${prefix}${level}${bits}-${spec.mode}-${hashOf(spec, 10)}`, spec };
}

/** How progress lines name a trial. */
export function describeTrial(spec: TrialSpec): string {
  const parts: string[] = [spec.stage];
  if (spec.sparsity !== null) parts.push(`${(100 * spec.sparsity).toFixed(spec.sparsity * 100 % 1 === 0 ? 0 : 1)}%`);
  if (spec.bits !== null) parts.push(`${spec.bits}-bit`);
  parts.push(spec.mode);
  return parts.join(' ');
}
