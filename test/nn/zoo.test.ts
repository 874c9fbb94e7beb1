/**
 * Every zoo model builds under its public name, runs forward and backward on a small
 * batch, reports the parameter count its architecture implies, and round-trips through
 * its config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, modelNames, Model } from '../../src/nn/index.js';
import { Tensor, backward, scope, softmaxCrossEntropy } from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';

// Parameter counts derived by hand from each architecture's definition.
const EXPECTED_PARAMS: Record<string, number> = {
  // conv 6x1x5x5+6, conv 16x6x5x5+16, fc 400->120, 120->84, 84->10
  lenet5: 156 + 2416 + 48120 + 10164 + 850,
  // conv 32x1x3x3+32, conv 64x32x3x3+64, fc 9216->128, 128->10
  'mnist-cnn': 320 + 18496 + 1179776 + 1290,
};

test('the zoo has the five names configs rely on', () => {
  assert.deepEqual([...modelNames].sort(), ['lenet5', 'mnist-cnn', 'mobilenetv2-small', 'resnet20', 'vgg-small']);
});

for (const name of modelNames) {
  test(`${name}: forward gives [n, 10], backward reaches every param, config round-trips`, () => {
    const model = createModel(name, { seed: 3 });
    if (EXPECTED_PARAMS[name] !== undefined) assert.equal(model.paramCount(), EXPECTED_PARAMS[name]);
    scope(() => {
      const x = Tensor.from(randomFloats(2 * 784, 1), [2, 1, 28, 28]);
      const logits = model.forward(x, { training: true });
      assert.deepEqual(logits.shape, [2, 10]);
      backward(softmaxCrossEntropy(logits, Int32Array.from([3, 7])));
      for (const [path, p] of model.namedParams()) {
        assert.ok(p.value.grad !== null, `${name}: param ${path} got no gradient`);
        assert.ok(p.value.grad.toArray().some((g) => g !== 0), `${name}: param ${path} has an all-zero gradient`);
      }
    });
    model.zeroGrad();
    const copy = Model.fromConfig(model.config());
    assert.equal(copy.paramCount(), model.paramCount());
    assert.deepEqual(copy.config(), model.config());
    copy.dispose();
    model.dispose();
  });
}

test('zoo models take other input shapes and class counts', () => {
  const model = createModel('lenet5', { inputShape: [3, 32, 32], classes: 7 });
  scope(() => {
    const y = model.forward(Tensor.from(randomFloats(3 * 32 * 32, 2), [1, 3, 32, 32]));
    assert.deepEqual(y.shape, [1, 7]);
  });
  model.dispose();
});
