/**
 * Pooling and batch-norm gradients against central differences. Max pooling gets inputs
 * whose values are all at least 0.05 apart, so a step of 0.01 never changes which entry
 * of a window is the largest.
 */
import { describe, it } from 'node:test';
import { Tensor, avgPool2d, batchNorm, globalAvgPool2d, maxPool2d, type Pool2dOptions } from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';
import { expectGradcheck } from '../helpers/gradcheck.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const input = (shape: number[], seed: number, lo = -1, hi = 1) => ({ data: randomFloats(size(shape), seed, lo, hi), shape });

/** A random permutation of evenly spaced values, 0.05 apart: no ties within any window. */
function spaced(shape: number[], seed: number) {
  const n = size(shape);
  const order = Array.from(randomFloats(n, seed), (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const data = new Float32Array(n);
  order.forEach(([, i], rank) => (data[i] = (rank - n / 2) * 0.05));
  return { data, shape };
}

describe('maxPool2d gradients', () => {
  const cases: [number[], Pool2dOptions][] = [
    [[2, 3, 6, 6], { kernel: 2 }],
    [[1, 2, 7, 7], { kernel: 3, stride: 2, padding: 1 }],
    [[2, 2, 7, 5], { kernel: [3, 2], stride: [1, 2] }],
    [[1, 3, 8, 8], { kernel: 3, stride: 1, padding: 'same' }],
    [[1, 2, 9, 9], { kernel: 2, stride: 2, dilation: 2 }],
    [[2, 1, 5, 5], { kernel: 3, stride: 3, padding: 'valid' }],
  ];
  cases.forEach(([shape, opts], i) => {
    it(`x[${shape}] ${JSON.stringify(opts)}`, () => {
      expectGradcheck((x) => maxPool2d(x, opts), [spaced(shape, 10 + i)], { samples: 40 });
    });
  });
});

describe('avgPool2d gradients', () => {
  for (const countIncludePad of [false, true]) {
    it(`padding 1, stride 2, countIncludePad ${countIncludePad}`, () => {
      expectGradcheck((x) => avgPool2d(x, { kernel: 3, stride: 2, padding: 1, countIncludePad }), [input([2, 3, 7, 6], 20)], { samples: 40 });
    });
    it(`rectangular kernel, 'same' padding, countIncludePad ${countIncludePad}`, () => {
      expectGradcheck((x) => avgPool2d(x, { kernel: [2, 3], stride: 1, padding: 'same', countIncludePad }), [input([1, 2, 5, 6], 21)], { samples: 40 });
    });
  }
  it('overlapping windows without padding', () => {
    expectGradcheck((x) => avgPool2d(x, { kernel: 3, stride: 1 }), [input([2, 2, 6, 6], 22)], { samples: 40 });
  });
  it('globalAvgPool2d', () => {
    expectGradcheck(globalAvgPool2d, [input([3, 4, 5, 3], 23)], { samples: 40 });
  });
});

describe('batchNorm gradients', () => {
  const loose = { rtol: 5e-2, atol: 5e-3 };
  for (const shape of [[4, 3, 3, 3], [6, 5]]) {
    it(`training, x[${shape}], w.r.t. x, gamma and beta`, () => {
      // The output does not read the running statistics in training, so their updates on
      // every re-evaluation leave the finite differences alone.
      const c = shape[1]!;
      const rm = Tensor.zeros([c]), rv = Tensor.full([c], 1);
      expectGradcheck((x, g, b) => batchNorm(x, g, b, rm, rv, { training: true, momentum: 0.3 }),
        [input(shape, 30), input([c], 31, 0.5, 1.5), input([c], 32)], { ...loose, samples: 40 });
      rm.dispose();
      rv.dispose();
    });
    it(`evaluation, x[${shape}], w.r.t. x, gamma and beta`, () => {
      const c = shape[1]!;
      const rm = Tensor.from(randomFloats(c, 33), [c]), rv = Tensor.from(randomFloats(c, 34, 0.3, 2), [c]);
      expectGradcheck((x, g, b) => batchNorm(x, g, b, rm, rv, { training: false, eps: 1e-3 }),
        [input(shape, 35), input([c], 36, 0.5, 1.5), input([c], 37)], { samples: 40 });
      rm.dispose();
      rv.dispose();
    });
  }
  it('training with a single pixel per channel per image (hw = 1) and a tiny eps', () => {
    const rm = Tensor.zeros([2]), rv = Tensor.full([2], 1);
    expectGradcheck((x, g, b) => batchNorm(x, g, b, rm, rv, { training: true, eps: 1e-5 }),
      [input([5, 2, 1, 1], 38, -2, 2), input([2], 39, 0.5, 1.5), input([2], 40)], loose);
    rm.dispose();
    rv.dispose();
  });
});
