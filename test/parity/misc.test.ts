/**
 * Forward parity with onnxruntime-node for the remaining ops: broadcasting binary ops,
 * elementwise maths, Concat, ReduceSum/ReduceMean, and a MobileNet-style block of several
 * nodes (Conv, BatchNormalization, Clip, GlobalAveragePool, Flatten, Gemm) end to end.
 */
import { after, describe, it } from 'node:test';
import {
  add, batchNorm, concat, conv2d, div, exp, flatten, globalAvgPool2d, linear, log, maximum, mean, mul, neg,
  relu6, sqrt, sub, sum, unary, type Tensor,
} from '../../src/tensor/index.js';
import { peakOf, random, runOrtNodes, runOrtOp, runOurs, WorstError, type Values } from './parity.js';

const worstBinary = new WorstError('Add/Sub/Mul/Div/Max (broadcast)');
const worstMaths = new WorstError('Exp/Log/Sqrt/Abs/Neg/Reciprocal');
const worstConcat = new WorstError('Concat');
const worstReduce = new WorstError('ReduceSum/ReduceMean');
const worstBlock = new WorstError('Conv-BN-Relu6-GAP-Gemm block');
after(() => { for (const w of [worstBinary, worstMaths, worstConcat, worstReduce, worstBlock]) console.log(w.summary()); });

describe('broadcasting binary ops match onnxruntime', () => {
  const OPS: [string, (a: Tensor, b: Tensor) => Tensor][] = [['Add', add], ['Sub', sub], ['Mul', mul], ['Div', div], ['Max', maximum]];
  const PAIRS: [number[], number[]][] = [
    [[2, 3, 4, 5], [2, 3, 4, 5]],
    [[2, 3, 4, 5], [3, 1, 1]], // a per-channel bias
    [[2, 3, 4, 5], [1]],
    [[1, 3, 1, 5], [2, 1, 4, 1]], // both sides broadcast
    [[5], [3, 5]], // the left side is the smaller one
    [[4, 1], [1, 7]],
    [[2, 16, 32, 33], [16, 1, 1]], // large enough to be split over threads
  ];
  OPS.forEach(([op, fn], oi) => PAIRS.forEach(([da, db], pi) => {
    const what = `${op} [${da}] with [${db}]`;
    it(what, async () => {
      const a = random(da, 10 * oi + pi, -2, 2);
      // Div's divisor stays away from zero: the quotient would be ill-conditioned, not wrong.
      const b = op === 'Div' ? random(db, 500 + pi, 0.5, 2) : random(db, 300 + 10 * oi + pi, -2, 2);
      const ort = await runOrtOp(op, { a, b });
      worstBinary.check(what, runOurs([a, b], (x, y) => fn(x!, y!)), ort);
    });
  }));
});

describe('elementwise maths match onnxruntime', () => {
  const CASES: [string, (x: Tensor) => Tensor, number, number][] = [
    ['Exp', exp, -6, 6], ['Log', log, 1e-3, 20], ['Sqrt', sqrt, 0, 20], ['Abs', (x) => unary('Abs', x), -3, 3],
    ['Neg', neg, -3, 3], ['Reciprocal', (x) => unary('Reciprocal', x), 0.05, 5],
  ];
  CASES.forEach(([op, fn, lo, hi], ci) => [[7], [3, 33], [2, 8, 64, 65]].forEach((dims, si) => {
    const what = `${op} x[${dims}] in [${lo}, ${hi})`;
    it(what, async () => {
      const x = random(dims, 40 * ci + si, lo, hi);
      worstMaths.check(what, runOurs([x], (t) => fn(t!)), await runOrtOp(op, { x }));
    });
  }));
});

describe('Concat matches onnxruntime', () => {
  const CASES: { dims: number[][]; axis: number }[] = [
    { dims: [[2, 3, 4, 5], [2, 1, 4, 5], [2, 6, 4, 5]], axis: 1 }, // channels, as an Inception branch join
    { dims: [[1, 16, 7, 7], [1, 16, 7, 7]], axis: 1 },
    { dims: [[2, 3, 4, 5], [1, 3, 4, 5]], axis: 0 },
    { dims: [[2, 3, 4, 5], [2, 3, 2, 5]], axis: 2 },
    { dims: [[2, 3, 4, 5], [2, 3, 4, 1], [2, 3, 4, 3]], axis: -1 },
    { dims: [[5, 7], [5, 2]], axis: 1 },
  ];
  CASES.forEach(({ dims, axis }, ci) => {
    const what = `${dims.map((d) => `[${d}]`).join(' + ')} axis ${axis}`;
    it(what, async () => {
      const inputs = dims.map((d, i) => random(d, 700 + 10 * ci + i));
      const feeds = Object.fromEntries(inputs.map((v, i) => [`x${i}`, v]));
      const ort = await runOrtOp('Concat', feeds, { axis });
      worstConcat.check(what, runOurs(inputs, (...ts) => concat(ts as Tensor[], axis)), ort);
    });
  });
});

describe('sum and mean match ReduceSum and ReduceMean', () => {
  // Opset 11 keeps ReduceSum's axes an attribute (opset 13 made it an input).
  const CASES: { dims: number[]; axes: number[]; keepDims: boolean }[] = [
    { dims: [2, 3, 4, 5], axes: [0, 2], keepDims: true },
    { dims: [2, 3, 4, 5], axes: [1], keepDims: false },
    { dims: [2, 3, 4, 5], axes: [0, 1, 2, 3], keepDims: false },
    { dims: [7, 33], axes: [0], keepDims: false },
    { dims: [3, 16, 9, 9], axes: [2, 3], keepDims: true },
  ];
  CASES.forEach(({ dims, axes, keepDims }, ci) => {
    for (const [op, fn] of [['ReduceSum', sum], ['ReduceMean', mean]] as const) {
      const what = `${op} x[${dims}] axes [${axes}] keepdims ${Number(keepDims)}`;
      it(what, async () => {
        const x = random(dims, 800 + ci);
        const ort = await runOrtOp(op, { x }, { axes, keepdims: Number(keepDims) }, 11);
        // Sums of signed terms cancel: the floor is relative to the sum of |terms|.
        const terms = await runOrtOp(op, { x: { data: x.data.map(Math.abs), dims } }, { axes, keepdims: Number(keepDims) }, 11);
        const ours = runOurs([x], (t) => fn(t!, axes, keepDims));
        worstReduce.check(what, ours, ort, { scale: peakOf(terms.data) });
      });
    }
  });
});

describe('a Conv-BN-Relu6-GAP-Gemm block matches onnxruntime', () => {
  for (const [batch, depthwise] of [[1, false], [3, true]] as const) {
    const what = `batch ${batch}, ${depthwise ? 'depthwise' : 'dense'} 3x3 stride 2 pad 1`;
    it(what, async () => {
      const [c, oc, classes] = [4, depthwise ? 4 : 8, 10];
      const groups = depthwise ? c : 1;
      const v = (dims: number[], seed: number, lo = -1, hi = 1): Values => random(dims, 900 + seed, lo, hi);
      const feeds: Record<string, Values> = {
        x: v([batch, c, 11, 11], 0), w: v([oc, c / groups, 3, 3], 1), b: v([oc], 2),
        scale: v([oc], 3, 0.5, 1.5), bias: v([oc], 4), mean: v([oc], 5), variance: v([oc], 6, 0.1, 2),
        lo: { data: Float32Array.of(0), dims: [] }, hi: { data: Float32Array.of(6), dims: [] },
        fw: v([classes, oc], 7), fb: v([classes], 8),
      };
      const ort = await runOrtNodes([
        { op: 'Conv', inputs: ['x', 'w', 'b'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: groups } },
        { op: 'BatchNormalization', inputs: ['$0', 'scale', 'bias', 'mean', 'variance'], attrs: { epsilon: 1e-5 } },
        { op: 'Clip', inputs: ['$1', 'lo', 'hi'] },
        { op: 'GlobalAveragePool', inputs: ['$2'] },
        { op: 'Flatten', inputs: ['$3'] },
        { op: 'Gemm', inputs: ['$4', 'fw', 'fb'], attrs: { transB: 1 } },
      ], feeds);
      const f = feeds;
      const ours = runOurs([f.x!, f.w!, f.b!, f.scale!, f.bias!, f.mean!, f.variance!, f.fw!, f.fb!], (x, w, b, g, be, m, vr, fw, fb) => {
        const y = relu6(batchNorm(conv2d(x!, w!, b, { stride: 2, padding: 1, groups }), g!, be!, m!, vr!, { training: false, eps: 1e-5 }));
        return linear(flatten(globalAvgPool2d(y)), fw!, fb);
      });
      worstBlock.check(what, ours, ort);
    });
  }
});
