import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalize, datasetStats, loadMnist, MNIST_MEAN, MNIST_STD } from '../../src/data/index.js';
import { randomDataset } from './synthetic.js';

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('datasetStats and normalize', () => {
  it('computes per-channel stats and standardises to mean 0, std 1', () => {
    const ds = randomDataset(200, [3, 5, 4], 9);
    const stats = datasetStats(ds);
    stats.mean.forEach((m, c) => close(m, 2 * c + 1, 0.15, `mean[${c}]`));
    stats.std.forEach((s, c) => close(s, c + 0.5, 0.15, `std[${c}]`));
    const out = normalize(ds, stats);
    const after = datasetStats(out);
    after.mean.forEach((m, c) => close(m, 0, 1e-5, `normalised mean[${c}]`));
    after.std.forEach((s, c) => close(s, 1, 1e-5, `normalised std[${c}]`));
    assert.notEqual(out.images, ds.images);
    assert.equal(ds.images[0], randomDataset(1, [3, 5, 4], 9).images[0], 'input untouched');
  });

  it('standardises MNIST with the published constants', () => {
    const { train } = loadMnist({ limit: 10000 });
    const { mean, std } = datasetStats(normalize(train, { mean: MNIST_MEAN, std: MNIST_STD }));
    close(mean[0]!, 0, 0.01, 'mean');
    close(std[0]!, 1, 0.01, 'std');
  });

  it('names what is wrong with the constants', () => {
    const ds = randomDataset(2, [3, 2, 2], 1);
    assert.throws(() => normalize(ds, { mean: [0, 0], std: 1 }), /normalize\('random'\): mean has 2 entries, the dataset has 3 channels/);
    assert.throws(() => normalize(ds, { mean: 0, std: [1, 0, 1] }), /std\[1\] must be > 0, got 0/);
  });
});
