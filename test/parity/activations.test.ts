/**
 * Activation forward parity with onnxruntime-node: Relu, Relu6 (Clip 0..6), LeakyRelu,
 * Sigmoid, Tanh, HardSwish, Elu, Softmax and LogSoftmax (last axis). Sizes run from one
 * element through ragged SIMD tails to one large enough that the work is split over threads.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attr, type AttributeInput } from '../../src/io/onnx/index.js';
import { hardSwish, leakyRelu, logSoftmax, relu, relu6, sigmoid, softmax, tanh, unary, type Tensor } from '../../src/tensor/index.js';
import { peakOf, random, runOrtOp, runOurs, WorstError, type Values } from './parity.js';

interface ActivationCase {
  name: string;
  op: string;
  attrs?: Record<string, AttributeInput>;
  /** Constant inputs after x (Clip's min and max), fed as scalars. */
  extra?: Record<string, number>;
  ours: (x: Tensor) => Tensor;
  /** Inputs are drawn from [-range, range): wide enough to reach every piece and saturation. */
  range: number;
  /** What the error floor is a fraction of, as a multiple of max |ort|; default 1. */
  floorScale?: number;
}

const CASES: ActivationCase[] = [
  { name: 'Relu', op: 'Relu', ours: relu, range: 4 },
  { name: 'Relu6', op: 'Clip', extra: { min: 0, max: 6 }, ours: relu6, range: 9 },
  { name: 'LeakyRelu(0.01)', op: 'LeakyRelu', attrs: { alpha: attr.float(0.01) }, ours: (x) => leakyRelu(x, 0.01), range: 4 },
  { name: 'LeakyRelu(0.2)', op: 'LeakyRelu', attrs: { alpha: attr.float(0.2) }, ours: (x) => leakyRelu(x, 0.2), range: 4 },
  // onnxruntime's sigmoid (MLAS's logistic approximation) is accurate to about 1.5e-7
  // absolute, not relative: at x = -12 it gives 6.497e-6 for 6.358e-6 (2% off), where ours
  // is within 2e-7 relative of float64 (checked below). Its floor is 1e-2 of the peak.
  { name: 'Sigmoid', op: 'Sigmoid', ours: sigmoid, range: 12, floorScale: 10 },
  { name: 'Tanh', op: 'Tanh', ours: tanh, range: 6 },
  { name: 'HardSwish', op: 'HardSwish', ours: hardSwish, range: 5 },
  { name: 'Elu(1)', op: 'Elu', attrs: { alpha: attr.float(1) }, ours: (x) => unary('Elu', x, 1), range: 5 },
  { name: 'Elu(0.5)', op: 'Elu', attrs: { alpha: attr.float(0.5) }, ours: (x) => unary('Elu', x, 0.5), range: 5 },
  { name: 'Softmax', op: 'Softmax', attrs: { axis: -1 }, ours: softmax, range: 10 },
  { name: 'LogSoftmax', op: 'LogSoftmax', attrs: { axis: -1 }, ours: logSoftmax, range: 10 },
];

// 66,560 elements: past the unary op's 32,768 per thread, so two threads share the work.
const SHAPES = [[1], [7], [3, 17], [2, 3, 5, 7], [4, 1000], [2, 8, 64, 65]];

const worst = new Map(CASES.map((c) => [c.name, new WorstError(c.name)]));
after(() => { for (const w of worst.values()) console.log(w.summary()); });

describe('activations match onnxruntime', () => {
  CASES.forEach((c, ci) => SHAPES.forEach((dims, si) => {
    const what = `${c.name} x[${dims}]`;
    it(what, async () => {
      const x = random(dims, 100 * ci + si, -c.range, c.range);
      const feeds: Record<string, Values> = { x };
      for (const [name, v] of Object.entries(c.extra ?? {})) feeds[name] = { data: Float32Array.of(v), dims: [] };
      const ort = await runOrtOp(c.op, feeds, c.attrs);
      const ours = runOurs([x], (t) => c.ours(t!));
      worst.get(c.name)!.check(what, ours, ort, { scale: peakOf(ort.data) * (c.floorScale ?? 1) });
    });
  }));

  it('sigmoid keeps its relative accuracy in the negative tail (float64 oracle)', () => {
    const x = random([4096], 77, -16, 16);
    const ours = runOurs([x], (t) => sigmoid(t!));
    let worstRel = 0;
    for (let i = 0; i < x.data.length; i++) {
      const ref = 1 / (1 + Math.exp(-x.data[i]!));
      worstRel = Math.max(worstRel, Math.abs(ours.data[i]! - ref) / ref);
    }
    assert.ok(worstRel < 1e-6, `sigmoid: worst relative error ${worstRel} against float64 over [-16, 16)`);
  });
});
