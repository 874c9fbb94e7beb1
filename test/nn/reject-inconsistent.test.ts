/**
 * Inputs that used to be accepted silently and then computed garbage (issue 11): a dataset
 * whose image buffer is shorter than its count, optimizer state of the wrong size, and one
 * layer instance used by two nodes. Each is refused with an error naming the dataset, the
 * param or the layer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchSource, type Dataset } from '../../src/data/index.js';
import { Activation, Adam, Flatten, INPUT, Linear, Model, Sgd } from '../../src/nn/index.js';
import { Tensor, backward, scope, sum } from '../../src/tensor/index.js';

const dataset = (images: number, count: number, labels = count): Dataset => ({
  name: 'tiny/train', images: new Float32Array(images * 4), labels: new Int32Array(labels), count, shape: [1, 2, 2], classes: 2,
});

describe('batchSource checks the dataset it wraps', () => {
  it('an image buffer shorter than count images is refused, naming the dataset and both sizes', () => {
    assert.throws(() => batchSource(dataset(3, 5)), (e: unknown) =>
      e instanceof RangeError && /batchSource\('tiny\/train'\): images has 12 values, but 5 images of 1×2×2 need 20/.test(e.message));
  });
  it('fewer labels than images is refused', () => {
    assert.throws(() => batchSource(dataset(5, 5, 4)), /batchSource\('tiny\/train'\): labels has 4 entries for 5 images/);
  });
  it('a consistent dataset yields every sample (control)', () => {
    const source = batchSource(dataset(5, 5));
    assert.equal([...source.batches(2)].reduce((n, b) => n + b.labels.length, 0), 5);
  });
});

describe('optimizer state must fit the params it is loaded into', () => {
  const make = () => Model.sequential('opt', [1, 2, 2], [new Flatten(), new Linear({ inFeatures: 4, outFeatures: 3, seed: 1 })]);
  for (const [name, create, slot] of [
    ['Sgd', (m: Model) => new Sgd(m.params(), { momentum: 0.9 }), 'velocity'],
    ['Adam', (m: Model) => new Adam(m.params()), 'm'],
  ] as const) {
    it(`${name}.loadState refuses a slot of the wrong size, naming the param and its shape`, () => {
      const model = make();
      const opt = create(model);
      try {
        assert.throws(() => opt.loadState({ steps: 3, tensors: { [`0.${slot}`]: new Float32Array(5) } }), (e: unknown) =>
          e instanceof RangeError && new RegExp(`${name}\\.loadState: ${slot} of param 0 has 5 values, the param \\[3, 4\\] has 12`).test(e.message));
        assert.equal(opt.state().steps, 0, 'nothing was loaded');
      } finally {
        opt.dispose();
        model.dispose();
      }
    });
    it(`${name}.loadState refuses a slot for a param it does not have, or a slot it does not keep`, () => {
      const model = make();
      const opt = create(model);
      try {
        assert.throws(() => opt.loadState({ steps: 1, tensors: { [`7.${slot}`]: new Float32Array(12) } }), /names param 7, the optimizer has 2 params/);
        assert.throws(() => opt.loadState({ steps: 1, tensors: { '0.momentum2': new Float32Array(12) } }), new RegExp(`names slot 'momentum2'; ${name} keeps`));
        assert.throws(() => opt.loadState({ steps: -1, tensors: {} }), /steps must be an integer >= 0, got -1/);
      } finally {
        opt.dispose();
        model.dispose();
      }
    });
    it(`${name} state round-trips into a fresh optimizer (control)`, () => {
      const model = make();
      const a = create(model), b = create(model);
      try {
        scope(() => {
          backward(sum(model.forward(Tensor.from(new Float32Array([1, 2, 3, 4]), [1, 1, 2, 2]))));
        });
        a.step(0.1);
        b.loadState(a.state());
        assert.deepEqual(b.state(), a.state());
      } finally {
        a.dispose();
        b.dispose();
        model.dispose();
      }
    });
  }
});

describe('a layer instance belongs to one node', () => {
  it('the same Linear in two nodes is refused, naming both nodes', () => {
    const shared = new Linear({ inFeatures: 4, outFeatures: 4, seed: 1 });
    assert.throws(() => new Model('twice', [1, 2, 2], [
      { name: 'flat', layer: new Flatten(), inputs: [INPUT] },
      { name: 'fc1', layer: shared, inputs: ['flat'] },
      { name: 'fc2', layer: shared, inputs: ['fc1'] },
    ]), /model twice: node 'fc2' uses the same Linear instance as node 'fc1'; give each node its own layer/);
    shared.dispose();
  });
  it('a shared parameter-free layer is refused too (it would carry one name for two nodes)', () => {
    const relu = new Activation('ReLU');
    assert.throws(() => Model.sequential('relu2', [1, 2, 2], [relu, relu]), /node '1' uses the same Activation instance as node '0'/);
  });
});
