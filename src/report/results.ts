/**
 * The results of a study: the contract between src/study, which fills it trial by trial, and
 * the report, which reads it back from `results.json`. Plain data, JSON as written.
 *
 * Units: accuracies are fractions in [0, 1] (0.99, not 99); sparsity is a fraction in [0, 1);
 * sizes are bytes on disk; latencies are milliseconds. `validateResults` checks all of it.
 */

/** The version this reader and writer know; a file with another version is refused. */
export const RESULTS_VERSION = 1;

export type TrialStage = 'baseline' | 'prune' | 'quantize' | 'combined';
/** post-training, aware-training, refine-tuned (lr / 10); 'train' for the baseline. */
export type TrialMode = 'post' | 'aware' | 'refine' | 'train';

export const TRIAL_STAGES: readonly TrialStage[] = ['baseline', 'prune', 'quantize', 'combined'];
export const TRIAL_MODES: readonly TrialMode[] = ['post', 'aware', 'refine', 'train'];

export interface StudyResults {
  version: 1;
  /** ISO 8601 time the results were written. */
  createdAt: string;
  /** The resolved study config, echoed. */
  config: Record<string, unknown>;
  dataset: { name: string; trainCount: number; valCount: number; testCount: number };
  /** Bytes of the dense float32 weights (4 x params): what compression ratios are against. */
  fp32Bytes: number;
  trials: Trial[];
  chosen: { pruning: Choice | null; bits: Choice | null; combinedTrial: string | null };
  /** The models the study chose and measured (baseline, best pruning, best bits, combined). */
  models: ChosenModel[];
}

export interface Trial {
  /** Derived from the trial's inputs, unique in a study. */
  id: string;
  stage: TrialStage;
  mode: TrialMode;
  /** Fraction in [0, 1) of pruned weights; null: not pruned. */
  sparsity: number | null;
  /** Weight bits; null: float32. */
  bits: number | null;
  /** Accuracy on the validation split carved from train; every decision uses this. */
  valAccuracy: number;
  /**
   * Accuracy of the trial's .pqm on the official test split, scored after every decision, for
   * reporting only; present when the study's `report.testAllTrials` is on.
   */
  testAccuracy?: number;
  /** Size of the trial's .pqm file on disk. */
  pqmBytes: number;
  nonzeroWeights: number;
  seconds: number;
  /** The trial it started from; null for the baseline. */
  parent: string | null;
}

export interface Choice {
  trial: string;
  sparsity: number | null;
  bits: number | null;
  valAccuracy: number;
  /** Why the study chose it, in words, for the report's summary. */
  reason: string;
}

export interface LatencyMeasurement {
  batch1P50Ms: number;
  batch1P95Ms: number;
  batch32ImagesPerSecond: number;
  threads: number;
}

export interface LayerSummary {
  name: string;
  /** Number of weights in the layer. */
  size: number;
  /** Fraction in [0, 1] of the layer's weights that are zero. */
  sparsity: number;
  /** Weight bits; null: float32. */
  bits: number | null;
}

/** Weight histograms: counts per bin, bin i spanning [edges[i], edges[i + 1]). */
export interface WeightHistogram {
  edges: number[];
  /** The baseline's weights. */
  before: number[];
  /** This model's weights. */
  after: number[];
}

/**
 * The chosen model written in another format beside its `.pqm`: ONNX (fp32, or int8 QDQ when its
 * weights are quantized) or TF.js Layers. A format that cannot express the model has a null
 * path and size and says why.
 */
export interface ModelExport {
  format: 'onnx' | 'onnx-int8' | 'tfjs';
  /** The file (a TF.js model's model.json); null when the export failed. */
  path: string | null;
  /** Bytes on disk (a TF.js model's model.json and shards together). */
  bytes: number | null;
  error: string | null;
}

export const EXPORT_FORMATS: readonly ModelExport['format'][] = ['onnx', 'onnx-int8', 'tfjs'];

export interface ChosenModel {
  /** How the report names it: 'baseline', 'best pruning', 'best bits', 'combined'. */
  label: string;
  trial: string;
  pqmPath: string;
  pqmBytes: number;
  /** The same model in the other formats (absent in results written before they existed). */
  exports?: ModelExport[];
  /** Accuracy on the official test split: reported, never used to decide. */
  testAccuracy: number;
  valAccuracy: number;
  latency: LatencyMeasurement;
  layers: LayerSummary[];
  histogram: WeightHistogram;
}
