/**
 * Central-difference gradient checks of every elementwise op: each unary op code (with
 * its parameter where it has one) and the broadcasting binary ops over several broadcast
 * patterns. Inputs are kept at least 0.1 from every kink, ten times the step, so the
 * finite difference never straddles one.
 */
import { describe, it } from 'node:test';
import { UnaryOp } from '../../src/kernels/op-codes.js';
import {
  add, addScalar, div, exp, hardSwish, leakyRelu, log, maximum, mul, neg, relu, relu6, scale, sigmoid, sqrt, square, sub, tanh, unary,
  type Tensor,
} from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';
import { expectGradcheck } from '../helpers/gradcheck.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Uniform values in [lo, hi), each moved to at least `margin` from every point in `kinks`. */
function input(shape: number[], seed: number, lo = -1, hi = 1, kinks: number[] = [], margin = 0.1) {
  const data = randomFloats(size(shape), seed, lo, hi).map((v) => {
    for (const k of kinks) if (Math.abs(v - k) < margin) v = v < k ? k - margin : k + margin;
    return v;
  });
  return { data, shape };
}

type UnaryName = keyof typeof UnaryOp;
/** Per op: the input range and the points where its derivative jumps. */
const DOMAINS: Record<UnaryName, { lo: number; hi: number; kinks: number[]; alpha?: number }> = {
  Identity: { lo: -2, hi: 2, kinks: [] },
  Relu: { lo: -2, hi: 2, kinks: [0] },
  Relu6: { lo: -2, hi: 8, kinks: [0, 6] },
  LeakyRelu: { lo: -2, hi: 2, kinks: [0], alpha: 0.2 },
  Sigmoid: { lo: -4, hi: 4, kinks: [] },
  Tanh: { lo: -3, hi: 3, kinks: [] },
  HardSwish: { lo: -5, hi: 5, kinks: [-3, 3] },
  Exp: { lo: -2, hi: 2, kinks: [] },
  Log: { lo: 0.5, hi: 3, kinks: [] },
  Neg: { lo: -2, hi: 2, kinks: [] },
  Sqrt: { lo: 0.5, hi: 3, kinks: [] },
  Square: { lo: -2, hi: 2, kinks: [] },
  Abs: { lo: -2, hi: 2, kinks: [0] },
  Reciprocal: { lo: 0.5, hi: 2, kinks: [] },
  Scale: { lo: -2, hi: 2, kinks: [], alpha: -1.7 },
  AddScalar: { lo: -2, hi: 2, kinks: [], alpha: 0.6 },
  Elu: { lo: -2, hi: 2, kinks: [0], alpha: 0.8 },
};

describe('unary op gradients', () => {
  (Object.keys(UnaryOp) as UnaryName[]).forEach((name, i) => {
    const d = DOMAINS[name];
    it(`${name}${d.alpha !== undefined ? ` (alpha ${d.alpha})` : ''}`, () => {
      // 97 elements: more than one SIMD block plus a scalar tail.
      expectGradcheck((x) => unary(name, x, d.alpha ?? 0), [input([97], 100 + i, d.lo, d.hi, d.kinks)], { samples: 40 });
    });
  });

  it('named wrappers use the right op and parameter', () => {
    const cases: [string, (x: Tensor) => Tensor, UnaryName][] = [
      ['relu', relu, 'Relu'], ['relu6', relu6, 'Relu6'], ['leakyRelu 0.3', (x) => leakyRelu(x, 0.3), 'LeakyRelu'],
      ['sigmoid', sigmoid, 'Sigmoid'], ['tanh', tanh, 'Tanh'], ['hardSwish', hardSwish, 'HardSwish'], ['exp', exp, 'Exp'],
      ['log', log, 'Log'], ['neg', neg, 'Neg'], ['sqrt', sqrt, 'Sqrt'], ['square', square, 'Square'],
      ['scale 2.5', (x) => scale(x, 2.5), 'Scale'], ['addScalar -0.4', (x) => addScalar(x, -0.4), 'AddScalar'],
    ];
    cases.forEach(([, f, op], i) => {
      const d = DOMAINS[op];
      expectGradcheck(f, [input([2, 3, 5], 200 + i, d.lo, d.hi, d.kinks)]);
    });
  });

  it('leakyRelu slope is the gradient below zero', () => {
    // All inputs negative: the gradient must be exactly the slope, a check a shared default would fail.
    expectGradcheck((x) => leakyRelu(x, 0.37), [input([20], 300, -2, -0.2)], { rtol: 1e-3 });
  });
});

describe('binary op gradients with broadcasting', () => {
  /** [a shape, b shape]: same shape, trailing vector, inner singleton, both broadcast, scalar each side. */
  const PATTERNS: [number[], number[]][] = [
    [[2, 3, 4], [2, 3, 4]],
    [[2, 3, 4], [4]],
    [[2, 3, 4], [3, 1]],
    [[2, 1, 4], [1, 3, 1]],
    [[2, 3, 4], [1]],
    [[1], [2, 3, 4]],
    [[3, 1], [2, 3, 4]],
    [[2, 3, 1, 5], [3, 4, 1]],
  ];
  PATTERNS.forEach(([sa, sb], p) => {
    const label = `[${sa}] with [${sb}]`;
    it(`add, sub, mul: ${label}`, () => {
      const a = input(sa, 400 + p), b = input(sb, 450 + p);
      expectGradcheck(add, [a, b]);
      expectGradcheck(sub, [a, b]);
      expectGradcheck(mul, [a, b]);
    });
    it(`div: ${label}`, () => {
      // Divisors in ±[0.5, 1.5]: away from the pole at 0.
      const b = input(sb, 500 + p, 0.5, 1.5);
      const sign = randomFloats(b.data.length, 550 + p);
      b.data.forEach((v, i) => (b.data[i] = sign[i]! < 0 ? -v : v));
      expectGradcheck(div, [input(sa, 520 + p), b]);
    });
    it(`maximum: ${label}`, () => {
      // a on the grid 0.2·k and b on 0.2·k + 0.1: no pair is within 0.1, so no max flips under the step.
      const snap = (x: { data: Float32Array; shape: number[] }, offset: number) => {
        x.data.forEach((v, i) => (x.data[i] = 0.2 * Math.round(v / 0.2) + offset));
        return x;
      };
      expectGradcheck(maximum, [snap(input(sa, 600 + p, -1.5, 1.5), 0), snap(input(sb, 650 + p, -1.5, 1.5), 0.1)]);
    });
  });

  it('the same tensor on both sides accumulates both gradients', () => {
    expectGradcheck((a) => mul(a, a), [input([3, 4], 700)]);
    expectGradcheck((a) => div(add(a, a), sub(a, addScalar(a, 1))), [input([5], 701)]);
  });
});
