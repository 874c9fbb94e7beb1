// The runtime on models trained with uint8 activation quantization, against the simulation
// the trainer runs (fake quantization of weights and activations in float32): every output
// within one quantization step of the output grid, for the integer kernels and for the float
// kernels run between a dequantize and a quantize, dense and pruned.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { createModel } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { pruneModel, postTrainingQuantize, quantizationMeta } from '../../src/compress/index.js';
import { batchSource, loadDataset } from '../../src/data/index.js';
import { toDeployModel } from '../../src/io/index.js';
import { Session, encodePqm, type DeployModel } from '../../src/runtime/index.js';

const NORM = { mean: 0.1307, std: 0.3081 };

describe('runtime int8 paths equal the quantized simulation within one step', () => {
  before(() => setThreads(2));
  const data = loadDataset('mnist', { limit: 256 });
  for (const name of ['lenet5', 'mnist-cnn', 'resnet20', 'mobilenetv2-small']) {
    for (const sparsity of [0, 0.9]) {
      it(`${name}, ${sparsity * 100}% pruned, int8 weights, uint8 activations`, async () => {
        const model = createModel(name, { seed: 2 });
        if (sparsity > 0) pruneModel(model, { sparsity, scope: 'layer' });
        const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source: batchSource(data.train, { normalization: NORM }), batches: 2, batchSize: 64 } });
        const deploy: DeployModel = toDeployModel(q.model, { meta: { quantization: quantizationMeta(q), normalization: NORM } });
        const n = 6;
        const raw = data.test.images.slice(0, n * 784);
        const x = Float32Array.from(raw, (v) => Math.fround((v - NORM.mean) * (1 / NORM.std)));
        const expected = scope(() => noGrad(() => q.model.forward(Tensor.from(x, [n, 1, 28, 28]), { training: false }).toArray()));
        const step = deploy.nodes.at(-1)!.outputQuant!.scale;
        // Sessions open the file's bytes, as users do: what the reader gives back (such as the
        // code range of the narrow symmetric int8 grid) must still reach the integer kernels.
        const bytes = encodePqm(deploy);
        const probe = await Session.create(bytes, { batch: n, timingRuns: 1, activations: 'u8' });
        const layers = probe.explain();
        probe.dispose();
        // One session per family: dense integer, sparse integer, and float kernels between conversions.
        const families = ['qu8 dense', 'qu8 sparse', 'via f32'].map((family) => {
          const kernels: Record<string, string> = {};
          for (const l of layers) {
            const k = l.candidates.find((c) => c.kernel.includes(family) || (family !== 'via f32' && c.kernel.startsWith('u8')));
            if (k) kernels[l.node] = k.kernel;
          }
          return kernels;
        });
        assert.ok(Object.values(families[0]!).some((k) => k.startsWith('qu8 dense')) && Object.values(families[1]!).some((k) => k.startsWith('qu8 sparse')), 'no integer kernel applied');
        const sessions = [
          ...families.map((kernels) => ({ kernels, activations: 'u8' as const })),
          // Float32 activations put on their grids in place, float kernels only.
          { kernels: {} as Record<string, string>, activations: 'f32' as const },
        ];
        for (const { kernels, activations } of sessions) {
          const s = await Session.create(bytes, { batch: n, kernels, choose: 'first', activations });
          assert.equal(s.activations, activations);
          const got = s.runSync(raw, [n, 1, 28, 28]);
          for (const l of s.explain()) if (kernels[l.node]) assert.equal(l.chosen, kernels[l.node]);
          for (let i = 0; i < got.length; i++) {
            assert.ok(Math.abs(got[i]! - expected[i]!) <= step * 1.0001, `output ${i}: ${got[i]} vs simulation ${expected[i]} (step ${step}) with ${JSON.stringify(kernels)}`);
          }
          s.dispose();
        }
        model.dispose();
      });
    }
  }
});
