/**
 * onnx-int8 (QDQ) export checked against onnxruntime-node: the exported graph computes our
 * fake-quant forward (to within one output quantization step), onnxruntime's optimizer fuses it
 * into integer kernels (QLinearConv and an integer Gemm/MatMul appear in its optimized graph),
 * weights below 8 bits keep their k-bit codes, a weight-only model gets weight pairs only, and
 * a LeNet-5 trained and quantized on a few hundred MNIST images predicts like ours.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { batchSource, loadDataset, normalize, type DatasetSplit } from '../../src/data/index.js';
import { postTrainingQuantize, QatSession, type QuantizedModel } from '../../src/compress/index.js';
import { OnnxExportError, decodeOnnxModel, encodeOnnxModel, exportOnnxInt8Model } from '../../src/io/index.js';
import { Mask, Model, Sgd, createModel, fit } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';
import { runOrt } from '../helpers/ort.js';

const NORM = { mean: 0.1307, std: 0.3081 };
const dir = mkdtempSync(join(tmpdir(), 'pq-int8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let mnist: DatasetSplit;
let trained: Model;
before(async () => {
  mnist = loadDataset('mnist', { trainLimit: 600, testLimit: 2000 });
  trained = createModel('lenet5', { seed: 1 });
  const opt = new Sgd(trained.params(), { momentum: 0.9 });
  await fit(trained, batchSource(normalize(mnist.train, NORM)), opt, { epochs: 2, batchSize: 32, lr: 0.05, seed: 1 });
  opt.dispose();
});
after(() => trained.dispose());

function ours(model: Model, x: Float32Array, n: number): Float32Array {
  return scope(() => noGrad(() => model.forward(Tensor.from(x, [n, ...model.inputShape])).toArray()));
}

function copyOf(model: Model): Model {
  const out = Model.fromConfig(model.config());
  const src = new Map(model.namedParams());
  for (const [k, p] of out.namedParams()) p.assign(src.get(k)!.value.view());
  return out;
}

function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  return Int32Array.from({ length: logits.length / classes }, (_, r) => {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * classes + k]! > logits[r * classes + best]!) best = k;
    return best;
  });
}

function testImages(n: number): Float32Array {
  const t = normalize(mnist.test, NORM);
  return t.images.slice(0, n * 784);
}

/** Op types in the graph onnxruntime runs after its optimizations. */
async function optimizedOps(bytes: Uint8Array, name: string): Promise<string[]> {
  const path = join(dir, `${name}.optimized.onnx`);
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: path, logSeverityLevel: 3 });
  await s.release();
  return decodeOnnxModel(readFileSync(path)).graph.nodes.map((n) => n.opType);
}

function ptq(bits: number, activations: boolean, model = trained): QuantizedModel {
  const source = batchSource(normalize(mnist.train, NORM));
  return postTrainingQuantize(model, {
    weights: { bits, granularity: 'channel' },
    ...(activations ? { activations: { dtype: 'uint8' as const, source, batches: 5, batchSize: 64 } } : {}),
  });
}

describe('onnx-int8 export', () => {
  it('8-bit weights and uint8 activations: onnxruntime computes our fake-quant forward and fuses into integer kernels', async () => {
    const q = ptq(8, true);
    try {
      const onnx = exportOnnxInt8Model(q);
      const ops = onnx.graph.nodes.map((n) => n.opType);
      assert.equal(ops.filter((o) => o === 'QuantizeLinear').length, q.activations!.size + 3, 'one Q per quantization point plus the two max pools and the flatten');
      for (const [path, t] of q.weights) {
        const codes = onnx.graph.initializers.find((i) => i.name === `${path}_quantized`)!;
        assert.equal(codes.dataType, 'int8', path);
        assert.deepEqual(Array.from(codes.data as Int8Array), Array.from(t.values), `${path}: the codes are ours`);
        assert.equal(onnx.graph.initializers.some((i) => i.name === path), false, `${path}: no float copy left`);
      }
      const bytes = encodeOnnxModel(onnx);
      const n = 200, x = testImages(n);
      const expected = ours(q.model, x, n);
      const { logits } = await runOrt(bytes, { input: { data: x, dims: [n, 1, 28, 28] } });
      const step = q.activations!.get('fc11')!.scale;
      let worst = 0, exact = 0;
      logits!.data.forEach((v, i) => {
        const d = Math.abs(v - expected[i]!);
        worst = Math.max(worst, d);
        if (d <= 1e-6 * Math.abs(expected[i]!) + 1e-6) exact++;
      });
      assert.ok(worst <= step * (1 + 1e-4), `worst logit differs by ${worst}, one output step is ${step}`);
      assert.ok(exact / logits!.data.length > 0.95, `only ${exact} of ${logits!.data.length} logits are exact`);
      const fused = await optimizedOps(bytes, 'lenet-int8');
      assert.ok(fused.includes('QLinearConv'), `no QLinearConv after optimization: ${[...new Set(fused)].join(', ')}`);
      assert.ok(fused.some((o) => o === 'QGemm' || o === 'QLinearMatMul' || o === 'MatMulIntegerToFloat'), `no integer Gemm: ${[...new Set(fused)].join(', ')}`);
    } finally {
      q.model.dispose();
    }
  });

  it('4-bit weights go out as int8 codes on the 4-bit grid, pruned zeros exact, and outputs still match', async () => {
    const model = copyOf(trained);
    const [, w] = model.namedParams().find(([k]) => k === 'fc7.weight')!;
    w.setMask(new Mask(w.size, Array.from({ length: w.size }, (_, i) => (i % 10 === 0 ? 1 : 0))));
    const q = ptq(4, true, model);
    try {
      const onnx = exportOnnxInt8Model(q);
      for (const [path, t] of q.weights) {
        const codes = onnx.graph.initializers.find((i) => i.name === `${path}_quantized`)!.data as Int8Array;
        assert.ok(codes.every((c) => c >= -7 && c <= 7), `${path}: codes outside the 4-bit symmetric range`);
        assert.deepEqual(Array.from(codes), Array.from(t.values));
      }
      const fc7 = onnx.graph.initializers.find((i) => i.name === 'fc7.weight_quantized')!.data as Int8Array;
      fc7.forEach((c, i) => { if (i % 10 !== 0) assert.equal(c, 0, `pruned fc7 weight ${i}`); });
      const n = 100, x = testImages(n);
      const expected = ours(q.model, x, n);
      const { logits } = await runOrt(encodeOnnxModel(onnx), { input: { data: x, dims: [n, 1, 28, 28] } });
      const step = q.activations!.get('fc11')!.scale;
      const worst = logits!.data.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
      assert.ok(worst <= step * (1 + 1e-4), `worst ${worst} > step ${step}`);
    } finally {
      q.model.dispose();
      model.dispose();
    }
  });

  it('a weight-only quantized model exports weight pairs only and runs with float activations', async () => {
    const q = ptq(8, false);
    try {
      const onnx = exportOnnxInt8Model(q);
      const ops = onnx.graph.nodes.map((n) => n.opType);
      assert.equal(ops.filter((o) => o === 'QuantizeLinear').length, 0);
      assert.equal(ops.filter((o) => o === 'DequantizeLinear').length, q.weights.size);
      const n = 50, x = testImages(n);
      const expected = ours(q.model, x, n);
      const { logits } = await runOrt(encodeOnnxModel(onnx), { input: { data: x, dims: [n, 1, 28, 28] } });
      const worst = logits!.data.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!) / Math.max(1, Math.abs(expected[i]!))), 0);
      assert.ok(worst < 1e-4, `weight-only export differs by ${worst}`);
    } finally {
      q.model.dispose();
    }
  });

  it('a QAT LeNet-5 (a few hundred MNIST images) predicts like ours on >= 99.5% of 2000 test images', async () => {
    const model = copyOf(trained);
    const qat = new QatSession(model, { bits: 8, activations: { dtype: 'uint8' } });
    const opt = new Sgd(model.params(), { momentum: 0.9 });
    await fit(model, batchSource(normalize(mnist.train, NORM)), opt, { epochs: 1, batchSize: 32, lr: 0.01, seed: 2, afterStep: () => qat.afterStep() });
    opt.dispose();
    const q = qat.finish();
    try {
      const n = 2000, x = testImages(n);
      const ourPred = argmaxRows(ours(q.model, x, n), 10);
      const { logits } = await runOrt(encodeOnnxModel(exportOnnxInt8Model(q)), { input: { data: x, dims: [n, 1, 28, 28] } });
      const ortPred = argmaxRows(logits!.data, 10);
      let agree = 0, correctOurs = 0, correctOrt = 0;
      for (let i = 0; i < n; i++) {
        if (ourPred[i] === ortPred[i]) agree++;
        if (ourPred[i] === mnist.test.labels[i]) correctOurs++;
        if (ortPred[i] === mnist.test.labels[i]) correctOrt++;
      }
      assert.ok(agree / n >= 0.995, `predictions agree on ${agree} of ${n}`);
      assert.ok(correctOurs / n > 0.8, `the quantized model is barely trained (${correctOurs / n})`);
      assert.ok(Math.abs(correctOurs - correctOrt) / n <= 0.005);
    } finally {
      q.model.dispose();
      model.dispose();
    }
  });

  it("an imported model's final Softmax (meta) is written back after the dequantized logits", async () => {
    const q = ptq(8, true);
    try {
      const onnx = exportOnnxInt8Model(q, { meta: { finalActivation: { kind: 'softmax', axis: 1, coerce2d: false } } });
      const n = 20, x = testImages(n);
      const logits = ours(q.model, x, n);
      const { probabilities } = await runOrt(encodeOnnxModel(onnx), { input: { data: x, dims: [n, 1, 28, 28] } });
      const step = q.activations!.get('fc11')!.scale;
      for (let r = 0; r < n; r++) {
        const row = logits.subarray(r * 10, r * 10 + 10), mx = Math.max(...row);
        const ex = Array.from(row, (v) => Math.exp(v - mx)), sum = ex.reduce((a, b) => a + b, 0);
        // A logit off by one step moves a probability by at most about p · step.
        ex.forEach((e, k) => assert.ok(Math.abs(probabilities!.data[r * 10 + k]! - e / sum) <= step + 1e-6, `row ${r} class ${k}`));
      }
    } finally {
      q.model.dispose();
    }
  });

  it('refuses codes wider than 8 bits and weights that disagree with their codes, naming the weight', () => {
    const q16 = ptq(12, false);
    try {
      assert.throws(() => exportOnnxInt8Model(q16), (e: unknown) => e instanceof OnnxExportError && /conv0\.weight.*12-bit codes/.test(e.message));
    } finally {
      q16.model.dispose();
    }
    const q = ptq(8, false);
    try {
      const w = q.model.namedParams().find(([k]) => k === 'fc9.weight')![1];
      const v = w.value.toArray();
      v[3] = v[3]! + 0.5;
      w.assign(v);
      assert.throws(() => exportOnnxInt8Model(q), (e: unknown) => e instanceof OnnxExportError && /fc9\.weight.*\[3\].*disagree/.test(e.message));
    } finally {
      q.model.dispose();
    }
  });

  it('a random-input model with activations on int8 codes matches too', async () => {
    const model = createModel('mnist-cnn', { seed: 2 });
    const source = batchSource({ name: 'rand', shape: [1, 28, 28], count: 64, classes: 10, images: randomFloats(64 * 784, 4, 0, 1), labels: new Int32Array(64) });
    const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'int8', source, batches: 1, batchSize: 64 } });
    try {
      const x = randomFloats(4 * 784, 5, 0, 1);
      const expected = ours(q.model, x, 4);
      const { logits } = await runOrt(encodeOnnxModel(exportOnnxInt8Model(q)), { input: { data: x, dims: [4, 1, 28, 28] } });
      const last = [...q.activations!.values()].at(-1)!.scale;
      const worst = logits!.data.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
      assert.ok(worst <= last * (1 + 1e-4), `worst ${worst} > step ${last}`);
    } finally {
      q.model.dispose();
      model.dispose();
    }
  });
});
