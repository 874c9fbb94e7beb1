/**
 * The adaptive threshold controller. Against hand-derived trajectories (a synthetic
 * accuracy-vs-level response), then wired to a real model: every trial starts from the
 * last accepted state (re-derived independently after the run), the model ends in the
 * best state, and two runs with the same seed give the same trajectory.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adaptivePrune, captureState, fineTune, maskStats, pruneModel, restoreState, searchThreshold, type ModelState } from '../../src/compress/index.js';
import { evaluate } from '../../src/nn/index.js';
import { syntheticSource, tinyCnn } from './prune-fixtures.js';

/** A fake trial: fine-tuned accuracy is `good` up to `limit`, 10 pp lower above it. */
const response = (limit: number, good = 0.99) => async (level: number) => ({ postPruneAccuracy: 0.5, fineTunedAccuracy: level <= limit ? good - 0.001 : good - 0.1 });
const opts = { baseline: 0.99, tolerance: 0.5, start: 50, step: 10, minStep: 1 };

describe('searchThreshold', () => {
  it('raises by step, backs off to the last good level with half the step, stops below minStep', async () => {
    const r = await searchThreshold(opts, response(93));
    // 50..90 pass; 100 is never run (counts as failed): step 5 → 95 fails; step 2.5 → 92.5 passes;
    // 95 already failed → step 1.25 → 93.75 fails; step 0.625 < 1 → stop
    assert.deepEqual(r.trajectory.map((t) => t.level), [50, 60, 70, 80, 90, 95, 92.5, 93.75]);
    assert.deepEqual(r.trajectory.map((t) => t.accepted), [true, true, true, true, true, false, true, false]);
    assert.deepEqual(r.trajectory.map((t) => t.step), [10, 10, 10, 10, 10, 5, 2.5, 1.25]);
    assert.equal(r.bestLevel, 92.5);
    assert.equal(r.best!.level, 92.5);
    assert.match(r.stopReason, /step 0.625 fell below minStep 1/);
    assert.ok(Math.abs(r.trajectory[5]!.dropPp - 10) < 1e-9);
  });
  it('when the start level fails, climbs from 0 with half the step', async () => {
    const r = await searchThreshold(opts, response(20));
    assert.deepEqual(r.trajectory.map((t) => t.level), [50, 5, 10, 15, 20, 25, 22.5, 21.25]);
    assert.equal(r.bestLevel, 20);
  });
  it('reports no level when nothing passes, and stops at maxTrials', async () => {
    const none = await searchThreshold({ ...opts, minStep: 5 }, response(-1));
    assert.deepEqual(none.trajectory.map((t) => t.level), [50, 5]);
    assert.equal(none.bestLevel, 0);
    assert.equal(none.best, null);
    const capped = await searchThreshold({ ...opts, maxTrials: 3 }, response(99));
    assert.equal(capped.trajectory.length, 3);
    assert.match(capped.stopReason, /maxTrials 3/);
  });
  it('a drop of exactly the tolerance passes despite floating point', async () => {
    // 100·(0.989 − 0.984) is 0.5000000000000004 in doubles
    const r = await searchThreshold({ ...opts, baseline: 0.989, minStep: 10 }, async () => ({ postPruneAccuracy: 0, fineTunedAccuracy: 0.984 }));
    assert.ok(r.trajectory.every((t) => t.accepted));
  });
  it('rejects bad settings with the value', async () => {
    await assert.rejects(searchThreshold({ ...opts, start: 100 }, response(0)), /start must be a percentile in \(0, 100\), got 100/);
    await assert.rejects(searchThreshold({ ...opts, minStep: 0 }, response(0)), /minStep must be in \(0, step = 10\], got 0/);
    await assert.rejects(searchThreshold({ ...opts, tolerance: -1 }, response(0)), /tolerance must be >= 0/);
  });
});

describe('adaptivePrune on a model', () => {
  const train = syntheticSource(96, 11), test = syntheticSource(96, 12);
  const recipe = { epochs: 1, lr: 0.05, batchSize: 16, optimizer: 'sgd', momentum: 0.9, seed: 0 };

  async function run() {
    const model = tinyCnn(6);
    await fineTune(model, train, test, { ...recipe, epochs: 2 }); // a trained baseline, so high levels can fail
    const initial = captureState(model);
    const goodBefore: ModelState[] = [initial]; // the good state each trial should start from
    let good = initial;
    const r = await adaptivePrune(model, {
      train, val: test, recipe, tolerance: 2, start: 60, step: 15, minStep: 2, scope: 'layer',
      onTrial: (t) => {
        if (t.accepted) good = captureState(model);
        goodBefore.push(good);
      },
    });
    return { model, r, goodBefore };
  }

  it('starts each trial from the last good state and ends in the best one; deterministic', async () => {
    const a = await run();
    const { model, r, goodBefore } = a;
    assert.ok(r.trajectory.length >= 5, `trajectory ${JSON.stringify(r.trajectory.map((t) => t.level))}`);
    assert.ok(r.trajectory.some((t) => t.accepted) && r.trajectory.some((t) => !t.accepted), 'both outcomes occur');
    // Oracle: restore the good state that preceded each trial, prune it to the trial's level
    // ourselves, and measure: it must be the accuracy the controller saw right after pruning.
    const end = captureState(model);
    r.trajectory.forEach((t, k) => {
      restoreState(model, goodBefore[k]!);
      pruneModel(model, { sparsity: t.level / 100, scope: 'layer' });
      assert.equal(evaluate(model, test).accuracy, t.postPruneAccuracy, `trial ${k + 1} at ${t.level}%`);
    });
    restoreState(model, end);
    // the model is left in the best state
    assert.equal(evaluate(model, test).accuracy, r.best!.fineTunedAccuracy);
    assert.deepEqual(maskStats(model).layers.map((l) => l.pruned), [Math.floor((r.bestLevel / 100) * 54 + 1e-9), Math.floor((r.bestLevel / 100) * 648 + 1e-9)]);
    assert.equal(maskStats(model).violations, 0);
    // same seed, same trajectory
    const b = await run();
    assert.deepEqual(b.r.trajectory, r.trajectory);
    a.model.dispose();
    b.model.dispose();
  });
});
