/**
 * Every layer in src/nn, run through a Model as training runs it, against central
 * differences w.r.t. the model input and each of the layer's params; and a residual block
 * model end to end. Inputs sit away from activation kinks.
 */
import { describe, it } from 'node:test';
import {
  Activation, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool, INPUT, Layer, Linear, Model, Pool2d, type ActivationKind, type ModelNode,
} from '../../src/nn/index.js';
import { Tensor, createRng, keep } from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';
import { expectLeafGradcheck, type GradcheckOptions as LeafCheckOptions } from '../helpers/gradcheck.js';

type Chw = [number, number, number];

/** An input batch that requires a gradient, kept out of scopes (the caller disposes it). */
function batch(n: number, chw: Chw, seed: number, transform: (v: number) => number = (v) => v): Tensor {
  const x = keep(Tensor.from(randomFloats(n * chw[0] * chw[1] * chw[2], seed, -1, 1).map(transform), [n, ...chw]));
  x.requiresGrad = true;
  return x;
}

/** Checks the model's output w.r.t. x and every param, in training or evaluation mode. */
function checkModel(model: Model, x: Tensor, training: boolean, opts: LeafCheckOptions = {}): void {
  const leaves: Record<string, Tensor> = { input: x };
  for (const [name, p] of model.namedParams()) leaves[name] = p.value;
  // A fresh generator per call: dropout draws the same mask on every re-evaluation.
  expectLeafGradcheck(() => model.forward(x, { training, rng: createRng(11) }), leaves, opts);
  x.dispose();
  model.dispose();
}

const single = (layer: Layer, chw: Chw) => Model.sequential(`single-${layer.config().type}`, chw, [layer]);

/** A graph over nodes given as [name, layer, inputs]. */
const graph = (chw: Chw, nodes: [string, Layer, string[]][]) =>
  new Model('graph', chw, nodes.map(([name, layer, inputs]): ModelNode => ({ name, layer, inputs })));

/** Moves |v| at least `margin` away from each kink. */
const awayFrom = (kinks: number[], margin = 0.1) => (v: number) => {
  for (const k of kinks) if (Math.abs(v - k) < margin) v = v < k ? k - margin : k + margin;
  return v;
};

describe('layer gradients', () => {
  it('Conv2d (stride 2, padding 1, bias) w.r.t. input, weight and bias', () => {
    checkModel(single(new Conv2d({ inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1, seed: 1 }), [3, 7, 7]), batch(2, [3, 7, 7], 1), true);
  });
  it('Conv2d (grouped, dilated, no bias)', () => {
    checkModel(single(new Conv2d({ inChannels: 4, outChannels: 6, kernel: 3, dilation: 2, padding: 'same', groups: 2, bias: false, seed: 2 }), [4, 6, 6]), batch(2, [4, 6, 6], 2), true);
  });
  it('Conv2d (depthwise, multiplier 2)', () => {
    checkModel(single(new Conv2d({ inChannels: 3, outChannels: 6, kernel: 3, groups: 3, padding: 1, seed: 3 }), [3, 5, 5]), batch(2, [3, 5, 5], 3), true);
  });
  it('Flatten then Linear, with and without bias', () => {
    checkModel(Model.sequential('fc', [2, 3, 3], [new Flatten(), new Linear({ inFeatures: 18, outFeatures: 5, seed: 4 })]), batch(3, [2, 3, 3], 4), true);
    checkModel(Model.sequential('fc', [2, 3, 3], [new Flatten(), new Linear({ inFeatures: 18, outFeatures: 5, bias: false, seed: 5 })]), batch(3, [2, 3, 3], 5), true);
  });
  it('BatchNorm2d in training (batch statistics)', () => {
    const bn = new BatchNorm2d({ channels: 3 });
    bn.gamma.assign(randomFloats(3, 6, 0.5, 1.5));
    bn.beta.assign(randomFloats(3, 7));
    checkModel(single(bn, [3, 4, 4]), batch(4, [3, 4, 4], 6), true, { rtol: 5e-2, atol: 5e-3, samples: 30 });
  });
  it('BatchNorm2d in evaluation (running statistics)', () => {
    const bn = new BatchNorm2d({ channels: 3 });
    bn.gamma.assign(randomFloats(3, 8, 0.5, 1.5));
    bn.beta.assign(randomFloats(3, 9));
    bn.runningMean.view().set(randomFloats(3, 10));
    bn.runningVar.view().set(randomFloats(3, 11, 0.3, 2));
    checkModel(single(bn, [3, 4, 4]), batch(2, [3, 4, 4], 7), false);
  });
  const kinks: Record<ActivationKind, number[]> = { ReLU: [0], ReLU6: [0, 6], LeakyReLU: [0], Sigmoid: [], Tanh: [], HardSwish: [-3, 3],
    ELU: [0], SELU: [0], Softplus: [], HardSigmoid: [-2.5, 2.5], Clip: [] };
  for (const kind of Object.keys(kinks) as ActivationKind[]) {
    it(`Activation ${kind}`, () => {
      // Inputs in [-4, 8]: both sides of every kink, including ReLU6's and HardSwish's.
      checkModel(single(new Activation(kind, 0.25), [2, 3, 3]), batch(2, [2, 3, 3], 20, (v) => awayFrom(kinks[kind])(2 + 6 * v)), true);
    });
  }
  it('Pool2d max (distinct, well separated inputs) and average', () => {
    const n = 2 * 2 * 6 * 6;
    const ranks = Array.from(randomFloats(n, 30), (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const spaced = new Float32Array(n);
    ranks.forEach(([, i], r) => (spaced[i] = (r - n / 2) * 0.05));
    const x = keep(Tensor.from(spaced, [2, 2, 6, 6]));
    x.requiresGrad = true;
    checkModel(single(new Pool2d('MaxPool2d', { kernel: 3, stride: 2, padding: 1 }), [2, 6, 6]), x, true);
    checkModel(single(new Pool2d('AvgPool2d', { kernel: 2, stride: 2 }), [2, 6, 6]), batch(2, [2, 6, 6], 31), true);
  });
  it('GlobalAvgPool', () => {
    checkModel(single(new GlobalAvgPool(), [3, 4, 5]), batch(2, [3, 4, 5], 32), true);
  });
  it('Dropout in training: gradient under the drawn mask', () => {
    checkModel(Model.sequential('drop', [2, 4, 4], [new Dropout(0.5), new Flatten()]), batch(2, [2, 4, 4], 33), true, { samples: 64 });
  });
  it('Add: the input reaches the sum by two paths', () => {
    checkModel(graph([2, 3, 3], [['t', new Activation('Tanh'), [INPUT]], ['sum', new Add(), [INPUT, 't']]]), batch(2, [2, 3, 3], 34), true);
  });
  it('Concat along channels of a conv branch and the input', () => {
    checkModel(graph([2, 4, 4], [
      ['conv', new Conv2d({ inChannels: 2, outChannels: 3, kernel: 3, padding: 1, seed: 35 }), [INPUT]],
      ['cat', new Concat(1), ['conv', INPUT]],
      ['t', new Activation('Tanh'), ['cat']],
    ]), batch(2, [2, 4, 4], 35), true);
  });
});

describe('residual block model, end to end', () => {
  /** conv-bn-relu-conv-bn (+ identity shortcut) -relu, global pool, flatten, linear. */
  function residualNet(seed: number): Model {
    return graph([4, 5, 5], [
      ['conv1', new Conv2d({ inChannels: 4, outChannels: 4, kernel: 3, padding: 1, bias: false, seed }), [INPUT]],
      ['bn1', new BatchNorm2d({ channels: 4 }), ['conv1']],
      ['relu1', new Activation('ReLU'), ['bn1']],
      ['conv2', new Conv2d({ inChannels: 4, outChannels: 4, kernel: 3, padding: 1, bias: false, seed: seed + 1 }), ['relu1']],
      ['bn2', new BatchNorm2d({ channels: 4 }), ['conv2']],
      ['add', new Add(), ['bn2', INPUT]],
      ['relu2', new Activation('ReLU'), ['add']],
      ['gap', new GlobalAvgPool(), ['relu2']],
      ['flat', new Flatten(), ['gap']],
      ['fc', new Linear({ inFeatures: 4, outFeatures: 3, seed: seed + 2 }), ['flat']],
    ]);
  }
  for (const training of [true, false]) {
    it(`w.r.t. its input, conv1.weight and fc.weight (${training ? 'training' : 'evaluation'} mode)`, () => {
      const model = residualNet(40);
      const x = batch(3, [4, 5, 5], 41);
      const params = Object.fromEntries(model.namedParams());
      // A small step keeps the check clear of ReLU kinks: a pre-activation would have to lie
      // within ~1e-3 of zero for the difference to straddle one.
      expectLeafGradcheck(() => model.forward(x, { training, rng: createRng(1) }),
        { input: x, 'conv1.weight': params['conv1.weight']!.value, 'fc.weight': params['fc.weight']!.value },
        { eps: 1e-3, rtol: 3e-2, atol: 3e-3, samples: 30 });
      x.dispose();
      model.dispose();
    });
  }
});
