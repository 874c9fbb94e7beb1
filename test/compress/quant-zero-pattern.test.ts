/**
 * Pruning + quantization keeps exactly the pruning mask's zero pattern: a weight that survived
 * pruning never takes the zero-point code, even when it is small enough to round there, in
 * PTQ, in the QAT fake-quant forward and in the integers QAT finishes with. The oracles are
 * hand rules: a survivor with |x| < s/2 goes to z + sign(x) (z − sign(x) when the range has
 * no room on that side); every other code is what plain rounding gives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchSource, makeDataset } from '../../src/data/index.js';
import { GraphBuilder, Mask, Sgd, fit, type Model } from '../../src/nn/index.js';
import { Tensor, backward, createRng, fakeQuantize, fakeQuantizeLsq, mul, noGrad, scope, sum } from '../../src/tensor/index.js';
import {
  QatSession, dequantize, postTrainingQuantize, quantizeTensor, quantizeWithParams, type Granularity, type QuantizedTensor,
} from '../../src/compress/quantize/index.js';

const SHAPE = [4, 16];

/**
 * Row c: a large positive and a large negative value (they set the scale; both signs keep the
 * zero point inside the code range), then every third weight pruned (exact 0), the other
 * survivors alternating tiny (|x| ≤ 4e-4 · (c + 1), under half a step at ≤ 8 bits for every
 * range here) and mid-sized, with alternating signs.
 */
function maskedTensor(): { x: Float32Array; mask: Uint8Array } {
  const x = new Float32Array(64), mask = new Uint8Array(64);
  for (let c = 0; c < 4; c++) {
    const a = c + 1;
    for (let j = 0; j < 16; j++) {
      const i = c * 16 + j, sign = j % 2 === 0 ? 1 : -1;
      mask[i] = j < 2 || j % 3 !== 0 ? 1 : 0;
      if (j === 0) x[i] = a;
      else if (j === 1) x[i] = -0.8 * a;
      else if (mask[i]) x[i] = sign * a * (j % 4 < 2 ? 1e-4 * (1 + (j % 4)) : 0.3);
    }
  }
  return { x, mask };
}

function zeroPointOf(q: QuantizedTensor, i: number): number {
  return q.zeroPoints[Math.floor(i / (q.values.length / q.zeroPoints.length))]!;
}

/** Indices whose code is the zero point, and those whose dequantized value is 0. */
function zeroSets(q: QuantizedTensor): { codes: number[]; floats: number[] } {
  const deq = dequantize(q);
  const codes: number[] = [], floats: number[] = [];
  for (let i = 0; i < q.values.length; i++) {
    if (q.values[i] === zeroPointOf(q, i)) codes.push(i);
    if (deq[i] === 0) floats.push(i);
  }
  return { codes, floats };
}

const maskedSet = (mask: ArrayLike<number>): number[] => Array.from(mask, (m, i) => (m ? -1 : i)).filter((i) => i >= 0);

const CASES = [2, 4, 8].flatMap((bits) => (['tensor', 'channel'] as Granularity[]).flatMap((granularity) => [true, false].map((symmetric) => ({ bits, granularity, symmetric }))));

describe('zero pattern = pruning mask: integer weights', () => {
  it('at 2, 4 and 8 bits, per tensor and per channel: survivors leave the zero point, nothing else changes', () => {
    const { x, mask } = maskedTensor();
    const pruned = maskedSet(mask);
    for (const k of CASES) {
      const what = `${k.bits}-bit ${k.granularity} ${k.symmetric ? 'symmetric' : 'asymmetric'}`;
      const plain = quantizeTensor(x, SHAPE, k);
      const masked = quantizeTensor(x, SHAPE, { ...k, survivors: mask });
      assert.deepEqual([Array.from(masked.scales), Array.from(masked.zeroPoints)], [Array.from(plain.scales), Array.from(plain.zeroPoints)], `${what}: same scales`);
      // The premise: plain rounding sends some survivors to the zero point.
      const lost = Array.from(plain.values).filter((v, i) => mask[i] && v === zeroPointOf(plain, i)).length;
      assert.ok(lost >= 8, `${what}: ${lost} survivors round to zero without the mask`);
      assert.deepEqual(zeroSets(masked), { codes: pruned, floats: pruned }, `${what}: zeros are exactly the pruned weights`);
      for (let i = 0; i < x.length; i++) {
        const z = zeroPointOf(plain, i);
        const expected = mask[i] && plain.values[i] === z ? z + Math.sign(x[i]!) : plain.values[i];
        assert.equal(masked.values[i], expected, `${what} [${i}] = ${x[i]}`);
      }
    }
  });

  it('PTQ of a masked model keeps the mask as its zero pattern, in the codes and in the floats', () => {
    const { x, mask } = maskedTensor();
    for (const k of CASES) {
      const g = new GraphBuilder(1, [1, 4, 4]);
      g.linear(g.flatten(g.input), 4);
      const model = g.build('tiny');
      const [name, w] = model.namedParams().find(([, p]) => p.role === 'weight')!;
      w.assign(x);
      w.setMask(new Mask(w.size, mask));
      const q = postTrainingQuantize(model, { weights: k });
      assert.deepEqual(zeroSets(q.weights.get(name)!).codes, maskedSet(mask));
      const v = new Map(q.model.namedParams()).get(name)!.value.view();
      assert.deepEqual(maskedSet(Array.from(v, (f) => (f === 0 ? 0 : 1))), maskedSet(mask), `${k.bits}-bit ${k.granularity}: float zeros`);
      model.dispose();
      q.model.dispose();
    }
  });

  it('edges: no room on the sign side takes the other neighbour; an exact-0 survivor stays 0; a wrong-sized mask is refused', () => {
    const u4 = { bits: 4, symmetric: false, signed: false };
    // Zero point at qmin = 0: −0.3 and −5 (clipped) have no code below it, so they go to 1.
    assert.deepEqual(Array.from(quantizeWithParams([-0.3, 0.2, -5, 0, 0.1], [5], u4, null, [0.5], [0], [1, 1, 1, 1, 0]).values), [1, 1, 1, 0, 0]);
    // Zero point at qmax = 7 of signed 4-bit [−8, 7]: both small values go to 6.
    assert.deepEqual(Array.from(quantizeWithParams([0.2, -0.2], [2], { ...u4, signed: true }, null, [0.5], [7], [1, 1]).values), [6, 6]);
    assert.throws(() => quantizeTensor([1, 2, 3], [3], { bits: 4, survivors: [1, 1], name: 'fc1.weight' }), /fc1\.weight: a mask of 2 entries for 3 values/);
  });
});

describe('zero pattern = pruning mask: fake quantization', () => {
  const { x, mask } = maskedTensor();
  const scales = [0.3, 0.1, 0.5, 0.2], zps = [0, 1, -2, 0], qmin = -8, qmax = 7; // signed asymmetric 4-bit codes
  const spec = { bits: 4, symmetric: false, signed: true };

  it('forward equals dequantized survivor codes; the clipped STE passes dy to nudged survivors', () => {
    scope(() => {
      const xt = Tensor.from(x, SHAPE);
      xt.requiresGrad = true;
      const y = fakeQuantize(xt, { scales, zeroPoints: zps, qmin, qmax, axis: 0, survivors: mask });
      const q = quantizeWithParams(x, SHAPE, spec, 0, scales, zps, mask);
      assert.deepEqual(Array.from(y.toArray()), Array.from(dequantize(q)));
      assert.deepEqual(maskedSet(Array.from(y.toArray(), (v) => (v === 0 ? 0 : 1))), maskedSet(mask));
      const r = Tensor.from(Array.from({ length: 64 }, (_, i) => 1 + i / 64), SHAPE);
      backward(sum(mul(y, r)));
      const dx = xt.grad!.toArray(), rv = r.toArray();
      let nudged = 0;
      for (let i = 0; i < 64; i++) {
        const c = Math.floor(i / 16), u = Math.fround(x[i]! / Math.fround(scales[c]!)) + zps[c]!;
        assert.equal(dx[i], u >= qmin && u <= qmax ? rv[i] : 0, `dx[${i}]`);
        if (mask[i] && Math.abs(u - zps[c]!) < 0.5) nudged++;
      }
      assert.ok(nudged >= 8, `${nudged} nudged survivors checked`);
    });
  });

  it('LSQ: forward as above; the step gradient uses the emitted code, ±1 − x/s for a nudged survivor', () => {
    scope(() => {
      const st = Tensor.from(scales, [4]);
      st.requiresGrad = true;
      const y = fakeQuantizeLsq(Tensor.from(x, SHAPE), st, { zeroPoints: zps, qmin, qmax, axis: 0, gradScale: 0.5, survivors: mask });
      const q = quantizeWithParams(x, SHAPE, spec, 0, scales, zps, mask);
      assert.deepEqual(Array.from(y.toArray()), Array.from(dequantize(q)));
      backward(sum(y));
      const expected = new Float64Array(4);
      for (let i = 0; i < 64; i++) {
        const c = Math.floor(i / 16), v = Math.fround(x[i]! / Math.fround(scales[c]!)), inside = v + zps[c]! >= qmin && v + zps[c]! <= qmax;
        expected[c]! += 0.5 * (q.values[i]! - zps[c]! - (inside ? v : 0));
      }
      const ds = st.grad!.toArray();
      for (let c = 0; c < 4; c++) assert.ok(Math.abs(ds[c]! - expected[c]!) <= 1e-5 * (1 + Math.abs(expected[c]!)), `ds[${c}] ${ds[c]} vs ${expected[c]}`);
    });
  });

  it('refuses a survivors mask of the wrong size', () => {
    scope(() => assert.throws(() => fakeQuantize(Tensor.from(x, SHAPE), { scales, zeroPoints: zps, qmin, qmax, axis: 0, survivors: mask.subarray(1), name: 'conv0.weight' }),
      /conv0\.weight.*survivors mask has 63 entries for 64 elements/));
  });
});

/** conv(1→4) → BN → ReLU → linear(→3) on 6×6 inputs; per weight, every third pruned and every fourth survivor set tiny. */
function prunedNet(): { model: Model; masks: Map<string, Uint8Array>; tiny: Map<string, number[]> } {
  const g = new GraphBuilder(5, [1, 6, 6]);
  g.linear(g.flatten(g.act(g.bn(g.conv(g.input, 4, 3)))), 3);
  const model = g.build('pq');
  const masks = new Map<string, Uint8Array>(), tiny = new Map<string, number[]>();
  for (const [name, p] of model.namedParams()) {
    if (p.role !== 'weight') continue;
    const v = p.value.toArray(), inner = v.length / p.shape[0]!;
    const bits = Uint8Array.from(v, (_, i) => (i % 3 === 0 ? 0 : 1));
    const small: number[] = [];
    for (let i = 0; i < v.length; i++) {
      if (bits[i] && i % 4 === 1) {
        const c = Math.floor(i / inner);
        let max = 0;
        for (let j = c * inner; j < (c + 1) * inner; j++) max = Math.max(max, Math.abs(v[j]!));
        v[i] = (i % 8 === 1 ? 1e-4 : -1e-4) * max;
        small.push(i);
      }
    }
    p.assign(v);
    p.setMask(new Mask(p.size, bits));
    masks.set(name, bits);
    tiny.set(name, small);
  }
  return { model, masks, tiny };
}

function floatZeros(v: ArrayLike<number>): number[] {
  return maskedSet(Array.from(v, (f) => (f === 0 ? 0 : 1)));
}

describe('zero pattern = pruning mask: QAT', () => {
  const rng = createRng(11);
  const data = makeDataset({ name: 'noise', images: Float32Array.from({ length: 96 * 36 }, () => rng.normal(0, 1)), labels: Int32Array.from({ length: 96 }, () => rng.int(3)), count: 96, shape: [1, 6, 6], classes: 3 });

  for (const opts of [{ bits: 4, granularity: 'channel' as const }, { bits: 2, granularity: 'tensor' as const }, { bits: 8, granularity: 'channel' as const, lsq: true }]) {
    it(`${opts.bits}-bit ${opts.granularity}${opts.lsq ? ' LSQ' : ' STE'}: the forward weights and the finished integers are zero exactly where masked`, async () => {
      const { model, masks, tiny } = prunedNet();
      const qat = new QatSession(model, opts);
      const params = new Map(model.namedParams());
      // The premise: the tiny survivors lie under half a step, so plain rounding would zero them.
      for (const [name, w] of qat.weights) {
        const { scales } = w.currentParams(), folded = w.foldedValues(), inner = folded.length / scales.length;
        for (const i of tiny.get(name)!) assert.ok(Math.abs(folded[i]!) < scales[Math.floor(i / inner)]! / 2, `${name}[${i}] rounds to 0 unmasked`);
      }
      const forwardZeros = () => [...masks.keys()].map((name) => scope(() => noGrad(() => floatZeros(params.get(name)!.forwardValue().toArray()))));
      assert.deepEqual(forwardZeros(), [...masks.values()].map(maskedSet), 'before training');
      const opt = new Sgd([...model.params(), ...qat.trainableParams()], { momentum: 0.9 });
      await fit(model, batchSource(data), opt, { epochs: 1, batchSize: 16, lr: 0.05, seed: 2, afterStep: () => qat.afterStep() });
      opt.dispose();
      assert.deepEqual(forwardZeros(), [...masks.values()].map(maskedSet), 'after training');
      const q = qat.finish();
      const finished = new Map(q.model.namedParams());
      for (const [name, bits] of masks) {
        assert.deepEqual(Array.from(finished.get(name)!.mask!.view()), Array.from(bits), `${name}: mask kept`);
        assert.deepEqual(zeroSets(q.weights.get(name)!), { codes: maskedSet(bits), floats: maskedSet(bits) }, `${name}: integer zeros`);
        assert.deepEqual(floatZeros(finished.get(name)!.value.view()), maskedSet(bits), `${name}: model zeros`);
      }
      model.dispose();
      q.model.dispose();
    });
  }
});
