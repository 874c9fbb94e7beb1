/**
 * The study's output, `results.json`: the contract with src/report, which builds the report from
 * it. Keep it exactly as the report reads it (src/report/results.ts holds the reader's copy).
 * Accuracies are fractions in [0, 1]; sparsity a fraction in [0, 1); sizes bytes on disk;
 * latencies milliseconds.
 */

export type TrialStage = 'baseline' | 'prune' | 'quantize' | 'combined';
export type TrialMode = 'post' | 'aware' | 'refine' | 'train';

export interface Trial {
  id: string;
  stage: TrialStage;
  mode: TrialMode;
  sparsity: number | null;
  bits: number | null;
  valAccuracy: number;
  pqmBytes: number;
  nonzeroWeights: number;
  seconds: number;
  parent: string | null;
}

export interface Choice {
  trial: string;
  sparsity: number | null;
  bits: number | null;
  valAccuracy: number;
  reason: string;
}

export interface ChosenModel {
  label: string;
  trial: string;
  pqmPath: string;
  pqmBytes: number;
  testAccuracy: number;
  valAccuracy: number;
  latency: { batch1P50Ms: number; batch1P95Ms: number; batch32ImagesPerSecond: number; threads: number };
  layers: { name: string; size: number; sparsity: number; bits: number | null }[];
  histogram: { edges: number[]; before: number[]; after: number[] };
}

export interface StudyResults {
  version: 1;
  createdAt: string;
  config: Record<string, unknown>;
  dataset: { name: string; trainCount: number; valCount: number; testCount: number };
  fp32Bytes: number;
  trials: Trial[];
  chosen: { pruning: Choice | null; bits: Choice | null; combinedTrial: string | null };
  models: ChosenModel[];
}
