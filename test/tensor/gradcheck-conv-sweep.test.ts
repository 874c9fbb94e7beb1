/**
 * conv2d gradients against central differences over a seeded sweep of random geometries:
 * stride 1-3 (also unequal per axis), padding as a number, a pair, 'same' and 'valid',
 * dilation 1-2, dense, grouped, depthwise and depthwise with channel multiplier 2,
 * rectangular kernels, with and without bias. Each case checks x, w and b.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conv2d, createRng, windowGeometry, type Padding, type Rng } from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';
import { expectGradcheck } from '../helpers/gradcheck.js';

interface ConvCase {
  n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number;
  stride: [number, number]; padding: Padding; dilation: [number, number]; groups: number; bias: boolean; kind: string;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;

/** Draws a geometry; retries until the dilated window fits the padded input. */
function drawCase(rng: Rng, kind: 'dense' | 'grouped' | 'depthwise' | 'depthwise x2'): ConvCase {
  for (;;) {
    const groups = kind === 'dense' ? 1 : kind === 'grouped' ? pick(rng, [2, 3]) : pick(rng, [2, 3, 4]);
    const perGroup = kind.startsWith('depthwise') ? 1 : 1 + rng.int(3);
    const c = groups * perGroup;
    const oc = kind === 'depthwise' ? c : kind === 'depthwise x2' ? 2 * c : groups * (1 + rng.int(3));
    const kh = 1 + rng.int(3), kw = rng.next() < 0.7 ? kh : 1 + rng.int(3);
    const stride: [number, number] = rng.next() < 0.75 ? [1 + rng.int(3), 0] : [1 + rng.int(3), 1 + rng.int(3)];
    if (stride[1] === 0) stride[1] = stride[0];
    const d = 1 + rng.int(2);
    const dilation: [number, number] = [d, rng.next() < 0.8 ? d : 3 - d];
    const padding: Padding = pick(rng, ['same', 'valid', 0, 1, 2, [1, 0]] as const);
    const h = 4 + rng.int(6), w = 4 + rng.int(6);
    const testCase = { n: 1 + rng.int(2), c, h, w, oc, kh, kw, stride, padding, dilation, groups, bias: rng.next() < 0.6, kind };
    try {
      windowGeometry('sweep', h, w, kh, kw, stride, dilation, padding);
      return testCase;
    } catch {
      // The window does not fit this input; draw again.
    }
  }
}

const describeCase = (k: ConvCase) =>
  `${k.kind} x[${k.n},${k.c},${k.h},${k.w}] w[${k.oc},${k.c / k.groups},${k.kh},${k.kw}] stride ${k.stride} pad ${JSON.stringify(k.padding)} dil ${k.dilation} groups ${k.groups}${k.bias ? ' +bias' : ''}`;

describe('conv2d gradient sweep', () => {
  const rng = createRng(2024);
  const kinds = ['dense', 'grouped', 'depthwise', 'depthwise x2'] as const;
  const cases = Array.from({ length: 24 }, (_, i) => drawCase(rng, kinds[i % kinds.length]!));

  it('the sweep covers every stride, padding kind, dilation, group kind and bias choice', () => {
    const seen = (f: (k: ConvCase) => unknown) => new Set(cases.map((k) => JSON.stringify(f(k))));
    for (const s of [1, 2, 3]) assert.ok(seen((k) => k.stride[0]).has(String(s)), `stride ${s} missing`);
    for (const p of ['same', 'valid', 0, 1, 2]) assert.ok(seen((k) => k.padding).has(JSON.stringify(p)), `padding ${p} missing`);
    assert.ok(seen((k) => k.dilation[0]).has('2') && seen((k) => k.dilation[0]).has('1'));
    assert.ok(seen((k) => k.bias).size === 2);
    assert.ok(cases.some((k) => k.kh !== k.kw) && cases.some((k) => k.stride[0] !== k.stride[1]));
  });

  cases.forEach((k, i) => {
    it(describeCase(k), () => {
      const x = { data: randomFloats(k.n * k.c * k.h * k.w, 1000 + i), shape: [k.n, k.c, k.h, k.w] };
      const w = { data: randomFloats(k.oc * (k.c / k.groups) * k.kh * k.kw, 2000 + i), shape: [k.oc, k.c / k.groups, k.kh, k.kw] };
      const b = { data: randomFloats(k.oc, 3000 + i), shape: [k.oc] };
      const opts = { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups };
      if (k.bias) expectGradcheck((xt, wt, bt) => conv2d(xt, wt, bt, opts), [x, w, b], { seed: i });
      else expectGradcheck((xt, wt) => conv2d(xt, wt, null, opts), [x, w], { seed: i });
    });
  });

  it('a batch large enough to split images over threads', () => {
    // 8 images: the filter gradient sums per-thread partials, which a one-image case never exercises.
    const x = { data: randomFloats(8 * 4 * 6 * 6, 4000), shape: [8, 4, 6, 6] };
    const w = { data: randomFloats(6 * 2 * 3 * 3, 4001), shape: [6, 2, 3, 3] };
    const b = { data: randomFloats(6, 4002), shape: [6] };
    expectGradcheck((xt, wt, bt) => conv2d(xt, wt, bt, { groups: 2, padding: 1, stride: 2 }), [x, w, b], { samples: 40 });
    const xd = { data: randomFloats(8 * 3 * 7 * 7, 4003), shape: [8, 3, 7, 7] };
    const wd = { data: randomFloats(6 * 3 * 3, 4004), shape: [6, 1, 3, 3] };
    expectGradcheck((xt, wt, bt) => conv2d(xt, wt, bt, { groups: 3, padding: 'same' }), [xd, wd, b], { samples: 40 });
  });
});
