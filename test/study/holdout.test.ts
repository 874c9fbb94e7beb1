/**
 * `prune --adaptive` and `sensitivity` decide on a validation split carved from the training
 * data: relabelling the test split leaves every decision as it was (and moves only what is
 * reported), relabelling the validation images moves the decisions.
 */
import { test as it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDataset, type Dataset } from '../../src/data/index.js';
import { createRng } from '../../src/tensor/index.js';
import { analyzeSensitivity, carveValidation, decisionSplits, defaultValidationCount, pruneCheckpoint } from '../../src/study/index.js';
import { fineTune } from '../../src/compress/index.js';
import { batchSource } from '../../src/data/index.js';
import { tinyCnn } from '../compress/prune-fixtures.js';

/** Label y lights the y-th third of the rows, plus noise (the pruning fixtures' task), as a Dataset. */
function synthetic(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * 64), labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const y = rng.int(3);
    labels[i] = y;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = rng.normal(0, 0.5) + (Math.floor(Math.floor(p / 8) / 3) === y ? 1 : 0);
  }
  return makeDataset({ name: 'synthetic', images, labels, count, shape: [1, 8, 8], classes: 3 });
}

/** A copy of `ds` with the labels at `indices` (all when null) moved to the next class. */
function relabel(ds: Dataset, indices: Iterable<number> | null): Dataset {
  const labels = Int32Array.from(ds.labels);
  for (const i of indices ?? labels.keys()) labels[i] = (labels[i]! + 1) % ds.classes;
  return makeDataset({ ...ds, labels });
}

const NORM = { mean: 0, std: 1 };
const train = synthetic(240, 1), testSplit = synthetic(96, 2);
const VAL = 48, SEED = 5;
const valIndices = carveValidation(train, VAL, SEED).valIndices;
const notVal = [...train.labels.keys()].filter((i) => !valIndices.includes(i));

async function trainedModel() {
  const model = tinyCnn(3);
  await fineTune(model, batchSource(train), batchSource(testSplit), { epochs: 2, lr: 0.05, batchSize: 16, momentum: 0.9, seed: 0 });
  return model;
}

it('defaultValidationCount: 5,000 of MNIST\'s 60,000, one in twelve of smaller sets, at least 1', () => {
  assert.equal(defaultValidationCount(60000), 5000);
  assert.equal(defaultValidationCount(120000), 5000);
  assert.equal(defaultValidationCount(1200), 100);
  assert.equal(defaultValidationCount(5), 1);
  const s = decisionSplits(train, testSplit, { seed: 0, normalization: NORM });
  assert.equal(s.valCount, 20);
  assert.equal(s.train.count + s.decide.count, train.count);
  assert.equal(decisionSplits(train, testSplit, { count: 0, seed: 0, normalization: NORM }).decidedOn, 'test');
  assert.throws(() => decisionSplits(train, testSplit, { count: 240, seed: 0, normalization: NORM }), /validation split: 240 images asked of a training split of 240/);
});

it('sensitivity: curves and allocation come from the validation images, not the test split', async () => {
  const model = await trainedModel();
  const run = (tr: Dataset, te: Dataset, validation = VAL) => analyzeSensitivity({
    model, train: tr, test: te, normalization: NORM, levels: [0.5, 0.8, 0.95], target: 0.7, select: {}, validation, seed: SEED,
  });
  const base = run(train, testSplit);
  assert.equal(base.decidedOn, 'validation');
  assert.equal(base.valCount, VAL);
  const testRelabelled = run(train, relabel(testSplit, null));
  assert.deepEqual(testRelabelled.curves, base.curves, 'test labels do not move the curves');
  assert.deepEqual(testRelabelled.allocation!.guided.perLayer, base.allocation!.guided.perLayer);
  assert.equal(testRelabelled.allocation!.guided.valAccuracy, base.allocation!.guided.valAccuracy);
  assert.notEqual(testRelabelled.allocation!.guided.testAccuracy, base.allocation!.guided.testAccuracy, 'the test split still reports');
  // Training images outside the validation split play no part in a sensitivity analysis.
  assert.deepEqual(run(relabel(train, notVal), testSplit).curves, base.curves);
  const valRelabelled = run(relabel(train, valIndices), testSplit);
  assert.notDeepEqual(valRelabelled.curves, base.curves, 'validation labels move the curves');
  assert.notEqual(valRelabelled.baseline, base.baseline);
  // Opting out: the test split decides, so its labels now move the curves.
  assert.notDeepEqual(run(train, relabel(testSplit, null), 0).curves, run(train, testSplit, 0).curves);
  model.dispose();
});

it('prune --adaptive: the controller accepts and backs off on validation accuracy; test labels only change the report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pq-holdout-'));
  try {
    const run = async (tr: Dataset, te: Dataset, name: string) => {
      const model = await trainedModel();
      try {
        return await pruneCheckpoint({
          model, meta: {}, recipe: {}, source: 'tiny', dataset: 'synthetic', normalization: NORM, train: tr, test: te,
          scope: 'layer', select: {}, method: { kind: 'adaptive', tolerance: 2, start: 60, step: 15, minStep: 4, validation: VAL },
          fineTune: { epochs: 1, lr: 0.05, batchSize: 16, momentum: 0.9, seed: 0 }, seed: SEED,
          checkpoint: join(dir, `${name}.pqck`), reportPath: join(dir, `${name}.json`),
        });
      } finally {
        model.dispose();
      }
    };
    const base = await run(train, testSplit, 'base');
    const trajectory = base['trajectory'] as { level: number; accepted: boolean }[];
    assert.ok(trajectory.length >= 2, JSON.stringify(trajectory));
    assert.deepEqual((base['validation'] as { count: number }).count, VAL);
    const testRelabelled = await run(train, relabel(testSplit, null), 'test');
    assert.deepEqual(testRelabelled['trajectory'], base['trajectory'], 'test labels do not move a decision');
    assert.equal(testRelabelled['bestLevel'], base['bestLevel']);
    assert.notEqual(testRelabelled['accuracy'], base['accuracy'], 'the test split still reports');
    const valRelabelled = await run(relabel(train, valIndices), testSplit, 'val');
    assert.notDeepEqual(valRelabelled['trajectory'], base['trajectory'], 'validation labels move the decisions');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
