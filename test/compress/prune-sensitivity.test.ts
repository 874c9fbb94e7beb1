/**
 * Sensitivity analysis and the guided allocation. The allocation is checked on hand-worked
 * curves; the analysis on a LeNet-5 trained here on 3000 MNIST images: each point is
 * re-measured independently, the model is left untouched, and at the same global
 * sparsity the guided allocation is more accurate before fine-tuning than uniform
 * per-layer pruning.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PruneError, allocateSparsity, captureState, interpolateAccuracy, layerSensitivity, magnitudeMask, pruneWithAllocation, restoreState,
  uniformAllocation, type SensitivityCurve, type SensitivityResult,
} from '../../src/compress/index.js';
import { Mask, evaluate, type BatchSource, type Model } from '../../src/nn/index.js';
import { trainedLenet } from './prune-fixtures.js';

const curve = (layer: string, size: number, pts: [number, number][]): SensitivityCurve =>
  ({ layer, size, points: pts.map(([sparsity, accuracy]) => ({ sparsity, achieved: sparsity, accuracy })) });

describe('allocateSparsity (hand-worked)', () => {
  const A = curve('a', 100, [[0, 0.9], [0.5, 0.9], [0.9, 0.8]]);
  const B = curve('b', 1000, [[0, 0.9], [0.5, 0.89], [0.9, 0.85]]);
  it('takes the cheapest accuracy per weight first and stops part-way on the target', () => {
    // goal 0.6·1100 = 660 weights. Costs per weight: A 0→.5: 0/50 = 0 (take, 50);
    // then B 0→.5: .01/500 = 2e-5 vs A .5→.9: .1/40 = 2.5e-3 → B (550); then B .5→.9:
    // .04/400 = 1e-4 < 2.5e-3 → B, but only 110 more weights are needed: B = .5 + 110/1000.
    const r = allocateSparsity([A, B], 0.6);
    assert.equal(r.perLayer['a'], 0.5);
    assert.ok(Math.abs(r.perLayer['b']! - 0.61) < 1e-12);
    assert.ok(Math.abs(r.sparsity - 0.6) < 1e-12);
    // B at .61 interpolates to .89 − .04·(.11/.4) = .879: a predicted drop of .021
    assert.ok(Math.abs(r.predictedDrop - 0.021) < 1e-12);
    assert.ok(Math.abs(interpolateAccuracy(B, 0.7) - 0.87) < 1e-12);
  });
  it('uniform gives every layer the target; 0 gives all zeros', () => {
    assert.deepEqual(uniformAllocation([A, B], 0.6).perLayer, { a: 0.6, b: 0.6 });
    assert.deepEqual(allocateSparsity([A, B], 0).perLayer, { a: 0, b: 0 });
  });
  it('refuses targets the measured levels cannot reach, and malformed curves', () => {
    assert.throws(() => allocateSparsity([A, B], 0.95), (e: Error) => e instanceof PruneError && /above 0\.9000/.test(e.message));
    assert.throws(() => allocateSparsity([curve('c', 10, [[0.5, 1]])], 0.1), /must start at sparsity 0/);
    assert.throws(() => allocateSparsity([A], 1), /\[0, 1\)/);
  });
});

describe('layerSensitivity on a LeNet-5 trained in the test', () => {
  let model: Model, test: BatchSource, result: SensitivityResult;
  const levels = [0.5, 0.8, 0.9, 0.95, 0.99];
  before(async () => {
    ({ model, test } = await trainedLenet(2, 0));
  });
  after(() => model.dispose());

  it('measures each layer alone and leaves the model as it was', () => {
    const bits = model.namedParams().map(([, p]) => new Uint32Array(p.value.toArray().buffer));
    result = layerSensitivity(model, test, { levels });
    assert.ok(result.baseline > 0.9, `the small baseline trains to ${result.baseline}`);
    assert.deepEqual(result.curves.map((c) => c.layer), ['conv0.weight', 'conv3.weight', 'fc7.weight', 'fc9.weight', 'fc11.weight']);
    model.namedParams().forEach(([name, p], i) => {
      assert.equal(p.mask, null, `${name} has no mask left`);
      assert.deepEqual(new Uint32Array(p.value.toArray().buffer), bits[i], `${name} restored`);
    });
    // Oracle for two points: mask the layer by hand and evaluate.
    for (const [li, si] of [[0, 2], [2, 4]] as const) {
      const c = result.curves[li]!, pt = c.points[si + 1]!;
      const p = model.namedParams().find(([n]) => n === c.layer)![1];
      const saved = p.value.toArray();
      p.setMask(new Mask(p.size, magnitudeMask(saved, pt.sparsity)));
      assert.equal(evaluate(model, test).accuracy, pt.accuracy, `${c.layer} @ ${pt.sparsity}`);
      assert.equal(pt.achieved, Math.floor(pt.sparsity * c.size + 1e-9) / c.size);
      p.setMask(null);
      p.assign(saved);
    }
  });

  it('guided allocation beats uniform per-layer pruning at the same global sparsity, before fine-tuning', () => {
    const saved = captureState(model);
    for (const target of [0.9, 0.95]) {
      const guided = allocateSparsity(result.curves, target), uniform = uniformAllocation(result.curves, target);
      restoreState(model, saved);
      const g = pruneWithAllocation(model, guided.perLayer);
      const gAcc = evaluate(model, test).accuracy;
      restoreState(model, saved);
      const u = pruneWithAllocation(model, uniform.perLayer);
      const uAcc = evaluate(model, test).accuracy;
      // the same global sparsity, up to the floor() in each of the 5 layers
      assert.ok(Math.abs(g.pruned - u.pruned) <= 5, `guided ${g.pruned} vs uniform ${u.pruned} pruned`);
      assert.ok(Math.abs(g.sparsity - target) < 1e-3);
      assert.ok(gAcc > uAcc, `at ${target}: guided ${gAcc} must beat uniform ${uAcc}`);
    }
    restoreState(model, saved);
  });
});
