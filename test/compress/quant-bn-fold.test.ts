/**
 * BatchNorm folding: the folded model computes what conv-then-BN computed (BN's own op is the
 * oracle), BN nodes are gone, readers are rewired, and masks and their zeros survive.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNorm2d, Conv2d, GraphBuilder, Mask, type Model } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { foldBatchNorm, findConvBnPairs } from '../../src/compress/quantize/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';

/** conv0-bn1-relu2 | conv3(no bias)-bn4 + relu2 → add5 → relu6 | conv7 read by bn8 and add9 (not foldable) | gap, fc. */
function buildModel(): Model {
  const g = new GraphBuilder(3, [2, 6, 6]);
  const a = g.act(g.bn(g.conv(g.input, 4, 3, { padding: 1 })));
  const b = g.bn(g.conv(a, 4, 3, { padding: 1, bias: false }));
  const c = g.act(g.addAll([b, a]));
  const d = g.conv(c, 4, 1);
  const e = g.addAll([g.bn(d), d]);
  g.linear(g.flatten(g.globalAvgPool(e)), 3);
  const model = g.build('bn-net');
  let seed = 100;
  for (const n of model.nodes) {
    if (!(n.layer instanceof BatchNorm2d)) continue;
    n.layer.gamma.assign(randomFloats(4, seed++, 0.5, 2));
    n.layer.beta.assign(randomFloats(4, seed++, -1, 1));
    n.layer.runningMean.view().set(randomFloats(4, seed++, -0.5, 0.5));
    n.layer.runningVar.view().set(randomFloats(4, seed++, 0.2, 3));
  }
  return model;
}

describe('foldBatchNorm', () => {
  it('folds only conv → BN pairs whose conv has no other reader', () => {
    const model = buildModel();
    assert.deepEqual(findConvBnPairs(model).map((p) => `${p.conv.name}>${p.bn.name}`), ['conv0>bn1', 'conv3>bn4']);
    model.dispose();
  });

  it('evaluation outputs match the unfolded model, BN nodes are removed and readers rewired', () => {
    const model = buildModel();
    const { model: folded, folded: pairs, renamed } = foldBatchNorm(model);
    assert.deepEqual(pairs, [{ conv: 'conv0', bn: 'bn1' }, { conv: 'conv3', bn: 'bn4' }]);
    assert.deepEqual(folded.nodes.map((n) => n.name), model.nodes.map((n) => n.name).filter((n) => n !== 'bn1' && n !== 'bn4'));
    assert.ok(folded.nodes.some((n) => n.layer instanceof BatchNorm2d), 'the BN after a shared conv stays');
    assert.deepEqual(folded.node('relu2')!.inputs, ['conv0']);
    assert.deepEqual(folded.node('add5')!.inputs, ['conv3', 'relu2']);
    assert.equal(renamed.get('bn4'), 'conv3');
    assert.ok((folded.node('conv3')!.layer as Conv2d).bias, 'a bias-free conv gains the folded bias');
    scope(() => noGrad(() => {
      const x = Tensor.from(randomFloats(3 * 72, 5, -2, 2), [3, 2, 6, 6]);
      const want = model.forward(x).toArray(), got = folded.forward(x).toArray();
      expectAllClose(got, want, { rtol: 1e-4, atol: 1e-5, what: 'logits' });
    }));
    model.dispose();
    folded.dispose();
  });

  it('a conv reading a folded BN directly (conv-BN-conv-BN, as in MobileNetV2) reads the folded conv', () => {
    const g = new GraphBuilder(2, [2, 5, 5]);
    g.bn(g.conv(g.bn(g.conv(g.input, 3, 3, { padding: 1 })), 2, 1));
    const model = g.build('chain');
    for (const n of model.nodes) if (n.layer instanceof BatchNorm2d) n.layer.runningVar.view().set(randomFloats(n.layer.cfg.channels, 7, 0.3, 2));
    const { model: folded } = foldBatchNorm(model);
    assert.deepEqual(folded.nodes.map((n) => `${n.name}<${n.inputs.join(',')}`), ['conv0<input', 'conv2<conv0']);
    scope(() => noGrad(() => {
      const x = Tensor.from(randomFloats(100, 8), [2, 2, 5, 5]);
      expectAllClose(folded.forward(x).toArray(), model.forward(x).toArray(), { rtol: 1e-4, atol: 1e-5 });
    }));
    model.dispose();
    folded.dispose();
  });

  it('w\' = w·γ/σ and b\' = β + (b − μ)·γ/σ (hand check of one channel)', () => {
    const model = buildModel();
    const conv = model.node('conv0')!.layer as Conv2d, bn = model.node('bn1')!.layer as BatchNorm2d;
    const { model: folded } = foldBatchNorm(model);
    const f = folded.node('conv0')!.layer as Conv2d;
    const c = 2, k = c * 18 + 5; // output channel 2, one of its 2·3·3 weights
    const gamma = bn.gamma.value.view()[c]!, sigma = Math.sqrt(bn.runningVar.view()[c]! + 1e-5);
    assert.ok(Math.abs(f.weight.value.view()[k]! - (conv.weight.value.view()[k]! * gamma) / sigma) < 1e-6);
    const want = bn.beta.value.view()[c]! + ((conv.bias!.value.view()[c]! - bn.runningMean.view()[c]!) * gamma) / sigma;
    assert.ok(Math.abs(f.bias!.value.view()[c]! - want) < 1e-6);
    model.dispose();
    folded.dispose();
  });

  it('masks are carried over and masked weights stay exactly 0', () => {
    const model = buildModel();
    const w = (model.node('conv0')!.layer as Conv2d).weight;
    const bits = Uint8Array.from({ length: w.size }, (_, i) => (i % 3 === 0 ? 0 : 1));
    w.setMask(new Mask(w.size, bits));
    const { model: folded } = foldBatchNorm(model);
    const fw = (folded.node('conv0')!.layer as Conv2d).weight;
    assert.deepEqual(Array.from(fw.mask!.view()), Array.from(bits));
    const v = fw.value.view();
    for (let i = 0; i < v.length; i++) assert.equal(v[i] === 0, bits[i] === 0, `weight ${i}: ${v[i]}`);
    model.dispose();
    folded.dispose();
  });
});
