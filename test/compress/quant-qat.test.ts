/**
 * QAT end to end on a tiny conv → BN → ReLU net trained in-test on a synthetic 4-class task:
 * pruning masks and their exact zeros survive, LSQ step sizes learn, freezing freezes, and
 * the finished (BN-folded, integer-weight) model computes what the QAT model computed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchSource, makeDataset, type Dataset } from '../../src/data/index.js';
import { BatchNorm2d, GraphBuilder, Mask, Sgd, evaluate, fit, type Model } from '../../src/nn/index.js';
import { Tensor, createRng, noGrad, scope } from '../../src/tensor/index.js';
import { QatSession, QuantizationError } from '../../src/compress/quantize/index.js';

/** 8×8 images whose class is the quadrant holding a bright 3×3 blob, on noise. */
function quadrants(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * 64), labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = rng.int(4);
    labels[i] = k;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = rng.normal(0, 0.3);
    const r0 = (k >> 1) * 4 + rng.int(2), c0 = (k & 1) * 4 + rng.int(2);
    for (let r = r0; r < r0 + 3; r++) for (let c = c0; c < c0 + 3; c++) images[i * 64 + r * 8 + c]! += 2;
  }
  return makeDataset({ name: 'quadrants', images, labels, count, shape: [1, 8, 8], classes: 4 });
}

const train = batchSource(quadrants(1024, 1)), test = batchSource(quadrants(256, 2));

async function trainedNet(): Promise<Model> {
  const g = new GraphBuilder(4, [1, 8, 8]);
  const x = g.pool(g.act(g.bn(g.conv(g.input, 8, 3, { padding: 1 }))), 'MaxPool2d', 2);
  g.linear(g.act(g.linear(g.flatten(x), 16)), 4);
  const model = g.build('quad');
  const opt = new Sgd(model.params(), { momentum: 0.9 });
  await fit(model, train, opt, { epochs: 2, batchSize: 32, lr: 0.05, seed: 1 });
  opt.dispose();
  return model;
}

/** Masks the smaller half of each weight by magnitude. */
function pruneHalf(model: Model): Map<string, Uint8Array> {
  const masks = new Map<string, Uint8Array>();
  for (const [name, p] of model.namedParams()) {
    if (p.role !== 'weight') continue;
    const v = p.value.view();
    const median = Float32Array.from(v, Math.abs).sort()[Math.floor(v.length / 2)]!;
    const bits = Uint8Array.from(v, (w) => (Math.abs(w) < median ? 0 : 1));
    p.setMask(new Mask(p.size, bits));
    masks.set(name, bits);
  }
  return masks;
}

function logits(model: Model): Float32Array {
  const b = [...test.batches(256)][0]!;
  return scope(() => noGrad(() => model.forward(Tensor.from(b.images, b.shape)).toArray()));
}

describe('QAT', () => {
  it('4-bit LSQ + uint8 activations on a pruned conv-BN net: masks kept, BN folded, same function after finish', async () => {
    const model = await trainedNet();
    assert.ok(evaluate(model, test).accuracy > 0.95, 'the fp32 net learns the task');
    const masks = pruneHalf(model);
    const qat = new QatSession(model, { bits: 4, lsq: true, activations: { dtype: 'uint8', momentum: 0.1 }, freezeEpoch: 1 });
    const steps = qat.trainableParams();
    assert.equal(steps.length, 3, 'one step-size param per conv/linear weight');
    const initial = steps.map((s) => s.value.toArray());
    const opt = new Sgd([...model.params(), ...steps], { momentum: 0.9 });
    await fit(model, train, opt, { epochs: 2, batchSize: 32, lr: 0.02, seed: 3, afterStep: () => qat.afterStep(), callbacks: { onEpochEnd: (r) => qat.onEpochEnd(r.epoch) } });
    opt.dispose();
    assert.ok(qat.isFrozen && qat.activations!.mode === 'fixed');
    assert.ok(model.nodes.some((n) => n.layer instanceof BatchNorm2d && n.layer.frozen), 'BN statistics are frozen');
    assert.ok(steps.some((s, i) => s.value.toArray().some((v, j) => v !== initial[i]![j])), 'LSQ step sizes moved');
    const qatLogits = logits(model);
    const { model: quantized, weights, activations, foldedBn } = qat.finish();
    assert.deepEqual(foldedBn, [{ conv: 'conv0', bn: 'bn1' }]);
    assert.ok(!quantized.nodes.some((n) => n.layer instanceof BatchNorm2d));
    assert.ok(activations!.has('relu2') && activations!.get('relu2')!.zeroPoint === 0, 'the fused conv-BN-ReLU point is non-negative');
    // The pruned weights are exactly 0 in the floats, at the zero point in the codes, and still masked.
    const params = new Map(quantized.namedParams());
    for (const [name, bits] of masks) {
      const p = params.get(name)!, q = weights.get(name)!;
      assert.deepEqual(Array.from(p.mask!.view()), Array.from(bits), `${name}: mask unchanged`);
      const v = p.value.view(), inner = v.length / q.scales.length;
      for (let i = 0; i < v.length; i++) {
        if (bits[i] === 0) assert.ok(v[i] === 0 && q.values[i] === q.zeroPoints[Math.floor(i / inner)], `${name}[${i}] was pruned but is ${v[i]}`);
      }
    }
    // The finished model computes what the QAT model computed once BN froze (up to float rounding
    // moving a rare value across a quantization step).
    const finalLogits = logits(quantized);
    let agree = 0, diff = 0, mag = 0;
    for (let i = 0; i < 256; i++) {
      const row = (l: Float32Array) => Array.from(l.subarray(i * 4, i * 4 + 4));
      const a = row(qatLogits), b = row(finalLogits);
      if (a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b))) agree++;
      for (let k = 0; k < 4; k++) { diff += Math.abs(a[k]! - b[k]!); mag += Math.abs(a[k]!); }
    }
    assert.ok(agree >= 254, `argmax agreement ${agree}/256`);
    assert.ok(diff / mag < 1e-3, `mean relative logit difference ${diff / mag}`);
    assert.ok(evaluate(quantized, test).accuracy > 0.9, 'the quantized net still solves the task');
    model.dispose();
    quantized.dispose();
  });

  it('STE mode without activations: finish() integer weights dequantize to the model\'s params; dispose restores float', async () => {
    const model = await trainedNet();
    const qat = new QatSession(model, { bits: 3, granularity: 'tensor', symmetric: false });
    assert.equal(qat.trainableParams().length, 0);
    const { model: quantized, weights } = qat.finish();
    for (const [name, p] of quantized.namedParams()) {
      const q = weights.get(name);
      if (!q) continue;
      assert.equal(q.scales.length, 1);
      assert.ok(q.values.every((c) => c >= 0 && c <= 7), `${name}: 3-bit unsigned codes`);
      const levels = new Set(Array.from(p.value.view()));
      assert.ok(levels.size <= 8, `${name}: ${levels.size} distinct values for 3 bits`);
    }
    assert.ok(model.params().every((p) => p.transform === null), 'finish removes the transforms from the trained model');
    assert.throws(() => qat.finish(), /already called/);
    model.dispose();
    quantized.dispose();
  });

  it('rejects bits outside [2, 16] and a bad freeze epoch', async () => {
    const g = new GraphBuilder(1, [1, 4, 4]);
    g.linear(g.flatten(g.input), 2);
    const model = g.build('tiny');
    assert.throws(() => new QatSession(model, { bits: 1 }), (e: Error) => e instanceof QuantizationError && /QAT of tiny: bits must be an integer in \[2, 16\], got 1/.test(e.message));
    assert.throws(() => new QatSession(model, { bits: 4, freezeEpoch: -1 }), /freezeEpoch must be an integer >= 0/);
    model.dispose();
  });
});
