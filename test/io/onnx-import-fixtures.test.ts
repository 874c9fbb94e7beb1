/**
 * Models written the way other tools write them, built here: a PyTorch-style export (Shape →
 * Gather → Unsqueeze → Concat → Reshape flatten, symbolic batch, weights in an external data
 * file) and a tf2onnx-style NHWC graph (input Transpose, MatMul + Add dense layers, final
 * Softmax, doc string, metadata and an unknown ModelProto field). Each imports, evaluates like
 * onnxruntime-node, fine-tunes (loss falls), and exports to ONNX that onnxruntime runs alike.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ProtoWriter, attr, decodeOnnxModel, encodeOnnxModel, exportOnnxModel, loadOnnxModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo,
  withFinalActivation, type ImportedModel, type OnnxTensor,
} from '../../src/io/index.js';
import { Sgd } from '../../src/nn/index.js';
import { Tensor, backward, noGrad, scope, softmaxCrossEntropy, transpose } from '../../src/tensor/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { runOrt } from '../helpers/ort.js';
const assertClose = (a: ArrayLike<number>, e: ArrayLike<number>, rtol: number, atol: number, what: string) => expectAllClose(a, e, { rtol, atol, what });

const dir = mkdtempSync(join(tmpdir(), 'pq-onnx-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ints = (name: string, v: number[]) => makeTensor(name, [v.length], BigInt64Array.from(v, BigInt));
const weights = (name: string, dims: number[], seed: number, scale = 0.5) => makeTensor(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed, -scale, scale));

/** PyTorch 1.x `torch.onnx.export` of conv-relu-pool-flatten-fc-relu-fc, batch axis dynamic, weights external. */
function pytorchStyle(): string {
  const inits: OnnxTensor[] = [
    weights('conv.weight', [4, 1, 3, 3], 1), weights('conv.bias', [4], 2),
    weights('fc1.weight', [16, 64], 3, 0.2), weights('fc1.bias', [16], 4), weights('fc2.weight', [3, 16], 5), weights('fc2.bias', [3], 6),
    ints('onnx::Concat_9', [-1]),
  ];
  // The big tensors go to model.onnx.data, back to back, as torch's save_as_external_data does.
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const t of inits.filter((t) => t.name.endsWith('weight'))) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    t.external = { location: 'model.onnx.data', offset, length: bytes.length };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const nodes = [
    makeNode('Conv', ['input.1', 'conv.weight', 'conv.bias'], ['/conv/Conv_output_0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, { name: '/conv/Conv' }),
    makeNode('Relu', ['/conv/Conv_output_0'], ['/relu/Relu_output_0'], {}, { name: '/relu/Relu' }),
    makeNode('MaxPool', ['/relu/Relu_output_0'], ['/pool/MaxPool_output_0'], { kernel_shape: [2, 2], strides: [2, 2] }, { name: '/pool/MaxPool' }),
    makeNode('Shape', ['/pool/MaxPool_output_0'], ['/Shape_output_0'], {}, { name: '/Shape' }),
    makeNode('Constant', [], ['/Constant_output_0'], { value: makeTensor('', [], BigInt64Array.from([0n])) }, { name: '/Constant' }),
    makeNode('Gather', ['/Shape_output_0', '/Constant_output_0'], ['/Gather_output_0'], { axis: 0 }, { name: '/Gather' }),
    makeNode('Constant', [], ['/Constant_1_output_0'], { value: ints('', [0]) }, { name: '/Constant_1' }),
    makeNode('Unsqueeze', ['/Gather_output_0', '/Constant_1_output_0'], ['/Unsqueeze_output_0'], {}, { name: '/Unsqueeze' }),
    makeNode('Concat', ['/Unsqueeze_output_0', 'onnx::Concat_9'], ['/Concat_output_0'], { axis: 0 }, { name: '/Concat' }),
    makeNode('Reshape', ['/pool/MaxPool_output_0', '/Concat_output_0'], ['/Reshape_output_0'], {}, { name: '/Reshape' }),
    makeNode('Gemm', ['/Reshape_output_0', 'fc1.weight', 'fc1.bias'], ['/fc1/Gemm_output_0'], { alpha: attr.float(1), beta: attr.float(1), transB: 1 }, { name: '/fc1/Gemm' }),
    makeNode('Relu', ['/fc1/Gemm_output_0'], ['/relu_1/Relu_output_0'], {}, { name: '/relu_1/Relu' }),
    makeNode('Gemm', ['/relu_1/Relu_output_0', 'fc2.weight', 'fc2.bias'], ['output'], { alpha: attr.float(1), beta: attr.float(1), transB: 1 }, { name: '/fc2/Gemm' }),
  ];
  const graph = makeGraph({ name: 'main_graph', nodes, initializers: inits, inputs: [makeValueInfo('input.1', ['batch_size', 1, 8, 8])], outputs: [makeValueInfo('output', ['batch_size', 3])] });
  const path = join(dir, 'pytorch', 'model.onnx');
  mkdirSync(join(dir, 'pytorch'), { recursive: true });
  writeFileSync(path, encodeOnnxModel(makeModel(graph, { opset: 13, producerName: 'pytorch', producerVersion: '2.1.0' })));
  writeFileSync(join(dir, 'pytorch', 'model.onnx.data'), Buffer.concat(chunks));
  return path;
}


/** ModelProto fields our importer does not interpret: doc_string, metadata_props, and field 99 (unknown to onnx.proto). */
function extraFields(): Uint8Array[] {
  const doc = new ProtoWriter(); doc.string(6, 'a Keras model converted by tf2onnx');
  const meta = new ProtoWriter(); meta.message(14, (m) => { m.string(1, 'author'); m.string(2, 'keras2onnx test'); });
  const unknown = new ProtoWriter(); unknown.int64(99, 12345);
  return [doc.finish(), meta.finish(), unknown.finish()];
}

/** tf2onnx of a Keras Sequential: NHWC input, Conv2D, Flatten (in NHWC order), Dense x2 as MatMul + Add, softmax. */
function tf2onnxStyle(): string {
  const inits = [
    weights('sequential/conv2d/Conv2D/ReadVariableOp:0', [4, 3, 3, 3], 11), weights('sequential/conv2d/BiasAdd/ReadVariableOp:0', [4], 12),
    ints('const_fold_opt__12', [-1, 144]),
    weights('sequential/dense/MatMul/ReadVariableOp:0', [144, 10], 13, 0.15), weights('sequential/dense/BiasAdd/ReadVariableOp:0', [10], 14),
    weights('sequential/dense_1/MatMul/ReadVariableOp:0', [10, 5], 15), weights('sequential/dense_1/BiasAdd/ReadVariableOp:0', [5], 16),
  ];
  const nodes = [
    makeNode('Transpose', ['input_1'], ['input_1_T'], { perm: [0, 3, 1, 2] }, { name: 'sequential/conv2d/Conv2D__6' }),
    makeNode('Conv', ['input_1_T', inits[0]!.name, inits[1]!.name], ['conv_out'], { kernel_shape: [3, 3], strides: [1, 1], dilations: [1, 1], auto_pad: 'VALID', group: 1 }, { name: 'sequential/conv2d/BiasAdd' }),
    makeNode('Relu', ['conv_out'], ['relu_out'], {}, { name: 'sequential/conv2d/Relu' }),
    makeNode('Transpose', ['relu_out'], ['relu_out_T'], { perm: [0, 2, 3, 1] }, { name: 'sequential/conv2d/Relu__8' }),
    makeNode('Reshape', ['relu_out_T', 'const_fold_opt__12'], ['flat'], {}, { name: 'sequential/flatten/Reshape' }),
    makeNode('MatMul', ['flat', inits[3]!.name], ['mm1'], {}, { name: 'sequential/dense/MatMul' }),
    makeNode('Add', ['mm1', inits[4]!.name], ['dense1'], {}, { name: 'sequential/dense/BiasAdd' }),
    makeNode('Relu', ['dense1'], ['dense1_relu'], {}, { name: 'sequential/dense/Relu' }),
    makeNode('MatMul', ['dense1_relu', inits[5]!.name], ['mm2'], {}, { name: 'sequential/dense_1/MatMul' }),
    makeNode('Add', ['mm2', inits[6]!.name], ['logits'], {}, { name: 'sequential/dense_1/BiasAdd' }),
    makeNode('Softmax', ['logits'], ['dense_1'], { axis: -1 }, { name: 'sequential/dense_1/Softmax' }),
  ];
  const graph = makeGraph({ name: 'tf2onnx', nodes, initializers: inits, inputs: [makeValueInfo('input_1', ['unk__18', 8, 8, 3])], outputs: [makeValueInfo('dense_1', ['unk__19', 5])] });
  graph.docString = 'graph converted from a Keras Sequential';
  const model = makeModel(graph, { opset: 13, producerName: 'tf2onnx', producerVersion: '1.16.1 15c810' });
  model.extraFields = extraFields();
  const path = join(dir, 'tf2onnx.onnx');
  writeFileSync(path, encodeOnnxModel(model));
  return path;
}

/** Our output on NCHW data (the graph's final activation applied) and onnxruntime's on the file's layout. */
async function compareWithOrt(imported: ImportedModel, file: Uint8Array, inputName: string, batch: number, nhwc: boolean, seed: number): Promise<void> {
  const [c, h, w] = imported.model.inputShape;
  const nchw = randomFloats(batch * c * h * w, seed, -1, 1);
  const ours = scope(() => noGrad(() => withFinalActivation(imported, imported.model.forward(Tensor.from(nchw, [batch, c, h, w]))).toArray()));
  const feed = nhwc ? scope(() => transpose(Tensor.from(nchw, [batch, c, h, w]), [0, 2, 3, 1]).toArray()) : nchw;
  const ort = await runOrt(file, { [inputName]: { data: feed, dims: nhwc ? [batch, h, w, c] : [batch, c, h, w] } });
  assertClose(ours, Object.values(ort)[0]!.data, 1e-4, 1e-5, 'ours vs onnxruntime');
  // The export runs in onnxruntime with the same result, final Softmax included.
  const exported = await runOrt(exportOnnxModel(imported.model, { meta: imported.meta }), { input: { data: nchw, dims: [batch, c, h, w] } });
  assertClose(Object.values(exported)[0]!.data, ours, 1e-4, 1e-5, 'export in onnxruntime vs ours');
}

function fineTune(imported: ImportedModel, classes: number): number[] {
  const { model } = imported;
  const [c, h, w] = model.inputShape;
  const x = randomFloats(8 * c * h * w, 77, -1, 1);
  const labels = Int32Array.from({ length: 8 }, (_, i) => i % classes);
  const opt = new Sgd(model.params(), { momentum: 0.9 });
  const losses: number[] = [];
  for (let step = 0; step < 6; step++) {
    scope(() => {
      model.zeroGrad();
      const loss = softmaxCrossEntropy(model.forward(Tensor.from(x, [8, c, h, w]), { training: true }), labels);
      losses.push(loss.toArray()[0]!);
      backward(loss);
      opt.step(0.05);
    });
  }
  return losses;
}

describe('ONNX import of a PyTorch-style export', () => {
  const path = pytorchStyle();
  it('folds the flatten chain, reads external data, keeps the batch dynamic, and runs like onnxruntime', async () => {
    const imported = loadOnnxModel(path);
    assert.deepEqual(imported.model.nodes.map((n) => n.layer.config().type), ['Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear', 'ReLU', 'Linear']);
    assert.equal(imported.model.params().filter((p) => p.role === 'weight').length, 3, 'conv and both Gemms are prunable weights');
    // The model file refers to the data file; onnxruntime reads it from a path, so give it the path.
    await compareWithOrtPath(imported, path, 5);
    const losses = fineTune(imported, 3);
    assert.ok(losses[losses.length - 1]! < losses[0]!, `loss fell: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
    imported.model.dispose();
  });
});

async function compareWithOrtPath(imported: ImportedModel, path: string, batch: number): Promise<void> {
  const ort = await import('onnxruntime-node');
  const [c, h, w] = imported.model.inputShape;
  const x = randomFloats(batch * c * h * w, 21, -1, 1);
  const ours = scope(() => noGrad(() => imported.model.forward(Tensor.from(x, [batch, c, h, w])).toArray()));
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const out = await session.run({ 'input.1': new ort.Tensor(x, [batch, c, h, w]) });
    assertClose(ours, out['output']!.data as Float32Array, 1e-4, 1e-5, 'ours vs onnxruntime');
  } finally {
    await session.release();
  }
  const exported = await runOrt(exportOnnxModel(imported.model, { meta: imported.meta }), { input: { data: x, dims: [batch, c, h, w] } });
  assertClose(Object.values(exported)[0]!.data, ours, 1e-4, 1e-5, 'export in onnxruntime vs ours');
}

describe('ONNX import of a tf2onnx-style NHWC graph', () => {
  const path = tf2onnxStyle();
  it('imports as NCHW, folds MatMul + Add into Linear, keeps the final Softmax out of training, and runs like onnxruntime', async () => {
    const imported = loadOnnxModel(path);
    const meta = imported.meta['onnx'] as { inputLayout: string };
    assert.equal(meta.inputLayout, 'nhwc');
    assert.deepEqual(imported.meta['finalActivation'], { kind: 'softmax', axis: 1, coerce2d: false });
    assert.deepEqual(imported.model.inputShape, [3, 8, 8]);
    assert.deepEqual(imported.model.nodes.map((n) => n.layer.config().type), ['Conv2d', 'ReLU', 'Transpose', 'Flatten', 'Linear', 'ReLU', 'Linear']);
    await compareWithOrt(imported, new Uint8Array(readFileSync(path)), 'input_1', 4, true, 31);
    const losses = fineTune(imported, 5);
    assert.ok(losses[losses.length - 1]! < losses[0]!, `loss fell: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
    imported.model.dispose();
  });

  it('carries producer, doc strings, graph name, metadata and unknown ModelProto fields through import → export', () => {
    const imported = loadOnnxModel(path);
    const meta = imported.meta['onnx'] as { docString?: string; metadata: Record<string, string> };
    assert.equal(meta.docString, 'a Keras model converted by tf2onnx');
    assert.deepEqual(meta.metadata, { author: 'keras2onnx test' });
    const again = decodeOnnxModel(encodeOnnxModel(exportOnnxModel(imported.model, { meta: imported.meta })));
    assert.equal(again.producerName, 'tf2onnx');
    assert.equal(again.producerVersion, '1.16.1 15c810');
    assert.equal(again.graph.name, 'tf2onnx');
    assert.equal(again.graph.docString, 'graph converted from a Keras Sequential');
    assert.deepEqual(again.extraFields?.map((b) => Buffer.from(b).toString('hex')), extraFields().map((b) => Buffer.from(b).toString('hex')));
    imported.model.dispose();
  });
});
