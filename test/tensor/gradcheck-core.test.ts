import { test } from 'node:test';
import { conv2d, linear, maxPool2d, avgPool2d, relu, softmaxCrossEntropy, batchNorm, Tensor, matmul, add, mul, sum, logSoftmax, concat, reshape } from '../../src/tensor/index.js';
import { expectGradcheck } from '../helpers/gradcheck.js';
import { randomFloats } from '../helpers/assert.js';

const input = (shape: number[], seed: number, lo = -1, hi = 1) => ({ data: randomFloats(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape });

test('conv2d grads (stride 2, pad 1, dilation 1, groups 1)', () => {
  expectGradcheck((x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }), [input([2, 3, 7, 6], 1), input([4, 3, 3, 3], 2), input([4], 3)]);
});
test('conv2d grads (groups 2, dilation 2, same)', () => {
  expectGradcheck((x, w) => conv2d(x, w, null, { groups: 2, dilation: 2, padding: 'same' }), [input([2, 4, 7, 7], 4), input([6, 2, 3, 3], 5)]);
});
test('depthwise conv2d grads', () => {
  expectGradcheck((x, w, b) => conv2d(x, w, b, { groups: 3, padding: 1, stride: 2 }), [input([2, 3, 6, 7], 6), input([6, 1, 3, 3], 7), input([6], 8)]);
});
test('linear grads', () => {
  expectGradcheck((x, w, b) => linear(x, w, b), [input([5, 7], 9), input([3, 7], 10), input([3], 11)]);
});
test('matmul transposes', () => {
  expectGradcheck((a, b) => matmul(a, b, { transA: true, transB: true }), [input([4, 3], 12), input([5, 4], 13)]);
});
test('pool grads', () => {
  // Distinct values 0.05 apart, shuffled: no window has two entries within eps, so no argmax flips.
  const n = 2 * 3 * 6 * 6;
  const order = Array.from(randomFloats(n, 14), (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const spaced = new Float32Array(n);
  order.forEach(([, i], rank) => (spaced[i] = (rank - n / 2) * 0.05));
  expectGradcheck((x) => maxPool2d(x, { kernel: 2 }), [{ data: spaced, shape: [2, 3, 6, 6] }], { eps: 1e-2 });
  expectGradcheck((x) => avgPool2d(x, { kernel: 3, stride: 2, padding: 1 }), [input([2, 3, 7, 7], 15)]);
});
test('batchnorm train grads', () => {
  const rm = Tensor.zeros([3]), rv = Tensor.full([3], 1);
  expectGradcheck((x, g, b) => batchNorm(x, g, b, rm, rv, { training: true }), [input([4, 3, 3, 3], 16), input([3], 17, 0.5, 1.5), input([3], 18)], { eps: 1e-2, rtol: 5e-2, atol: 5e-3 });
});
test('cross entropy grads', () => {
  const labels = Int32Array.from([0, 2, 1, 4]);
  expectGradcheck((x) => softmaxCrossEntropy(x, labels, { smoothing: 0.1 }), [input([4, 5], 19)]);
});
test('broadcast add/mul, relu, logsoftmax, concat, reshape', () => {
  expectGradcheck((a, b) => relu(mul(add(a, b), b)), [input([2, 3, 4], 20), input([3, 1], 21)]);
  expectGradcheck((a) => logSoftmax(a), [input([3, 6], 22)]);
  expectGradcheck((a, b) => reshape(concat([a, b], 1), [2, -1]), [input([2, 2, 3], 23), input([2, 3, 3], 24)]);
  expectGradcheck((a) => sum(a, [0, 2]), [input([2, 3, 4], 25)]);
});
