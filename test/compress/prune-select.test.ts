/**
 * Which weights a pass prunes (only role 'weight'; exclusions; minimum size), per-layer vs
 * global scope on a real model checked against an independent count, and the bad-input
 * rule: sparsity outside [0, 1), an exclude pattern that matches nothing, and a model
 * with no prunable layer all fail with a message that names the problem.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PruneError, maskStats, prunableLayers, pruneModel, pruneWithAllocation } from '../../src/compress/index.js';
import { Activation, BatchNorm2d, INPUT, Model, createModel } from '../../src/nn/index.js';
import { tinyCnn } from './prune-fixtures.js';

describe('prunableLayers', () => {
  it('offers only weights: no biases, no BatchNorm params', () => {
    const m = tinyCnn();
    assert.deepEqual(prunableLayers(m).map((l) => l.name), ['conv.weight', 'fc.weight']);
    const before = new Map(m.namedParams().map(([n, p]) => [n, p.value.toArray()]));
    pruneModel(m, { sparsity: 0.9, scope: 'layer' });
    for (const [name, p] of m.namedParams()) {
      if (p.role === 'weight') assert.ok(p.mask, `${name} has a mask`);
      else {
        assert.equal(p.mask, null, `${name} (${p.role}) must not be masked`);
        assert.deepEqual(p.value.toArray(), before.get(name), `${name} keeps its values`);
      }
    }
    m.dispose();
  });
  it('excludes by glob, by node name, and by @first / @last; minSize keeps small layers dense', () => {
    const m = createModel('lenet5', { seed: 0 });
    const names = (o: Parameters<typeof prunableLayers>[1]) => prunableLayers(m, o).map((l) => l.name);
    assert.deepEqual(names({}), ['conv0.weight', 'conv3.weight', 'fc7.weight', 'fc9.weight', 'fc11.weight']);
    assert.deepEqual(names({ exclude: ['@first', '@last'] }), ['conv3.weight', 'fc7.weight', 'fc9.weight']);
    assert.deepEqual(names({ exclude: ['fc*'] }), ['conv0.weight', 'conv3.weight']);
    assert.deepEqual(names({ exclude: ['conv3', 'fc?.weight'] }), ['conv0.weight', 'fc11.weight']);
    assert.deepEqual(names({ minSize: 1000 }), ['conv3.weight', 'fc7.weight', 'fc9.weight']); // 150 and 840 are below
    m.dispose();
  });
});

describe('pruneModel on LeNet-5', () => {
  it('layer scope prunes floor(s·n) in every chosen layer and nothing elsewhere', () => {
    const m = createModel('lenet5', { seed: 3 });
    const before = new Map(m.namedParams().map(([n, p]) => [n, p.value.toArray()]));
    const r = pruneModel(m, { sparsity: 0.9, scope: 'layer', exclude: ['@first'] });
    const sizes: Record<string, number> = { 'conv3.weight': 2400, 'fc7.weight': 48000, 'fc9.weight': 10080, 'fc11.weight': 840 };
    assert.deepEqual(r.layers.map((l) => [l.name, l.pruned]), Object.entries(sizes).map(([k, n]) => [k, Math.floor((9 * n) / 10)]));
    const stats = maskStats(m);
    assert.equal(stats.violations, 0);
    assert.equal(stats.layers.find((l) => l.name === 'conv0.weight')!.pruned, 0);
    // within each layer, every kept weight is at least as large as every pruned one
    for (const [name, p] of m.namedParams()) {
      if (!p.mask) continue;
      const mask = p.mask.view().slice(), w = before.get(name)!;
      let maxPruned = 0, minKept = Infinity;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 0) maxPruned = Math.max(maxPruned, Math.abs(w[i]!));
        else minKept = Math.min(minKept, Math.abs(w[i]!));
      }
      assert.ok(maxPruned <= minKept, `${name}: largest pruned ${maxPruned} > smallest kept ${minKept}`);
    }
    m.dispose();
  });
  it('global scope prunes floor(s·N) over the chosen layers, smallest first across layers', () => {
    const m = createModel('lenet5', { seed: 4 });
    const before = new Map(m.namedParams().map(([n, p]) => [n, p.value.toArray()]));
    const r = pruneModel(m, { sparsity: 0.9, scope: 'global' });
    assert.equal(r.total, 61470);
    assert.equal(r.pruned, Math.floor((61470 * 9) / 10));
    let maxPruned = 0, minKept = Infinity;
    for (const l of r.layers) {
      const p = m.namedParams().find(([n]) => n === l.name)![1];
      const mask = p.mask!.view().slice(), w = before.get(l.name)!;
      for (let i = 0; i < w.length; i++) {
        if (mask[i] === 0) maxPruned = Math.max(maxPruned, Math.abs(w[i]!));
        else minKept = Math.min(minKept, Math.abs(w[i]!));
      }
    }
    assert.ok(maxPruned <= minKept, `largest pruned |w| ${maxPruned} must not exceed smallest kept ${minKept}`);
    // layers differ in their init scale, so a global ranking gives them different levels
    const levels = r.layers.map((l) => l.sparsity);
    assert.ok(Math.max(...levels) - Math.min(...levels) > 0.05, `levels ${levels}`);
    m.dispose();
  });
});

describe('bad input', () => {
  it('sparsity outside [0, 1) names the value', () => {
    const m = tinyCnn();
    for (const s of [1, 1.2, -0.1, NaN]) {
      assert.throws(() => pruneModel(m, { sparsity: s }), (e: Error) => e instanceof RangeError && /sparsity must be a number in \[0, 1\)/.test(e.message) && e.message.includes(String(s)));
    }
    assert.throws(() => pruneWithAllocation(m, { 'fc.weight': 1 }), /allocation for fc\.weight.*got 1/);
    m.dispose();
  });
  it('an exclude pattern that matches nothing names the pattern and lists the weights', () => {
    const m = tinyCnn();
    assert.throws(() => pruneModel(m, { sparsity: 0.5, exclude: ['conv', 'dense*'] }), (e: Error) =>
      e instanceof PruneError && e.message.includes("'dense*' matches no weight") && e.message.includes('conv.weight, fc.weight'));
    assert.throws(() => pruneWithAllocation(m, { 'bn.gamma': 0.5 }), /'bn\.gamma', which is not a weight/);
    m.dispose();
  });
  it('a model with no prunable layer, or none left after exclusions, is an error', () => {
    const onlyNorm = new Model('norm-only', [2, 4, 4], [
      { name: 'bn', layer: new BatchNorm2d({ channels: 2 }), inputs: [INPUT] },
      { name: 'act', layer: new Activation('ReLU'), inputs: ['bn'] },
    ]);
    assert.throws(() => pruneModel(onlyNorm, { sparsity: 0.5 }), /has no weight params/);
    onlyNorm.dispose();
    const m = tinyCnn();
    assert.throws(() => pruneModel(m, { sparsity: 0.5, exclude: ['fc'], minSize: 100 }), /no prunable layer left.*conv\.weight \(54\).*fc\.weight \(648, excluded\)/);
    assert.throws(() => pruneModel(m, { sparsity: 0.5, minSize: -1 }), /minSize must be an integer >= 0/);
    m.dispose();
  });
});
