/**
 * Gradient check against tensors that already exist (a model's params, an input), for
 * layers and models whose weights live inside them. Like test/helpers/gradcheck.ts, it
 * compares the gradient of L = Σ f() · r, for a fixed random r, with central differences
 * of L computed in float64; it perturbs the leaves in place and restores them.
 */
import assert from 'node:assert/strict';
import { Tensor, backward, mul, noGrad, scope, sum } from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';

export interface LeafCheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  samples?: number;
  seed?: number;
}

export function expectLeafGradcheck(
  f: () => Tensor,
  leaves: Record<string, Tensor>,
  { eps = 1e-2, rtol = 2e-2, atol = 2e-3, samples = 24, seed = 7 }: LeafCheckOptions = {},
): void {
  const clearGrads = () => Object.values(leaves).forEach((t) => { t.grad?.dispose(); t.grad = null; });
  clearGrads();
  scope(() => {
    const out = f();
    const rv = randomFloats(out.size, seed + 1);
    backward(sum(mul(out, Tensor.from(rv, out.shape))));
    const lossAt = (): number => scope(() => noGrad(() => {
      const y = f().toArray();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * rv[i]!;
      return s;
    }));
    Object.entries(leaves).forEach(([name, x], k) => {
      const g = x.grad?.toArray();
      assert.ok(g, `${name}: no gradient was computed`);
      const picks = x.size <= samples ? [...Array(x.size).keys()] : Array.from(randomFloats(samples, seed + 17 * k, 0, x.size), Math.floor);
      for (const idx of picks) {
        const orig = x.view()[idx]!;
        x.view()[idx] = orig + eps;
        const up = lossAt();
        x.view()[idx] = orig - eps;
        const down = lossAt();
        x.view()[idx] = orig;
        const numeric = (up - down) / (2 * eps);
        const analytic: number = g[idx]!;
        if (!(Math.abs(numeric - analytic) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic)))) {
          assert.fail(`${name} [${x.shape.join(', ')}] entry ${idx}: analytic ${analytic}, numeric ${numeric}`);
        }
      }
    });
  });
  clearGrads();
}
