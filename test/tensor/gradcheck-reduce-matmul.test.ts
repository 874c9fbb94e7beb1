/**
 * Central-difference gradient checks of reductions, matrix products, shape ops,
 * softmax, the losses and dropout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, backward, concat, createRng, dropout, flatten, linear, logSoftmax, matmul, mean, mse, reshape, scope, softmax,
  softmaxCrossEntropy, sum, tanh,
} from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';
import { expectGradcheck } from '../helpers/gradcheck.js';

const input = (shape: number[], seed: number, lo = -1, hi = 1) => ({ data: randomFloats(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape });

describe('sum and mean', () => {
  const axesCases: [number | number[] | undefined, boolean][] = [
    [undefined, false], [undefined, true], [0, false], [1, true], [-1, false], [[0, 2], false], [[0, 2], true], [[1, 2], true], [[0, 1, 2], false],
  ];
  axesCases.forEach(([axes, keepDims], i) => {
    it(`axes ${JSON.stringify(axes) ?? 'all'}, keepDims ${keepDims}`, () => {
      const x = input([3, 4, 5], 10 + i);
      // tanh after the reduction makes the check sensitive to which entries fed which output.
      expectGradcheck((t) => tanh(sum(t, axes, keepDims)), [x]);
      expectGradcheck((t) => tanh(mean(t, axes, keepDims)), [x]);
    });
  });
});

describe('matmul and linear', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`matmul transA ${transA} transB ${transB}`, () => {
        // m=5, k=7, n=6: none is a multiple of the 4x8 micro-tile.
        const a = input(transA ? [7, 5] : [5, 7], 30 + Number(transA));
        const b = input(transB ? [6, 7] : [7, 6], 32 + Number(transB));
        expectGradcheck((x, y) => matmul(x, y, { transA, transB }), [a, b]);
      });
    }
  }
  it('matmul big enough to split over threads (m >= 16)', () => {
    expectGradcheck((x, y) => matmul(x, y), [input([33, 20], 34), input([20, 17], 35)], { samples: 30 });
  });
  it('linear with bias', () => {
    expectGradcheck((x, w, b) => linear(x, w, b), [input([6, 9], 40), input([5, 9], 41), input([5], 42)]);
  });
  it('linear without bias', () => {
    expectGradcheck((x, w) => linear(x, w, null), [input([6, 9], 43), input([5, 9], 44)]);
  });
});

describe('shape ops', () => {
  it('reshape with -1 and flatten', () => {
    expectGradcheck((x) => tanh(reshape(x, [-1, 6])), [input([2, 3, 2, 2], 50)]);
    expectGradcheck((x) => tanh(flatten(x)), [input([2, 3, 2, 2], 51)]);
  });
  it('concat on axis 1 (channels), three inputs', () => {
    expectGradcheck((a, b, c) => tanh(concat([a, b, c], 1)), [input([2, 1, 3, 2], 52), input([2, 3, 3, 2], 53), input([2, 2, 3, 2], 54)]);
  });
  it('concat on axis 0 (batch)', () => {
    expectGradcheck((a, b) => tanh(concat([a, b], 0)), [input([1, 3, 2], 55), input([3, 3, 2], 56)]);
  });
  it('concat on the last axis, given as -1', () => {
    expectGradcheck((a, b) => concat([a, b], -1), [input([3, 2], 57), input([3, 5], 58)]);
  });
});

describe('softmax and losses', () => {
  it('softmax and logSoftmax over the last axis', () => {
    expectGradcheck(softmax, [input([4, 7], 60, -3, 3)]);
    expectGradcheck(logSoftmax, [input([4, 7], 61, -3, 3)]);
    expectGradcheck(softmax, [input([2, 3, 5], 62, -3, 3)]);
  });
  for (const smoothing of [0, 0.2]) {
    it(`softmaxCrossEntropy, smoothing ${smoothing}`, () => {
      const labels = Int32Array.from([3, 0, 5, 5, 1]);
      expectGradcheck((x) => softmaxCrossEntropy(x, labels, { smoothing }), [input([5, 6], 63, -3, 3)], { rtol: 1e-2, atol: 1e-4 });
    });
  }
  it('softmaxCrossEntropy as part of a bigger graph (upstream gradient not 1)', () => {
    const labels = Int32Array.from([1, 2]);
    expectGradcheck((x) => tanh(softmaxCrossEntropy(x, labels, { smoothing: 0.2 })), [input([2, 4], 64, -2, 2)], { atol: 1e-4 });
  });
  it('mse w.r.t. prediction and target', () => {
    expectGradcheck((p, t) => mse(p, t), [input([3, 4], 65), input([3, 4], 66)], { atol: 1e-4 });
  });
});

describe('dropout', () => {
  it('gradient matches central differences under a fixed mask', () => {
    // A fresh generator with the same seed on every call draws the same mask.
    expectGradcheck((x) => dropout(x, 0.3, createRng(5)), [input([4, 25], 70)], { samples: 100 });
  });
  it('gradient is the mask scale: 0 where dropped, 1/(1-p) where kept', () => {
    scope(() => {
      const p = 0.4;
      const x = Tensor.from(randomFloats(400, 71, 0.5, 1.5), [400]);
      x.requiresGrad = true;
      const y = dropout(x, p, createRng(9));
      backward(sum(y));
      const g = x.grad!.toArray(), yv = y.toArray(), xv = x.toArray();
      let dropped = 0;
      for (let i = 0; i < g.length; i++) {
        if (yv[i] === 0) {
          dropped++;
          assert.equal(g[i], 0, `entry ${i} was dropped but has gradient ${g[i]}`);
        } else {
          assert.equal(g[i], Math.fround(1 / (1 - p)), `entry ${i}`);
          assert.ok(Math.abs(yv[i]! - xv[i]! / (1 - p)) < 1e-6);
        }
      }
      // 400 Bernoulli(0.4) draws: mean 160, sd ~9.8.
      assert.ok(dropped > 110 && dropped < 210, `${dropped} of 400 dropped at p = ${p}`);
    });
  });
});
