/**
 * Matrix-product forward parity with onnxruntime-node: linear(x, w, b) as Gemm(transB=1)
 * with and without bias, and matmul with each transpose combination as Transpose + MatMul.
 * Sizes straddle the 5x8 micro-tile, and both of gemm's splits (over rows when m >= 16 or
 * n < 64, over columns otherwise) are reached.
 */
import { after, describe, it } from 'node:test';
import { linear, matmul } from '../../src/tensor/index.js';
import { absValues, peakOf, random, runOrtNodes, runOrtOp, runOurs, WorstError, type OrtNode, type Values } from './parity.js';

/** The same feeds on |values|: the product then gives each output's sum of |terms|, the scale of its rounding. */
const absFeeds = (feeds: Record<string, Values>) => Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, absValues(v)]));

/** [m, n, k]: rows of the result, columns, reduction length. */
const SIZES: [number, number, number][] = [
  [1, 1, 1], [1, 10, 7], [5, 8, 4], [6, 9, 17], [4, 130, 70], [15, 64, 33],
  [16, 10, 300], [37, 41, 29], [64, 64, 64], [100, 120, 256],
];

const worstLinear = new WorstError('Gemm (linear)');
const worstMatMul = new WorstError('MatMul');
after(() => { for (const w of [worstLinear, worstMatMul]) console.log(w.summary()); });

describe('linear matches Gemm(transB=1)', () => {
  SIZES.forEach(([m, n, k], i) => {
    for (const withBias of [true, false]) {
      const what = `x[${m},${k}] w[${n},${k}]${withBias ? ' +bias' : ''}`;
      it(what, async () => {
        const seed = 40 * i + (withBias ? 0 : 20);
        const x = random([m, k], seed), w = random([n, k], seed + 1);
        const b: Values | null = withBias ? random([n], seed + 2) : null;
        const feeds: Record<string, Values> = b ? { x, w, b } : { x, w };
        const ort = await runOrtOp('Gemm', feeds, { transB: 1 });
        const terms = await runOrtOp('Gemm', absFeeds(feeds), { transB: 1 });
        const ours = runOurs([x, w, b], (xt, wt, bt) => linear(xt!, wt!, bt));
        worstLinear.check(what, ours, ort, { scale: peakOf(terms.data) });
      });
    }
  });
});

describe('matmul with transposes matches Transpose + MatMul', () => {
  SIZES.forEach(([m, n, k], i) => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const what = `[${m},${n},${k}] transA ${transA} transB ${transB}`;
      it(what, async () => {
        const seed = 2000 + 40 * i + 10 * (Number(transA) * 2 + Number(transB));
        const a = random(transA ? [k, m] : [m, k], seed), b = random(transB ? [n, k] : [k, n], seed + 1);
        const nodes: OrtNode[] = [];
        let left = 'a', right = 'b';
        if (transA) { nodes.push({ op: 'Transpose', inputs: ['a'], attrs: { perm: [1, 0] } }); left = `$${nodes.length - 1}`; }
        if (transB) { nodes.push({ op: 'Transpose', inputs: ['b'], attrs: { perm: [1, 0] } }); right = `$${nodes.length - 1}`; }
        nodes.push({ op: 'MatMul', inputs: [left, right] });
        const ort = await runOrtNodes(nodes, { a, b });
        const terms = await runOrtNodes(nodes, absFeeds({ a, b }));
        const ours = runOurs([a, b], (at, bt) => matmul(at!, bt!, { transA, transB }));
        worstMatMul.check(what, ours, ort, { scale: peakOf(terms.data) });
      });
    }
  });
});
