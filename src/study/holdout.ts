/**
 * The validation split of a single command (`prune --adaptive`, `sensitivity`): the same seeded
 * carve as the study's (split.ts), sized for the data at hand, so the command decides on images
 * it never trains on and touches the test split only to report.
 */
import { batchSource, type Dataset } from '../data/index.js';
import type { BatchSource } from '../nn/index.js';
import { carveValidation } from './split.js';

/** MNIST's 60,000 training images give the 5,000 the issue asks for; smaller sets give 1 in 12. */
export const MAX_DEFAULT_VALIDATION = 5000;

/**
 * The validation size used when none is given: a twelfth of the training split, at least 1 and
 * at most MAX_DEFAULT_VALIDATION.
 * @example defaultValidationCount(60000) // 5000
 */
export function defaultValidationCount(trainCount: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_VALIDATION, Math.floor(trainCount / 12)));
}

export interface DecisionSplits {
  /** Training batches: the training split minus the validation images. */
  train: BatchSource;
  /** What every decision is measured on: the validation split, or the test split when opted out. */
  decide: BatchSource;
  /** Reporting only. */
  test: BatchSource;
  /** Images held out for validation; 0 when decisions are taken on the test split. */
  valCount: number;
  decidedOn: 'validation' | 'test';
}

export interface HoldoutOptions {
  /** Images to hold out (undefined: defaultValidationCount; 0: none, decisions on the test split). */
  count?: number;
  seed: number;
  normalization: { mean: number | readonly number[]; std: number | readonly number[] };
}

/**
 * Carves the validation split out of `train` and makes the three batch sources.
 * Throws a RangeError naming the sizes when `count` does not fit the training split.
 * @example const s = decisionSplits(split.train, split.test, { seed: 0, normalization });
 */
export function decisionSplits(train: Dataset, test: Dataset, o: HoldoutOptions): DecisionSplits {
  const normalization = o.normalization;
  const testSource = batchSource(test, { normalization });
  if (o.count === 0) {
    return { train: batchSource(train, { normalization }), decide: testSource, test: testSource, valCount: 0, decidedOn: 'test' };
  }
  const count = o.count ?? defaultValidationCount(train.count);
  const carved = carveValidation(train, count, o.seed);
  return {
    train: batchSource(carved.train, { normalization }), decide: batchSource(carved.val, { normalization }), test: testSource,
    valCount: count, decidedOn: 'validation',
  };
}
