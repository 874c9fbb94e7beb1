import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateResults, weightHistogram } from '../../src/report/index.js';
import { makeStudyResults } from './fixture.js';

describe('weightHistogram', () => {
  it('counts both arrays over the same bins, symmetric about zero, with a bin centred on zero', () => {
    const before = Float32Array.from([-1, -0.5, -0.01, 0.02, 0.4, 1]);
    const after = Float32Array.from([-1, 0, 0, 0, 0.4, 1]);
    const h = weightHistogram(before, after, 5);
    assert.deepEqual(h.edges.map((e) => Number(e.toFixed(6))), [-1, -0.6, -0.2, 0.2, 0.6, 1]);
    assert.deepEqual(h.before, [1, 1, 2, 1, 1]);
    assert.deepEqual(h.after, [1, 0, 3, 1, 1]);
  });

  it('spans the larger range of the two and counts every finite value once', () => {
    const h = weightHistogram([0.1, -0.2], [3, -3, NaN, Infinity], 61);
    assert.equal(h.edges[0], -3);
    assert.equal(h.edges[61], 3);
    assert.equal(h.before.reduce((a, b) => a + b, 0), 2);
    assert.equal(h.after.reduce((a, b) => a + b, 0), 2);
  });

  it('fits the results format (a ChosenModel accepts it)', () => {
    const r = makeStudyResults();
    r.models[0]!.histogram = weightHistogram([0.3, -0.1, 0], [0, 0, 0.3]);
    assert.doesNotThrow(() => validateResults(r));
  });

  it('handles all-zero weights and refuses an even bin count', () => {
    assert.deepEqual(weightHistogram([0, 0], [0], 3).after, [0, 1, 0]);
    assert.throws(() => weightHistogram([1], [1], 10), /bins must be an odd integer/);
  });
});
