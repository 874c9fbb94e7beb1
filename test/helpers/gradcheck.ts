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

/** A tensor to check: its name in messages, and `k`, which seeds the entries picked. */
interface Leaf {
  name: string;
  tensor: Tensor;
  k: number;
}

/**
 * The check itself, over tensors that already exist: backward once, then perturb sampled
 * entries of each leaf in place (restoring them) and compare with central differences.
 */
function checkLeaves(f: () => Tensor, leaves: readonly Leaf[], opts: Omit<GradcheckOptions, 'check'>): void {
  const { eps = 1e-2, rtol = 2e-2, atol = 2e-3, samples = 24, seed = 7 } = opts;
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
    for (const { name, tensor: x, k } of leaves) {
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
    }
  });
}

/** Checks f's gradient with respect to fresh tensors made from `inputs`. */
export function expectGradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: { data: Float32Array; shape: readonly number[] }[],
  { check, ...opts }: GradcheckOptions = {},
): void {
  scope(() => {
    const xs = inputs.map((i) => {
      const t = Tensor.from(i.data, i.shape);
      t.requiresGrad = true;
      return t;
    });
    const leaves = (check ?? xs.map((_, i) => i)).map((k) => ({ name: `input ${k}`, tensor: xs[k]!, k }));
    checkLeaves(() => f(...xs), leaves, opts);
  });
}

/**
 * Checks f's gradient with respect to tensors that already exist (a model's params, an
 * input), for layers and models whose weights live inside them; their gradients are
 * cleared before and after.
 */
export function expectLeafGradcheck(f: () => Tensor, leaves: Record<string, Tensor>, opts: Omit<GradcheckOptions, 'check'> = {}): void {
  const clearGrads = () => Object.values(leaves).forEach((t) => { t.grad?.dispose(); t.grad = null; });
  clearGrads();
  checkLeaves(f, Object.entries(leaves).map(([name, tensor], k) => ({ name, tensor, k })), opts);
  clearGrads();
}
