/**
 * BatchNormalization (inference) forward parity with onnxruntime-node: our
 * batchNorm(..., { training: false }) on NCHW and [n, c] inputs, over epsilons and running
 * variances from tiny (where eps matters) to large.
 */
import { after, describe, it } from 'node:test';
import { batchNorm } from '../../src/tensor/index.js';
import { random, runOrtOp, runOurs, WorstError } from './parity.js';

interface BnCase {
  dims: number[];
  eps: number;
  /** Running variances are drawn from [varLo, varHi). */
  varLo: number;
  varHi: number;
}

const CASES: BnCase[] = [
  { dims: [1, 3, 5, 5], eps: 1e-5, varLo: 0.1, varHi: 2 },
  { dims: [3, 8, 7, 9], eps: 1e-5, varLo: 0.5, varHi: 4 },
  { dims: [2, 16, 1, 1], eps: 1e-3, varLo: 0.01, varHi: 1 },
  { dims: [3, 5, 13, 11], eps: 0.1, varLo: 1e-4, varHi: 1e-2 },
  { dims: [2, 7, 6, 6], eps: 1e-5, varLo: 1e-6, varHi: 1e-5 },
  { dims: [2, 32, 8, 8], eps: 1e-5, varLo: 10, varHi: 100 },
  // [n, c] input, as after a Linear layer.
  { dims: [5, 7], eps: 1e-5, varLo: 0.1, varHi: 2 },
  { dims: [1, 33], eps: 1e-3, varLo: 0.1, varHi: 2 },
];

const worst = new WorstError('BatchNormalization');
after(() => console.log(worst.summary()));

describe('BatchNormalization (eval) matches onnxruntime', () => {
  CASES.forEach((c, i) => {
    const what = `x[${c.dims}] eps ${c.eps} var in [${c.varLo}, ${c.varHi})`;
    it(what, async () => {
      const ch = c.dims[1]!, seed = 100 * i;
      const x = random(c.dims, seed, -3, 3);
      const scale = random([ch], seed + 1, 0.2, 2);
      const bias = random([ch], seed + 2);
      const mean = random([ch], seed + 3, -1, 1);
      const variance = random([ch], seed + 4, c.varLo, c.varHi);
      const ort = await runOrtOp('BatchNormalization', { x, scale, bias, mean, variance }, { epsilon: c.eps });
      const ours = runOurs([x, scale, bias, mean, variance], (xt, g, b, m, v) =>
        batchNorm(xt!, g!, b!, m!, v!, { training: false, eps: c.eps }));
      worst.check(what, ours, ort);
    });
  });
});
