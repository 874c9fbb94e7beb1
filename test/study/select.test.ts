import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBest, passingLevels, withinTolerance, type Trial } from '../../src/study/index.js';

let n = 0;
function trial(stage: Trial['stage'], mode: Trial['mode'], level: number | null, valAccuracy: number, id = `t${n++}`): Trial {
  return {
    id, stage, mode, sparsity: stage === 'prune' ? level : null, bits: stage === 'quantize' ? level : null,
    valAccuracy, pqmBytes: 1000, nonzeroWeights: 100, seconds: 1, parent: null,
  };
}
const all = { tolerance: 0.5, modes: ['post', 'aware', 'refine'] as const };

test('pruning: the highest sparsity within the tolerance wins, even when a lower level is more accurate', () => {
  const trials = [
    trial('prune', 'refine', 0.5, 0.992), trial('prune', 'refine', 0.9, 0.987, 'p90'),
    trial('prune', 'refine', 0.95, 0.984, 'p95'), trial('prune', 'refine', 0.98, 0.97, 'p98'),
  ];
  const { choice } = chooseBest(trials, 0.989, 'sparsity', all);
  assert.equal(choice?.trial, 'p95'); // drop 0.5 pp exactly passes (float slack)
  assert.match(choice!.reason, /highest sparsity within 0\.5 pp .*95% refine at 98\.40% \(drop 0\.50 pp\); 98% reached at best 97\.00%/);
});

test('bits: the fewest bits within the tolerance; ties (same bits) by accuracy, then by mode', () => {
  const trials = [
    trial('quantize', 'post', 8, 0.99), trial('quantize', 'aware', 4, 0.986, 'b4a'), trial('quantize', 'refine', 4, 0.988, 'b4r'),
    trial('quantize', 'post', 2, 0.5), trial('quantize', 'refine', 3, 0.95),
  ];
  assert.equal(chooseBest(trials, 0.99, 'bits', all).choice?.trial, 'b4r');
  const tie = [trial('quantize', 'aware', 4, 0.988, 'x-aware'), trial('quantize', 'refine', 4, 0.988, 'y-refine')];
  assert.equal(chooseBest(tie, 0.99, 'bits', all).choice?.trial, 'y-refine');
});

test('only the allowed modes are chosen; none within tolerance gives null with a reason', () => {
  const trials = [trial('prune', 'post', 0.9, 0.99, 'post90'), trial('prune', 'refine', 0.9, 0.97)];
  assert.equal(chooseBest(trials, 0.99, 'sparsity', all).choice?.trial, 'post90');
  const r = chooseBest(trials, 0.99, 'sparsity', { tolerance: 0.5, modes: ['refine'] });
  assert.equal(r.choice, null);
  assert.match(r.reason, /no pruning level of 1 trial\(s\) is within 0\.5 pp/);
});

test('the choice does not depend on the order trials finished in', () => {
  const trials = [trial('prune', 'aware', 0.9, 0.988), trial('prune', 'refine', 0.9, 0.988), trial('prune', 'post', 0.9, 0.988)];
  const a = chooseBest(trials, 0.99, 'sparsity', all).choice?.trial;
  const b = chooseBest([...trials].reverse(), 0.99, 'sparsity', all).choice?.trial;
  assert.equal(a, b);
  assert.equal(a, trials[1]!.id);
});

test('withinTolerance counts percentage points, with slack only for float noise', () => {
  assert.ok(withinTolerance(0.99, 0.985, 0.5));
  assert.ok(!withinTolerance(0.99, 0.9849, 0.5));
  assert.ok(withinTolerance(0.9, 0.95, 0));
});

test('passingLevels: the best trial of each level within the tolerance, most compressed first (the combination\'s fallbacks)', () => {
  const trials = [
    trial('quantize', 'refine', 2, 0.986, 'b2'), trial('quantize', 'aware', 3, 0.987, 'b3a'), trial('quantize', 'refine', 3, 0.989, 'b3r'),
    trial('quantize', 'refine', 4, 0.97, 'b4-bad'), trial('quantize', 'post', 8, 0.99, 'b8'),
  ];
  assert.deepEqual(passingLevels(trials, 0.99, 'bits', all).map((t) => t.id), ['b2', 'b3r', 'b8']);
  const prune = [trial('prune', 'refine', 0.9, 0.99, 'p90'), trial('prune', 'refine', 0.95, 0.988, 'p95'), trial('prune', 'refine', 0.98, 0.95, 'p98')];
  assert.deepEqual(passingLevels(prune, 0.99, 'sparsity', all).map((t) => t.id), ['p95', 'p90']);
});
