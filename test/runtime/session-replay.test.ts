// A session replays its kernel calls from the second run at a batch size on (KernelProgram):
// the replayed runs must give bit for bit what the first, dispatched, run gave on the same
// input, and follow a changed input, for float and uint8 plans of every zoo family, pruned and
// dense, at two batch sizes (a partial last batch included) on two threads. A session that
// splits batches by images (each thread its own share and buffers) gives the same bits.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { createModel } from '../../src/nn/index.js';
import { pruneModel, postTrainingQuantize, quantizationMeta } from '../../src/compress/index.js';
import { batchSource, loadDataset } from '../../src/data/index.js';
import { toDeployModel } from '../../src/io/index.js';
import { Session, encodePqm } from '../../src/runtime/index.js';

const NORM = { mean: 0.1307, std: 0.3081 };

describe('replayed session runs equal dispatched ones', () => {
  before(() => setThreads(2));
  const data = loadDataset('mnist', { limit: 128 });
  const images = (from: number, n: number) => data.test.images.slice(from * 784, (from + n) * 784);
  for (const name of ['lenet5', 'mnist-cnn', 'resnet20', 'mobilenetv2-small']) {
    for (const [sparsity, quantized] of [[0, false], [0.9, false], [0.9, true]] as const) {
      it(`${name}, ${sparsity * 100}% pruned, ${quantized ? 'int8 + uint8 activations' : 'float32'}`, async () => {
        const model = createModel(name, { seed: 3 });
        if (sparsity > 0) pruneModel(model, { sparsity, scope: 'layer' });
        const deploy = quantized
          ? (() => {
              const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source: batchSource(data.train, { normalization: NORM }), batches: 1, batchSize: 64 } });
              return toDeployModel(q.model, { meta: { quantization: quantizationMeta(q), normalization: NORM } });
            })()
          : toDeployModel(model, { meta: { normalization: NORM } });
        for (const activations of quantized ? (['u8', 'f32'] as const) : (['f32'] as const)) {
          const s = await Session.create(encodePqm(deploy), { batch: 8, timingRuns: 1, activations, split: 'layers' });
          const dispatched = await Session.create(encodePqm(deploy), { batch: 8, replay: false, activations, kernels: forced(s) });
          // Each thread its own share of the images, through its own buffers, the same kernels.
          const byImages = await Session.create(encodePqm(deploy), { batch: 8, split: 'images', activations, kernels: forced(s) });
          assert.equal(byImages.split, 'images');
          // 11 images: one full batch of 8, then a partial batch of 3; each size records once.
          const x1 = images(0, 11), x2 = images(11, 11);
          const first = s.runSync(x1, [11, 1, 28, 28]);
          const second = s.runSync(x2, [11, 1, 28, 28]);
          const again = s.runSync(x1, [11, 1, 28, 28]);
          assert.deepEqual(again, first, `${activations}: replay of x1`);
          assert.deepEqual(s.runSync(x2, [11, 1, 28, 28]), second, `${activations}: replay of x2`);
          // Against a session that never records, so a replay that ignored the new input fails.
          assert.deepEqual(second, dispatched.runSync(x2, [11, 1, 28, 28]), `${activations}: x2 vs never recorded`);
          assert.deepEqual(again, dispatched.runSync(x1, [11, 1, 28, 28]), `${activations}: x1 vs never recorded`);
          // The same kernels on shares of 4 and 3 images instead of 8 and 3: a dense float kernel
          // may sum a sample's products in another order at another batch size (its tiles), so
          // float32 agrees to rounding; a uint8 output within one step of its grid.
          const step = activations === 'u8' ? deploy.nodes.at(-1)!.outputQuant?.scale ?? 0 : 0;
          const near = (got: Float32Array, want: Float32Array, what: string) => {
            assert.equal(got.length, want.length, what);
            for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= Math.max(step * 1.0001, 1e-5 * Math.max(1, Math.abs(want[i]!))), `${what}: output ${i}: ${got[i]} vs ${want[i]}`);
          };
          for (let r = 0; r < 3; r++) {
            near(byImages.runSync(x1, [11, 1, 28, 28]), first, `${activations}: split by images, x1, run ${r}`);
            near(byImages.runSync(x2, [11, 1, 28, 28]), second, `${activations}: split by images, x2, run ${r}`);
          }
          near(byImages.runSync(x2.subarray(0, 784), [1, 1, 28, 28]), second.subarray(0, 10), `${activations}: one image`);
          byImages.dispose();
          s.dispose();
          dispatched.dispose();
        }
      });
    }
  }
});

/** The kernels a session chose, as the `kernels` option that forces them on another. */
function forced(s: Session): Record<string, string> {
  return Object.fromEntries(s.explain().map((l) => [l.node, l.chosen.replace(/ \+ fake quant$/, '')]));
}
