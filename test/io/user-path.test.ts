/**
 * The user's path, end to end: an ONNX model that prunequant did not write (built here the way
 * PyTorch's torch.onnx.export writes a LeNet: `conv1.weight`-style initializer names, a
 * symbolic batch, the Shape → Gather → Unsqueeze → Concat → Reshape flatten) is imported,
 * pruned to 90%, fine-tuned, quantized to int8 (weights and activations), exported as
 * onnx-int8, and run by onnxruntime-node on the full MNIST test split: its accuracy equals ours
 * within 0.1 pp and its predictions agree with ours on >= 99.5% of the images.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchSource, loadDataset, normalize, type DatasetSplit } from '../../src/data/index.js';
import { postTrainingQuantize, pruneModel, trainMasked } from '../../src/compress/index.js';
import {
  encodeOnnxModel, exportOnnxInt8Model, importOnnxModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo,
} from '../../src/io/index.js';
import { Sgd, createModel, fit, type Model } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { runOrt } from '../helpers/ort.js';

const NORM = { mean: 0.1307, std: 0.3081 };
const TRAIN = 3000;
let mnist: DatasetSplit;

/**
 * Weights from a short seeded training run, written as PyTorch writes a LeNet-5
 * (conv1/conv2/fc1/fc2/fc3, opset 13, input 'input.1' [batch_size, 1, 28, 28]).
 */
async function pytorchLenetOnnx(): Promise<Uint8Array> {
  const donor = createModel('lenet5', { seed: 7 });
  const opt = new Sgd(donor.params(), { momentum: 0.9 });
  await fit(donor, batchSource(normalize(mnist.train, NORM)), opt, { epochs: 1, batchSize: 32, lr: 0.05, seed: 7 });
  opt.dispose();
  const p = new Map(donor.namedParams());
  const torchNames: Record<string, string> = { conv0: 'conv1', conv3: 'conv2', fc7: 'fc1', fc9: 'fc2', fc11: 'fc3' };
  const inits = [...p].map(([path, param]) => {
    const [node, key] = path.split('.') as [string, string];
    return makeTensor(`${torchNames[node]}.${key}`, [...param.shape], param.value.toArray());
  });
  donor.dispose();
  const i64 = (name: string, v: number[], dims = [v.length]) => makeTensor(name, dims, BigInt64Array.from(v, BigInt));
  const n = (op: string, ins: string[], out: string, attrs = {}) => makeNode(op, ins, [out], attrs, { name: `/${out.replace(/_output_0$/, '')}` });
  const nodes = [
    n('Conv', ['input.1', 'conv1.weight', 'conv1.bias'], 'conv1/Conv_output_0', { kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1], dilations: [1, 1], group: 1 }),
    n('Relu', ['conv1/Conv_output_0'], 'Relu_output_0'),
    n('MaxPool', ['Relu_output_0'], 'pool/MaxPool_output_0', { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }),
    n('Conv', ['pool/MaxPool_output_0', 'conv2.weight', 'conv2.bias'], 'conv2/Conv_output_0', { kernel_shape: [5, 5], pads: [0, 0, 0, 0], strides: [1, 1] }),
    n('Relu', ['conv2/Conv_output_0'], 'Relu_1_output_0'),
    n('MaxPool', ['Relu_1_output_0'], 'pool_1/MaxPool_output_0', { kernel_shape: [2, 2], strides: [2, 2] }),
    n('Shape', ['pool_1/MaxPool_output_0'], 'Shape_output_0'),
    n('Constant', [], 'Constant_output_0', { value: i64('', [0], []) }),
    n('Gather', ['Shape_output_0', 'Constant_output_0'], 'Gather_output_0', { axis: 0 }),
    n('Constant', [], 'Constant_1_output_0', { value: i64('', [0]) }),
    n('Unsqueeze', ['Gather_output_0', 'Constant_1_output_0'], 'Unsqueeze_output_0'),
    n('Concat', ['Unsqueeze_output_0', 'onnx::Concat_31'], 'Concat_output_0', { axis: 0 }),
    n('Reshape', ['pool_1/MaxPool_output_0', 'Concat_output_0'], 'Reshape_output_0'),
    n('Gemm', ['Reshape_output_0', 'fc1.weight', 'fc1.bias'], 'fc1/Gemm_output_0', { alpha: 1.0, beta: 1.0, transB: 1 }),
    n('Relu', ['fc1/Gemm_output_0'], 'Relu_2_output_0'),
    n('Gemm', ['Relu_2_output_0', 'fc2.weight', 'fc2.bias'], 'fc2/Gemm_output_0', { alpha: 1.0, beta: 1.0, transB: 1 }),
    n('Relu', ['fc2/Gemm_output_0'], 'Relu_3_output_0'),
    makeNode('Gemm', ['Relu_3_output_0', 'fc3.weight', 'fc3.bias'], ['logits'], { alpha: 1.0, beta: 1.0, transB: 1 }, { name: '/fc3/Gemm' }),
  ];
  const graph = makeGraph({
    name: 'main_graph', nodes,
    inputs: [makeValueInfo('input.1', ['batch_size', 1, 28, 28])],
    outputs: [makeValueInfo('logits', ['batch_size', 10])],
    initializers: [...inits, i64('onnx::Concat_31', [-1])],
  });
  return encodeOnnxModel(makeModel(graph, { opset: 13, producerName: 'pytorch', producerVersion: '2.1.0' }));
}

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

describe('the user path: foreign ONNX → prune 90% → fine-tune → int8 → onnx-int8 → onnxruntime', () => {
  before(() => {
    mnist = loadDataset('mnist', { trainLimit: TRAIN });
  });

  it('onnxruntime reproduces our accuracy (0.1 pp) and predictions (>= 99.5%) on the 10k test split', async (t) => {
    const imported = importOnnxModel(await pytorchLenetOnnx(), { fileName: 'lenet-pytorch.onnx' });
    const model = imported.model;
    try {
      const train = batchSource(normalize(mnist.train, NORM));
      const result = pruneModel(model, { sparsity: 0.9 });
      assert.ok(Math.abs(result.sparsity - 0.9) < 0.01, `pruned to ${result.sparsity}`);
      await trainMasked(model, train, { epochs: 1, lr: 0.02, batchSize: 32, momentum: 0.9, seed: 3 });
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

        const test = normalize(mnist.test, NORM);
        const count = test.count;
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
        assert.ok(accOurs > 90, `the pipeline should give a usable model, got ${accOurs}%`);
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
