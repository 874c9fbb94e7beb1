/**
 * Gradient check (STYLE.md §9): the analytic gradient of L = Σ f(inputs) · r, for a fixed
 * random r, against central differences of L computed in float64 from the float32
 * forward. A sample of entries per input is checked, to keep big convs fast.
 */
import assert from 'node:assert/strict';
import { Tensor, backward, mul, noGrad, scope, sum } from '../../src/tensor/index.js';
import { randomFloats } from './assert.js';

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Entries per input to check (all when smaller). */
  samples?: number;
  seed?: number;
  /** Indices of inputs to check (default all). */
  check?: number[];
}

export function expectGradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: { data: Float32Array; shape: readonly number[] }[],
  { eps = 1e-2, rtol = 2e-2, atol = 2e-3, samples = 24, seed = 7, check }: GradcheckOptions = {},
): void {
  scope(() => {
    const xs = inputs.map((i) => {
      const t = Tensor.from(i.data, i.shape);
      t.requiresGrad = true;
      return t;
    });
    const out = f(...xs);
    const r = Tensor.from(randomFloats(out.size, seed + 1), out.shape);
    const rv = r.toArray();
    const loss = sum(mul(out, r));
    backward(loss);
    const lossAt = (): number =>
      scope(() => noGrad(() => {
        const y = f(...xs).toArray();
        let s = 0;
        for (let i = 0; i < y.length; i++) s += y[i]! * rv[i]!;
        return s;
      }));
    (check ?? xs.map((_, i) => i)).forEach((k) => {
      const x = xs[k]!;
      const g = x.grad?.toArray();
      assert.ok(g, `input ${k}: no gradient was computed`);
      const picks = x.size <= samples ? [...Array(x.size).keys()] : Array.from(randomFloats(samples, seed + 17 * k, 0, x.size), (v) => Math.floor(v));
      for (const idx of picks) {
        const v = x.view();
        const orig = v[idx]!;
        v[idx] = orig + eps;
        const up = lossAt();
        x.view()[idx] = orig - eps;
        const down = lossAt();
        x.view()[idx] = orig;
        const numeric = (up - down) / (2 * eps);
        const analytic: number = g[idx]!;
        if (!(Math.abs(numeric - analytic) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic)))) {
          assert.fail(`input ${k} [${x.shape.join(', ')}] entry ${idx}: analytic ${analytic}, numeric ${numeric}`);
        }
      }
    });
  });
}
