// The runtime's float32 paths against the training engine's eval-mode forward (itself checked
// against onnxruntime in test/parity): every zoo model, dense and pruned, with each kernel
// family forced in turn, plus ragged conv shapes and fully pruned channels.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { Conv2d, Model, createModel, type Layer } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { pruneModel, postTrainingQuantize } from '../../src/compress/index.js';
import { pqmBytes, toDeployModel } from '../../src/io/index.js';
import { Session, SessionError } from '../../src/runtime/index.js';
import { maxRelError, randomFloats } from '../helpers/assert.js';

function reference(model: Model, x: Float32Array, n: number): Float32Array {
  const [c, h, w] = model.inputShape;
  return scope(() => noGrad(() => model.forward(Tensor.from(x, [n, c, h, w]), { training: false }).toArray()));
}

/** Forces every conv and linear node onto kernels whose name contains `family`, where one applies. */
async function sessionWith(model: Model, family: string | null, batch = 8): Promise<Session> {
  const deploy = toDeployModel(model);
  const kernels: Record<string, string> = {};
  if (family !== null) {
    const probe = await Session.create(deploy, { batch, timingRuns: 1 });
    for (const l of probe.explain()) if (l.candidates.some((k) => k.kernel.includes(family))) kernels[l.node] = family;
    probe.dispose();
  }
  return Session.create(deploy, { batch, kernels, choose: 'first' });
}

describe('runtime float32 paths equal the training forward pass', () => {
  before(() => setThreads(2));
  for (const name of ['lenet5', 'mnist-cnn', 'resnet20', 'mobilenetv2-small']) {
    for (const sparsity of [0, 0.9]) {
      for (const family of ['dense', 'sparse', null]) {
        it(`${name}, ${sparsity * 100}% pruned, ${family ?? 'timed choice'} kernels`, async () => {
          const model = createModel(name, { seed: 3 });
          if (sparsity > 0) pruneModel(model, { sparsity, scope: 'layer' });
          const n = 5;
          const x = randomFloats(n * 784, 17, -1, 2);
          const expected = reference(model, x, n);
          const session = await sessionWith(model, family);
          try {
            const got = await session.run(x, [n, 1, 28, 28]);
            if (family !== null) {
              for (const l of session.explain()) if ((l.op === 'Conv2d' || l.op === 'Linear') && l.candidates.some((c) => c.kernel.includes(family))) assert.ok(l.chosen.includes(family), `${l.node} ran ${l.chosen}`);
            }
            assert.ok(maxRelError(got, expected) < 1e-4, `worst relative error ${maxRelError(got, expected)}`);
          } finally {
            session.dispose();
            model.dispose();
          }
        });
      }
    }
  }
});

describe('runtime convolutions on ragged shapes', () => {
  before(() => setThreads(2));
  const cases: { c: number; oc: number; k: number; stride: number; padding: number; dilation: number; groups: number; h: number; w: number }[] = [
    { c: 3, oc: 5, k: 3, stride: 1, padding: 1, dilation: 1, groups: 1, h: 7, w: 9 },
    { c: 4, oc: 6, k: 3, stride: 2, padding: 1, dilation: 1, groups: 1, h: 11, w: 13 },
    { c: 2, oc: 7, k: 5, stride: 1, padding: 0, dilation: 2, groups: 1, h: 13, w: 14 },
    { c: 4, oc: 4, k: 3, stride: 1, padding: 1, dilation: 1, groups: 2, h: 6, w: 5 },
    { c: 6, oc: 6, k: 3, stride: 1, padding: 1, dilation: 1, groups: 6, h: 9, w: 1 },
    { c: 1, oc: 3, k: 1, stride: 1, padding: 0, dilation: 1, groups: 1, h: 1, w: 33 },
  ];
  for (const cs of cases) {
    it(`${JSON.stringify(cs)}: every kernel that applies, with a fully pruned channel`, async () => {
      const conv = new Conv2d({ inChannels: cs.c, outChannels: cs.oc, kernel: cs.k, stride: cs.stride, padding: cs.padding, dilation: cs.dilation, groups: cs.groups, seed: 5 });
      const model = new Model('ragged', [cs.c, cs.h, cs.w], [{ name: 'conv', layer: conv as Layer, inputs: ['input'] }]);
      pruneModel(model, { sparsity: 0.6, scope: 'layer' });
      // Channel 0 loses every weight: its output is the bias alone.
      conv.weight.mask!.view().fill(0, 0, conv.weight.size / cs.oc);
      conv.weight.setMask(conv.weight.mask);
      const deploy = toDeployModel(model);
      const probe = await Session.create(deploy, { batch: 3, timingRuns: 1 });
      const kernels = probe.explain()[0]!.candidates.map((k) => k.kernel);
      probe.dispose();
      assert.ok(kernels.some((k) => k.includes('sparse')) && kernels.some((k) => !k.includes('sparse')), `candidates: ${kernels.join('; ')}`);
      const n = 3, x = randomFloats(n * cs.c * cs.h * cs.w, 9);
      const expected = reference(model, x, n);
      for (const kernel of kernels) {
        const session = await Session.create(deploy, { batch: 3, kernels: { conv: kernel }, choose: 'first' });
        const got = session.runSync(x, [n, cs.c, cs.h, cs.w]);
        assert.ok(maxRelError(got, expected) < 1e-4, `${kernel}: worst relative error ${maxRelError(got, expected)}`);
        session.dispose();
      }
    });
  }
});

describe('runtime on a pruned model with low-bit weights and float activations', () => {
  before(() => setThreads(2));
  it('keeps the codes at 8 bits (qc8w SpMM), skips the dense float kernels, and equals the simulation', async () => {
    const model = createModel('lenet5', { seed: 6 });
    pruneModel(model, { sparsity: 0.9, scope: 'global' });
    const q = postTrainingQuantize(model, { weights: { bits: 4 } });
    const session = await Session.create(toDeployModel(q.model, { quantized: q }), { batch: 4, timingRuns: 1 });
    for (const l of session.explain().filter((x) => x.weights !== null && x.weights.sparsity >= 0.5)) {
      assert.match(l.chosen, /f32_qc8w_spmm_32x1/, l.node);
      assert.ok(l.candidates.every((c) => !c.kernel.includes('dense')), `${l.node}: ${l.candidates.map((c) => c.kernel).join('; ')}`);
    }
    const x = randomFloats(4 * 784, 12, -1, 2);
    assert.ok(maxRelError(session.runSync(x, [4, 1, 28, 28]), reference(q.model, x, 4)) < 1e-4);
    session.dispose();
  });
});

describe('Session', () => {
  before(() => setThreads(2));
  const model = createModel('lenet5', { seed: 1 });
  const bytes = pqmBytes(model, { normalization: { mean: 0.5, std: 0.25 } });

  it('standardizes raw pixels with the preprocessing stored in the file', async () => {
    const s = await Session.create(bytes, { batch: 4 });
    const raw = randomFloats(2 * 784, 4, 0, 1);
    const standardized = raw.map((v) => Math.fround((v - 0.5) * 4));
    assert.ok(maxRelError(s.runSync(raw, [2, 1, 28, 28]), reference(model, standardized, 2)) < 1e-4);
    s.dispose();
  });

  it('splits a batch larger than its capacity and gives the rows a single sample gets', async () => {
    const s = await Session.create(bytes, { batch: 4, choose: 'first' });
    const x = randomFloats(11 * 784, 8, 0, 1);
    const all = s.runSync(x, [11, 1, 28, 28]);
    const one = s.runSync(x.subarray(7 * 784, 8 * 784), [1, 1, 28, 28]);
    // Batch 1 may take a matrix-vector kernel that sums in another order.
    assert.ok(maxRelError(all.subarray(70, 80), one) < 1e-5);
    s.dispose();
  });

  it('names what is wrong with an input, and refuses use after release', async () => {
    const s = await Session.create(bytes, { batch: 2, choose: 'first' });
    assert.throws(() => s.runSync(new Float32Array(784), [1, 3, 28, 28]), (e: Error) => e instanceof SessionError && /shape \[1, 3, 28, 28\], the model takes \[n, 1, 28, 28\]/.test(e.message));
    assert.throws(() => s.runSync(new Float32Array(700), [1, 1, 28, 28]), /700 values for shape \[1, 1, 28, 28\] \(784 expected\)/);
    await s.release();
    assert.throws(() => s.runSync(new Float32Array(784), [1, 1, 28, 28]), /after release/);
    await assert.rejects(Session.create('/nonexistent/model.pqm'), /\/nonexistent\/model\.pqm: cannot read the model/);
  });

  it('tells the thread count it runs on, as the browser Session does', async () => {
    const s = await Session.create(bytes, { batch: 2, choose: 'first', threads: 1 });
    assert.equal(s.threads, 1);
    setThreads(3); // the Node pool is process-wide: the session follows it
    assert.equal(s.threads, 3);
    assert.match(s.explainText(), /^batch 2, 3 thread\(s\)/);
    setThreads(2);
    s.dispose();
  });

  it('explains every layer: shapes, sparsity, the candidates timed and the choice', async () => {
    const pruned = createModel('lenet5', { seed: 2 });
    pruneModel(pruned, { sparsity: 0.9, scope: 'layer' });
    const s = await Session.create(toDeployModel(pruned), { batch: 8, timingRuns: 1 });
    const conv = s.explain().find((l) => l.node === 'conv0')!;
    assert.deepEqual(conv.inputShape, [1, 28, 28]);
    // The 2x2 max pool after relu1 joins the conv: the pooled shape comes out.
    assert.deepEqual(conv.outputShape, [6, 14, 14]);
    assert.deepEqual(conv.fused, ['relu1', 'maxpool2']);
    assert.ok(Math.abs(conv.weights!.sparsity - 0.9) < 0.01);
    assert.ok(conv.candidates.length >= 2 && conv.candidates.every((c) => c.ms !== null && c.ms >= 0));
    assert.ok(conv.candidates.some((c) => c.kernel === conv.chosen));
    assert.match(s.explainText(), /conv0 .*Conv2d .*\[1x28x28\] -> \[6x14x14\] \+relu1\+maxpool2 90\.0% zero, f32/);
    s.dispose();
  });
});
