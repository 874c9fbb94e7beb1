/**
 * ONNX export checked against onnxruntime-node: every zoo model (BatchNorm with non-trivial
 * running statistics and affine params) and a hand-built DAG that uses every other layer
 * option (asymmetric 'same' pads, dilation, groups, every activation, padded pools, 3-way
 * Add, Concat, Dropout) export, decode, and run in onnxruntime with our eval-mode outputs.
 * Pruned weights are exact zeros at the mask's positions; the CLI writes the file; bad
 * models fail naming the node.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OnnxExportError, decodeOnnxModel, encodeOnnxModel, exportOnnxModel, type OnnxModel } from '../../src/io/index.js';
import {
  Activation, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, INPUT, Layer, Linear, Mask, Model, Pool2d,
  createModel, modelNames, saveCheckpoint, type LayerConfig,
} from '../../src/nn/index.js';
import { Tensor, createRng, noGrad, relu, scope } from '../../src/tensor/index.js';
import { maxRelError, randomFloats } from '../helpers/assert.js';
import { runOrt } from '../helpers/ort.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-export-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Our eval-mode logits for `x` ([n, ...inputShape]). */
function ours(model: Model, x: Float32Array, n: number): Float32Array {
  return scope(() => noGrad(() => model.forward(Tensor.from(x, [n, ...model.inputShape])).toArray()));
}

/**
 * Exports, round-trips the bytes through our decoder, runs them in onnxruntime on a batch of
 * 3 and returns the worst relative error against our forward. Elements are judged against
 * 1% of the largest logit at least, so near-zero logits do not turn float noise into big ratios.
 */
async function compareWithOrt(model: Model, seed: number, range = 1): Promise<{ err: number; onnx: OnnxModel }> {
  const bytes = encodeOnnxModel(exportOnnxModel(model));
  const onnx = decodeOnnxModel(bytes);
  const x = randomFloats(3 * model.inputShape.reduce((a, b) => a * b, 1), seed, -range, range);
  const expected = ours(model, x, 3);
  const { logits } = await runOrt(bytes, { input: { data: x, dims: [3, ...model.inputShape] } });
  assert.deepEqual(logits!.dims, [3, expected.length / 3]);
  const floor = 0.01 * expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { err: maxRelError(logits!.data, expected, floor), onnx };
}

/**
 * Affine params away from 1 and 0, then running statistics from a few seeded training-mode
 * batches. The affine params go first: a BN fed by another BN's output (MobileNet's linear
 * bottleneck) would otherwise see zero batch means and keep a zero running mean.
 */
function warmBatchNorm(model: Model, seed: number): void {
  const bns = model.nodes.filter((n) => n.layer instanceof BatchNorm2d);
  bns.forEach((n, i) => {
    const bn = n.layer as BatchNorm2d, c = bn.cfg.channels;
    bn.gamma.assign(randomFloats(c, seed * 31 + i, 0.5, 1.5));
    bn.beta.assign(randomFloats(c, seed * 37 + i, -0.3, 0.3));
  });
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < 3; i++) {
    scope(() => noGrad(() => model.forward(Tensor.from(randomFloats(8 * per, seed + i, -1, 1.5), [8, ...model.inputShape]), { training: true })));
  }
  for (const n of bns) {
    const bn = n.layer as BatchNorm2d;
    assert.ok(bn.runningMean.toArray().some((v) => Math.abs(v) > 1e-3), `${n.name}: running means still ~0 after warm-up`);
    assert.ok(bn.runningVar.toArray().some((v) => Math.abs(v - 1) > 1e-2), `${n.name}: running variances still ~1 after warm-up`);
  }
}

/** Every param and buffer is an initializer with its exact values (pruned ones: masked). */
function expectInitializers(model: Model, onnx: OnnxModel): void {
  const byName = new Map(onnx.graph.initializers.map((t) => [t.name, t]));
  for (const [path, t] of [...model.namedParams().map(([k, p]) => [k, p.value] as const), ...model.namedBuffers()]) {
    const init = byName.get(path);
    assert.ok(init !== undefined, `initializer '${path}' missing`);
    assert.deepEqual(init.dims, [...t.shape], path);
    assert.deepEqual(init.data, t.toArray(), path);
  }
}

describe('export: zoo models run in onnxruntime with our outputs', () => {
  for (const [i, name] of modelNames.entries()) {
    it(name, async (t) => {
      const model = createModel(name, { seed: 5 + i });
      warmBatchNorm(model, 100 + i);
      const { err, onnx } = await compareWithOrt(model, 200 + i);
      t.diagnostic(`${name}: max rel error ${err.toExponential(2)}, ${onnx.graph.nodes.length} ONNX nodes`);
      assert.ok(err <= 1e-4, `${name}: max relative error ${err}`);
      assert.equal(onnx.opsetImports[0]!.version, 17);
      assert.deepEqual(onnx.graph.inputs, [{ name: 'input', elemType: 'float', dims: ['N', 1, 28, 28] }]);
      assert.deepEqual(onnx.graph.outputs, [{ name: 'logits', elemType: 'float', dims: ['N', 10] }]);
      expectInitializers(model, onnx);
      model.dispose();
    });
  }
});

/** Odd input sizes, so 'same' padding is asymmetric and pools hit padded borders. */
function everyLayerModel(): Model {
  const nodes = [
    { name: 'c1', layer: new Conv2d({ inChannels: 3, outChannels: 8, kernel: 3, stride: 2, padding: 'same', seed: 1 }), inputs: [INPUT] },
    { name: 'lrelu', layer: new Activation('LeakyReLU', 0.2), inputs: ['c1'] },
    { name: 'c2', layer: new Conv2d({ inChannels: 8, outChannels: 8, kernel: 3, dilation: 2, padding: 2, groups: 2, bias: false, seed: 2 }), inputs: ['lrelu'] },
    { name: 'bn', layer: new BatchNorm2d({ channels: 8, eps: 1e-3 }), inputs: ['c2'] },
    { name: 'hswish', layer: new Activation('HardSwish'), inputs: ['bn'] },
    { name: 'sigmoid', layer: new Activation('Sigmoid'), inputs: ['lrelu'] },
    { name: 'tanh', layer: new Activation('Tanh'), inputs: ['c1'] },
    { name: 'sum3', layer: new Add(), inputs: ['hswish', 'sigmoid', 'tanh'] },
    { name: 'relu6', layer: new Activation('ReLU6'), inputs: ['c2'] },
    { name: 'cat', layer: new Concat(1), inputs: ['sum3', 'relu6'] },
    { name: 'avg', layer: new Pool2d('AvgPool2d', { kernel: 3, stride: 2, padding: 1 }), inputs: ['cat'] },
    { name: 'max', layer: new Pool2d('MaxPool2d', { kernel: 2, padding: 'same' }), inputs: ['avg'] },
    { name: 'drop', layer: new Dropout(0.3), inputs: ['max'] },
    { name: 'flat', layer: new Flatten(), inputs: ['drop'] },
    { name: 'fc', layer: new Linear({ inFeatures: 16 * 2 * 2, outFeatures: 5, seed: 3 }), inputs: ['flat'] },
  ];
  // Larger c2 weights push ReLU6's input past 6, so a wrong clip bound shows.
  const c2 = nodes[2]!.layer as Conv2d;
  c2.weight.assign(c2.weight.value.toArray().map((v) => 4 * v));
  return new Model('every-layer', [3, 12, 13], nodes);
}

describe('export: every layer option', () => {
  it('a DAG with all layer types and window options matches onnxruntime', async (t) => {
    const model = everyLayerModel();
    warmBatchNorm(model, 7);
    const { err, onnx } = await compareWithOrt(model, 8, 6);
    t.diagnostic(`every-layer: max rel error ${err.toExponential(2)}`);
    assert.ok(err <= 1e-4, `max relative error ${err}`);
    const ops = onnx.graph.nodes.map((n) => n.opType);
    for (const op of ['Conv', 'LeakyRelu', 'BatchNormalization', 'HardSwish', 'Sigmoid', 'Tanh', 'Clip', 'Concat', 'AveragePool', 'MaxPool', 'Identity', 'Flatten', 'Gemm']) {
      assert.ok(ops.includes(op), `no ${op} node in ${ops.join(', ')}`);
    }
    assert.equal(ops.filter((o) => o === 'Add').length, 2, 'a 3-input Add is two ONNX Adds');
    // 12x13 at stride 2 'same': out 6x7, total pads 1 (rows) and 2 (columns); the odd one goes at the bottom.
    assert.deepEqual(onnx.graph.nodes.find((n) => n.name === 'c1')!.attributes['pads'], { type: 'ints', value: [0, 1, 1, 1] });
    assert.deepEqual(onnx.graph.outputs[0]!.dims, ['N', 5]);
    expectInitializers(model, onnx);
    model.dispose();
  });
});

describe('export: pruning and quantization', () => {
  /** LeNet with ~90% of every weight masked out, seeded. */
  function prunedLenet(): { model: Model; masks: Map<string, Uint8Array> } {
    const model = createModel('lenet5', { seed: 11 });
    const rng = createRng(12);
    const masks = new Map<string, Uint8Array>();
    for (const [path, p] of model.namedParams()) {
      if (p.role !== 'weight') continue;
      const keep = Uint8Array.from({ length: p.size }, () => (rng.next() < 0.1 ? 1 : 0));
      p.setMask(new Mask(p.size, keep));
      masks.set(path, keep);
    }
    return { model, masks };
  }

  it('pruned weights are exact zeros at the mask positions, and the rest is untouched', async () => {
    const { model, masks } = prunedLenet();
    const dense = new Map(model.namedParams().map(([k, p]) => [k, p.value.toArray()]));
    const { err, onnx } = await compareWithOrt(model, 13);
    assert.ok(err <= 1e-4, `max relative error ${err}`);
    const inits = new Map(onnx.graph.initializers.map((t) => [t.name, t.data as Float32Array]));
    let zeros = 0, total = 0;
    for (const [path, keep] of masks) {
      const data = inits.get(path)!, before = dense.get(path)!;
      for (let i = 0; i < keep.length; i++) {
        if (keep[i] === 0) assert.ok(Object.is(data[i], 0), `${path}[${i}] = ${data[i]}, pruned`);
        else assert.ok(data[i] === before[i] && data[i] !== 0, `${path}[${i}] = ${data[i]}, kept value ${before[i]}`);
      }
      zeros += keep.length - keep.reduce((a, b) => a + b, 0);
      total += keep.length;
    }
    assert.ok(zeros / total > 0.85 && zeros / total < 0.95, `sparsity ${zeros / total}`);
    model.dispose();
  });

  it('the mask wins over a value written past it', () => {
    const { model, masks } = prunedLenet();
    const p = model.namedParams().find(([k]) => k === 'fc7.weight')![1];
    const i = masks.get('fc7.weight')!.indexOf(0);
    p.value.view()[i] = 0.5;
    const data = exportOnnxModel(model).graph.initializers.find((t) => t.name === 'fc7.weight')!.data;
    assert.ok(Object.is(data[i], 0));
    model.dispose();
  });

  it('a param transform exports its output (the weights our forward computes with)', async () => {
    const model = createModel('lenet5', { seed: 14 });
    const p = model.namedParams().find(([k]) => k === 'conv3.weight')![1];
    p.transform = (v) => relu(v);
    const expected = Float32Array.from(p.value.toArray(), (v) => Math.max(v, 0));
    const { err, onnx } = await compareWithOrt(model, 15);
    assert.ok(err <= 1e-4, `max relative error ${err}`);
    assert.deepEqual(onnx.graph.initializers.find((t) => t.name === 'conv3.weight')!.data, expected);
    model.dispose();
  });

  it('an output hook is refused, naming the node', () => {
    const model = createModel('lenet5', { seed: 16 });
    model.setOutputHook('relu1', (y) => y);
    assert.throws(() => exportOnnxModel(model), (e: unknown) => e instanceof OnnxExportError && e.node === 'relu1' && /output hook/.test(e.message));
    model.dispose();
  });
});

describe('export: errors', () => {
  class Swish extends Layer {
    forward(inputs: readonly Tensor[]): Tensor { return inputs[0]!; }
    config(): LayerConfig { return { type: 'Swish' }; }
  }
  it('an unknown layer type names the node and the type', () => {
    const model = new Model('odd', [1, 4, 4], [
      { name: 'conv', layer: new Conv2d({ inChannels: 1, outChannels: 2, kernel: 3 }), inputs: [INPUT] },
      { name: 'act', layer: new Swish(), inputs: ['conv'] },
    ]);
    assert.throws(() => exportOnnxModel(model), /ONNX export, node 'act': layer type 'Swish' has no ONNX mapping/);
    model.dispose();
  });
});

describe('prunequant export', () => {
  const run = runCli;

  it('writes the file and prints its path and size; onnxruntime runs it with our outputs', async () => {
    const model = createModel('lenet5', { seed: 17 });
    const p = model.namedParams().find(([k]) => k === 'fc7.weight')![1];
    const keep = Uint8Array.from({ length: p.size }, (_, i) => (i % 10 === 0 ? 1 : 0));
    p.setMask(new Mask(p.size, keep));
    const ckpt = join(dir, 'lenet.pqck'), out = join(dir, 'sub', 'lenet.onnx');
    saveCheckpoint(ckpt, model);
    const r = await run(['export', ckpt, '--format', 'onnx', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(json.path, resolve(out));
    assert.equal(json.bytes, statSync(out).size);
    const bytes = new Uint8Array(readFileSync(out));
    const fc = decodeOnnxModel(bytes).graph.initializers.find((t) => t.name === 'fc7.weight')!.data;
    assert.ok(Array.from(keep).every((k, i) => (k === 0) === (fc[i] === 0)), 'zero pattern of the file is the mask');
    const x = randomFloats(2 * 784, 18);
    const { logits } = await runOrt(bytes, { input: { data: x, dims: [2, 1, 28, 28] } });
    assert.ok(maxRelError(logits!.data, ours(model, x, 2), 1e-3) <= 1e-4);
    model.dispose();
  });

  it('bad arguments and activation-quantized checkpoints fail with a clear message', async () => {
    const ckpt = join(dir, 'lenet.pqck');
    let r = await run(['export', ckpt, '--format', 'tflite', '--out', join(dir, 'x')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown --format 'tflite'; known: onnx/);
    r = await run(['export', ckpt]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out FILE is required/);
    const model = createModel('lenet5', { seed: 19 });
    const quantized = join(dir, 'actq.pqck');
    saveCheckpoint(quantized, model, { meta: { quantization: { format: 'prunequant-quant', version: 1, weights: {}, activations: { relu1: {} }, foldedBn: [] } } });
    model.dispose();
    r = await run(['export', quantized, '--out', join(dir, 'actq.onnx')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /quantizes activations, which an fp32 ONNX graph cannot express/);
  });
});
