/**
 * The user's path, end to end, on a model prunequant did not train: examples/models/
 * pytorch-lenet5.onnx, a LeNet-5 trained and exported by PyTorch 1.13 (make-pytorch-lenet5.py), is
 * imported, pruned to 90%, fine-tuned (one epoch on a training subset), quantized to int8 (weights
 * and activations), exported as onnx-int8, and run by onnxruntime-node on the full MNIST test
 * split: its accuracy equals ours within 0.1 pp and its predictions agree with ours on >= 99.5%
 * of the images. (PyTorch-style graphs built in the test, with the Shape → Gather → Concat →
 * Reshape flatten and external data, are test/io/onnx-import-fixtures.test.ts.)
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { batchSource, loadDataset, normalize, type DatasetSplit } from '../../src/data/index.js';
import { postTrainingQuantize, pruneModel, trainMasked } from '../../src/compress/index.js';
import { decodeOnnxModel, encodeOnnxModel, exportOnnxInt8Model, loadOnnxModel } from '../../src/io/index.js';
import { evaluate, type Model } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { runOrt } from '../helpers/ort.js';

const ONNX = new URL('../../examples/models/pytorch-lenet5.onnx', import.meta.url).pathname;
/** MNIST's standardization, as the PyTorch script trained with (the file records none). */
const NORM = { mean: 0.1307, std: 0.3081 };
const TRAIN = 10000;
let mnist: DatasetSplit;

function argmax(logits: Float32Array, classes: number): Int32Array {
  return Int32Array.from({ length: logits.length / classes }, (_, r) => {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * classes + k]! > logits[r * classes + best]!) best = k;
    return best;
  });
}

/** Our logits on the test split, in batches (the fake-quant hooks and input quantizer in place). */
function ourLogits(model: Model, images: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * 10);
  for (let at = 0; at < count; at += 500) {
    const n = Math.min(500, count - at);
    out.set(scope(() => noGrad(() => model.forward(Tensor.from(images.subarray(at * 784, (at + n) * 784), [n, 1, 28, 28])).toArray())), at * 10);
  }
  return out;
}

describe('the user path: PyTorch\'s ONNX → prune 90% → fine-tune → int8 → onnx-int8 → onnxruntime', () => {
  before(() => {
    mnist = loadDataset('mnist', { trainLimit: TRAIN });
  });

  it('onnxruntime reproduces our accuracy (0.1 pp) and predictions (>= 99.5%) on the 10k test split', async (t) => {
    const model = loadOnnxModel(ONNX).model;
    try {
      const test = normalize(mnist.test, NORM);
      const count = test.count;
      // The file as PyTorch wrote it: onnxruntime and our import agree before anything changes.
      const onnxBytes = new Uint8Array(readFileSync(ONNX));
      const input = decodeOnnxModel(onnxBytes).graph.inputs[0]!.name;
      const original = await runOrt(onnxBytes, { [input]: { data: test.images, dims: [count, 1, 28, 28] } });
      const ortOriginal = argmax(Object.values(original)[0]!.data, 10);
      const importedAcc = evaluate(model, batchSource(test)).accuracy;
      const ortOriginalAcc = ortOriginal.reduce((s, p, i) => s + (p === test.labels[i] ? 1 : 0), 0) / count;
      t.diagnostic(`as imported: ours ${(100 * importedAcc).toFixed(2)}%, onnxruntime ${(100 * ortOriginalAcc).toFixed(2)}%`);
      assert.ok(Math.abs(importedAcc - ortOriginalAcc) <= 1 / count, `imported ${importedAcc} vs onnxruntime ${ortOriginalAcc}`);

      const train = batchSource(normalize(mnist.train, NORM));
      const result = pruneModel(model, { sparsity: 0.9 });
      assert.ok(Math.abs(result.sparsity - 0.9) < 0.01, `pruned to ${result.sparsity}`);
      await trainMasked(model, train, { epochs: 1, lr: 0.01, batchSize: 32, momentum: 0.9, seed: 3 });
      const q = postTrainingQuantize(model, {
        weights: { bits: 8, granularity: 'channel' },
        activations: { dtype: 'uint8', source: train, batches: 10, batchSize: 64, seed: 1 },
      });
      try {
        const onnx = exportOnnxInt8Model(q);
        // The pruned zeros are int8 zero codes in the file.
        let zeros = 0, total = 0;
        for (const path of q.weights.keys()) {
          const codes = onnx.graph.initializers.find((t) => t.name === `${path}_quantized`)!.data as Int8Array;
          zeros += codes.filter((c) => c === 0).length;
          total += codes.length;
        }
        assert.ok(zeros / total >= 0.9, `only ${zeros} of ${total} exported weight codes are zero`);

        const ours = argmax(ourLogits(q.model, test.images, count), 10);
        const { logits } = await runOrt(encodeOnnxModel(onnx), { input: { data: test.images, dims: [count, 1, 28, 28] } });
        const theirs = argmax(logits!.data, 10);
        let agree = 0, okOurs = 0, okOrt = 0;
        for (let i = 0; i < count; i++) {
          if (ours[i] === theirs[i]) agree++;
          if (ours[i] === test.labels[i]) okOurs++;
          if (theirs[i] === test.labels[i]) okOrt++;
        }
        const accOurs = (100 * okOurs) / count, accOrt = (100 * okOrt) / count;
        t.diagnostic(`accuracy ours ${accOurs}%, onnxruntime ${accOrt}%, agreement ${agree}/${count}, zero codes ${zeros}/${total}`);
        assert.ok(accOurs > 97, `90% pruned and int8, one epoch of fine-tuning should stay near the file's accuracy, got ${accOurs}%`);
        assert.ok(Math.abs(accOurs - accOrt) <= 0.1, `accuracy ours ${accOurs}%, onnxruntime ${accOrt}%`);
        assert.ok(agree / count >= 0.995, `predictions agree on ${agree} of ${count}`);
      } finally {
        q.model.dispose();
      }
    } finally {
      model.dispose();
    }
  });
});
