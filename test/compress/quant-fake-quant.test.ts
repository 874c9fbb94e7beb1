/**
 * The fake-quantization op (src/tensor/ops/fake-quant.ts). Its gradients are definitions
 * (STYLE.md §9), so they are checked against those definitions written out in float64 here,
 * and against finite differences only where the map is smooth (the clipped region for LSQ).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, backward, fakeQuantize, fakeQuantizeLsq, mul, scope, sum } from '../../src/tensor/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';

/** Our own tie rule for the reference: x.5 goes to the even neighbour. */
function refRound(v: number): number {
  const f = Math.floor(v);
  if (v - f !== 0.5) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}

interface Ref { y: Float64Array; inside: Uint8Array; dsTerm: Float64Array }

/** Reference forward, clip mask and LSQ step-size term per element; element i uses slice floor(i / inner) % C. */
function reference(x: Float32Array, scales: number[], zps: number[], qmin: number, qmax: number, inner: number): Ref {
  const y = new Float64Array(x.length), inside = new Uint8Array(x.length), dsTerm = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner) % scales.length;
    const s = Math.fround(scales[c]!), z = zps[c]!;
    const v = Math.fround(x[i]! / s);
    const q = Math.min(qmax, Math.max(qmin, refRound(v) + z));
    y[i] = Math.fround((q - z) * s);
    inside[i] = v + z >= qmin && v + z <= qmax ? 1 : 0;
    dsTerm[i] = inside[i] ? refRound(v) - v : q - z;
  }
  return { y, inside, dsTerm };
}

describe('fakeQuantize (clipped STE)', () => {
  it('forward matches the float64 definition, per tensor and along axes 0 and 1', () => {
    const shape = [3, 4, 5];
    const x = randomFloats(60, 3, -2.5, 2.5);
    const cases = [
      { axis: null, scales: [0.3], zps: [2], inner: 60, qmin: -8, qmax: 7 },
      { axis: 0, scales: [0.1, 0.25, 0.5], zps: [0, -3, 4], inner: 20, qmin: -8, qmax: 7 },
      { axis: 1, scales: [0.2, 0.05, 1, 0.4], zps: [0, 1, 0, 255], inner: 5, qmin: 0, qmax: 255 },
    ];
    for (const k of cases) {
      scope(() => {
        const y = fakeQuantize(Tensor.from(x, shape), { scales: k.scales, zeroPoints: k.zps, qmin: k.qmin, qmax: k.qmax, axis: k.axis });
        expectAllClose(y.toArray(), reference(x, k.scales, k.zps, k.qmin, k.qmax, k.inner).y, { rtol: 0, atol: 0, what: `axis ${k.axis}` });
      });
    }
  });

  it('gradient is dy inside the clipping range and 0 outside', () => {
    const x = randomFloats(200, 8, -3, 3);
    const scales = [0.25, 0.1], zps = [-2, 5], qmin = -8, qmax = 7;
    scope(() => {
      const xt = Tensor.from(x, [2, 100]);
      xt.requiresGrad = true;
      const r = randomFloats(200, 9);
      backward(sum(mul(fakeQuantize(xt, { scales, zeroPoints: zps, qmin, qmax, axis: 0 }), Tensor.from(r, [2, 100]))));
      const { inside } = reference(x, scales, zps, qmin, qmax, 100);
      const g = xt.grad!.toArray();
      let clipped = 0;
      for (let i = 0; i < 200; i++) {
        assert.equal(g[i], inside[i] ? r[i] : 0, `element ${i} (x ${x[i]})`);
        clipped += 1 - inside[i]!;
      }
      assert.ok(clipped > 20 && clipped < 180, `the case should clip some values on both sides, clipped ${clipped}`);
    });
  });

  it('zero maps to exactly zero for any zero point', () => {
    scope(() => {
      const y = fakeQuantize(Tensor.from([0, -0, 0], [3]), { scales: [0.37], zeroPoints: [113], qmin: 0, qmax: 255 }).toArray();
      assert.deepEqual(Array.from(y, (v) => v === 0), [true, true, true]);
    });
  });

  it('bad parameters are errors naming the tensor', () => {
    scope(() => {
      const x = Tensor.from([1, 2, 3, 4], [2, 2]);
      assert.throws(() => fakeQuantize(x, { scales: [0], zeroPoints: [0], qmin: -7, qmax: 7, name: 'fc1.weight' }), /fc1\.weight.*scale 0 is 0/);
      assert.throws(() => fakeQuantize(x, { scales: [1], zeroPoints: [9], qmin: -7, qmax: 7, name: 'w' }), /zero point 0 is 9/);
      assert.throws(() => fakeQuantize(x, { scales: [1, 1, 1], zeroPoints: [0, 0, 0], qmin: -7, qmax: 7, axis: 0, name: 'w' }), /3 scales for 2 slices/);
    });
  });
});

describe('fakeQuantizeLsq (learned step size)', () => {
  it('dx and ds follow the LSQ definition, with the gradient scale', () => {
    const x = randomFloats(48, 21, -1.5, 1.5);
    const scales = [0.1, 0.3, 0.07], zps = [0, 0, 0], qmin = -7, qmax = 7, gradScale = 1 / Math.sqrt(16 * 7);
    scope(() => {
      const xt = Tensor.from(x, [3, 16]);
      xt.requiresGrad = true;
      const st = Tensor.from(scales, [3]);
      st.requiresGrad = true;
      const r = randomFloats(48, 22);
      backward(sum(mul(fakeQuantizeLsq(xt, st, { zeroPoints: zps, qmin, qmax, axis: 0, gradScale }), Tensor.from(r, [3, 16]))));
      const ref = reference(x, scales, zps, qmin, qmax, 16);
      const dx = xt.grad!.toArray(), ds = st.grad!.toArray();
      for (let i = 0; i < 48; i++) assert.equal(dx[i], ref.inside[i] ? r[i] : 0);
      const want = [0, 1, 2].map((c) => {
        let acc = 0;
        for (let i = c * 16; i < (c + 1) * 16; i++) acc += r[i]! * ref.dsTerm[i]!;
        return acc * gradScale;
      });
      expectAllClose(ds, want, { rtol: 1e-5, atol: 1e-7, what: 'ds' });
      assert.ok(ref.inside.some((v) => v === 0) && ref.inside.some((v) => v === 1), 'mix of clipped and inside values');
    });
  });

  it('where every value is clipped, ds agrees with central differences (the map is smooth there)', () => {
    const x = Float32Array.of(5, -6, 7.5, -9, 8); // far outside ±qmax·s for s near 0.5
    const qmin = -3, qmax = 3;
    const loss = (s: number) => scope(() => sum(fakeQuantizeLsq(Tensor.from(x, [5]), Tensor.from([s], [1]), { zeroPoints: [0], qmin, qmax, gradScale: 1 })).item());
    scope(() => {
      const st = Tensor.from([0.5], [1]);
      st.requiresGrad = true;
      backward(sum(fakeQuantizeLsq(Tensor.from(x, [5]), st, { zeroPoints: [0], qmin, qmax, gradScale: 1 })));
      const eps = 1e-3;
      const numeric = (loss(0.5 + eps) - loss(0.5 - eps)) / (2 * eps);
      assert.ok(Math.abs(st.grad!.item() - numeric) < 1e-3, `analytic ${st.grad!.item()}, numeric ${numeric}`);
      // Hand-computed: the sum is (3·qmax + 2·qmin)·s = 3s, so d/ds = 3.
      assert.ok(Math.abs(st.grad!.item() - 3) < 1e-6, `ds ${st.grad!.item()}`);
    });
  });
});
