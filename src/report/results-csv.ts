/**
 * results.csv: one row per trial with the exact numbers of results.json (accuracy as a
 * fraction, sizes in bytes; an empty field is null, as testAccuracy is unless the study scored
 * every trial on the test split), plus the compression ratio against the
 * dense float32 weights, for spreadsheets and plotting tools.
 */
import { toCsv } from './csv.js';
import type { StudyResults } from './results.js';

export const RESULTS_CSV_HEADER = [
  'id', 'stage', 'mode', 'sparsity', 'bits', 'valAccuracy', 'testAccuracy', 'pqmBytes', 'compressionRatio', 'nonzeroWeights', 'seconds', 'parent',
] as const;

export function resultsCsv(r: StudyResults): string {
  return toCsv(RESULTS_CSV_HEADER, r.trials.map((t) => [
    t.id, t.stage, t.mode, t.sparsity, t.bits, t.valAccuracy, t.testAccuracy ?? null, t.pqmBytes, r.fp32Bytes / t.pqmBytes, t.nonzeroWeights, t.seconds, t.parent,
  ]));
}
