/** compareWithReference: a study's test cells beside a reference run's, with hand-computed differences and verdicts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithReference, type StudyResults } from '../../src/report/index.js';
import { makeStudyResults } from './fixture.js';

/** The fixture with chosen test accuracies on a few trials (the others get 0.5, which no reference row below reads). */
function results(scores: Record<string, number>): StudyResults {
  const r = makeStudyResults();
  r.trials = r.trials.map((t) => ({ ...t, testAccuracy: scores[`${t.stage}/${t.sparsity}/${t.bits}/${t.mode}`] ?? 0.5 }));
  return r;
}

test('differences in points, matched when at most the tolerance below, beaten when above; a cell the study did not run is a miss', () => {
  const r = results({
    'baseline/null/null/train': 0.99,
    'prune/0.5/null/post': 0.9901, 'prune/0.5/null/refine': 0.9915,
    'prune/0.95/null/aware': 0.9871, 'prune/0.95/null/refine': 0.9870,
    'quantize/null/3/refine': 0.9931,
  });
  const { accuracy, sizes, misses } = compareWithReference(r, [
    { config: 'baseline', accuracy: { post: 0.99 }, bytes: 246_824 },
    { config: 'prune 50%', accuracy: { post: 0.9894, refine: 0.9918 }, bytes: 131_568 },
    { config: 'prune 95%', accuracy: { aware: 0.9891, refine: 0.9891 }, bytes: null },
    { config: '3 bits', accuracy: { refine: 0.9923 }, bytes: 23_808 },
    { config: 'prune 99%', accuracy: { refine: 0.97 }, bytes: 10_000 },
  ], 0.2);
  assert.deepEqual(accuracy.rows, [
    ['baseline', 'post', '99.00%', '99.00%', '0.00', 'yes'],
    ['prune 50%', 'post', '98.94%', '99.01%', '+0.07', 'yes'],
    ['prune 50%', 'refine', '99.18%', '99.15%', '-0.03', 'yes'],
    ['prune 95%', 'aware', '98.91%', '98.71%', '-0.20', 'yes'], // exactly the tolerance
    ['prune 95%', 'refine', '98.91%', '98.70%', '-0.21', 'no'],
    ['3 bits', 'refine', '99.23%', '99.31%', '+0.08', 'yes'],
    ['prune 99%', 'refine', '97.00%', '–', '–', 'not run'],
  ]);
  assert.deepEqual(misses, ['prune 95% refine: 98.70% against 98.91% (-0.21 pp)', 'prune 99% refine: not run by this study']);
  // Sizes: the reference's figure and the study's refine trial (the baseline's own trial).
  const trial = (stage: string, sparsity: number | null, bits: number | null, mode: string) =>
    r.trials.find((t) => t.stage === stage && t.sparsity === sparsity && t.bits === bits && t.mode === mode)!;
  assert.deepEqual(sizes.rows[0], ['baseline', '246,824', trial('baseline', null, null, 'train').pqmBytes.toLocaleString('en-US'), '61,470']);
  assert.deepEqual(sizes.rows[2]!.slice(0, 3), ['prune 95%', '–', trial('prune', 0.95, null, 'refine').pqmBytes.toLocaleString('en-US')]);
  assert.deepEqual(sizes.rows[4], ['prune 99%', '10,000', '–', '–']);
});

test('a study without test scores misses every cell', () => {
  const { misses } = compareWithReference(makeStudyResults(), [{ config: 'baseline', accuracy: { post: 0.99 }, bytes: null }], 0.2);
  assert.deepEqual(misses, ['baseline post: not run by this study']);
});
