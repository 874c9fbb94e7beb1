/**
 * One meaning for an imported model's final softmax (meta.finalActivation): an ONNX model ending
 * in Softmax, imported and exported to TF.js, gives in tfjs-layers the probabilities
 * onnxruntime gives for the original; a TF.js model ending in softmax, imported and exported to
 * ONNX, gives in onnxruntime what tfjs-layers gives for the original. The record survives prune
 * and quantize checkpoints on the CLI, so their exports keep the softmax too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  TfjsFormatError, attr, decodeOnnxModel, encodeOnnxModel, exportOnnxModel, finalActivationOf, loadOnnxModel, loadTfjsModel,
  makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, saveOnnxModel, saveTfjsModel,
} from '../../src/io/index.js';
import { loadCheckpoint } from '../../src/nn/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { runCli } from '../helpers/cli.js';
import { runOrt } from '../helpers/ort.js';
import { saveLayersModel, tfjsPredict } from '../helpers/tfjs.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-final-act-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await tf.setBackend('cpu');
});

const weights = (name: string, dims: number[], seed: number, scale: number) => makeTensor(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed, -scale, scale));

/** conv 3×3 (4) → relu → maxpool 2 → flatten → gemm (10) → `final`, on MNIST-shaped input, as a PyTorch export writes it. */
function mnistOnnx(final: 'Softmax' | 'LogSoftmax', opset = 13): Uint8Array {
  const nodes = [
    makeNode('Conv', ['x', 'conv.w', 'conv.b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv' }),
    makeNode('Relu', ['c'], ['r'], {}, { name: 'relu' }),
    makeNode('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }, { name: 'pool' }),
    makeNode('Flatten', ['p'], ['f'], { axis: 1 }, { name: 'flatten' }),
    makeNode('Gemm', ['f', 'fc.w', 'fc.b'], ['logits'], { alpha: attr.float(1), beta: attr.float(1), transB: 1 }, { name: 'fc' }),
    makeNode(final, ['logits'], ['probs'], { axis: 1 }, { name: 'final' }),
  ];
  // Weights big enough that the probabilities are far from uniform (a dropped softmax would show).
  const inits = [weights('conv.w', [4, 1, 3, 3], 1, 0.8), weights('conv.b', [4], 2, 0.2), weights('fc.w', [10, 784], 3, 0.6), weights('fc.b', [10], 4, 2)];
  const graph = makeGraph({ name: 'torch_jit', nodes, initializers: inits, inputs: [makeValueInfo('x', ['N', 1, 28, 28])], outputs: [makeValueInfo('probs', ['N', 10])] });
  return encodeOnnxModel(makeModel(graph, { opset, producerName: 'pytorch', producerVersion: '1.13.1' }));
}

const N = 4;
const x = randomFloats(N * 784, 7, 0, 1);
const rowSums = (y: Float32Array, k: number) => Array.from({ length: y.length / k }, (_, r) => y.subarray(r * k, (r + 1) * k).reduce((a, b) => a + b, 0));

describe('one final activation across ONNX and TF.js', () => {
  it('ONNX ending in Softmax → import → TF.js export: tfjs-layers gives the probabilities onnxruntime gives for the original (1e-4)', async () => {
    const path = join(dir, 'softmax.onnx');
    writeFileSync(path, mnistOnnx('Softmax'));
    const expected = (await runOrt(readFileSync(path), { x: { data: x, dims: [N, 1, 28, 28] } }))['probs']!.data;
    assert.ok(Math.max(...expected) > 0.5, 'the fixture is confident somewhere, so a missing softmax could not pass');
    const imported = loadOnnxModel(path);
    try {
      assert.deepEqual(imported.meta['finalActivation'], { kind: 'softmax', axis: 1, coerce2d: false });
      const json = saveTfjsModel(imported.model, join(dir, 'from-onnx'), { finalActivation: finalActivationOf(imported.meta) }).path;
      const got = await tfjsPredict(json, x, [N, 1, 28, 28]);
      expectAllClose(got, expected, { atol: 1e-4, rtol: 0, what: 'tfjs vs onnxruntime probabilities' });
    } finally {
      imported.model.dispose();
    }
  });

  it('TF.js ending in a softmax → import → ONNX export: onnxruntime gives what tfjs-layers gives for the original (1e-4)', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 3, kernelSize: 3, activation: 'relu', name: 'c', kernelInitializer: tfl.initializers.randomUniform({ minval: -0.8, maxval: 0.8, seed: 5 }) }),
        tfl.layers.maxPooling2d({ poolSize: 2, name: 'p' }),
        tfl.layers.flatten({ name: 'f' }),
        tfl.layers.dense({ units: 10, activation: 'softmax', name: 'd', kernelInitializer: tfl.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 6 }) }),
      ],
    });
    const json = await saveLayersModel(m, join(dir, 'keras'));
    const expected = await tfjsPredict(json, x, [N, 1, 28, 28]);
    m.dispose();
    const imported = loadTfjsModel(json);
    try {
      assert.deepEqual(imported.meta['finalActivation'], { kind: 'softmax', axis: 1, coerce2d: false });
      const onnxPath = join(dir, 'from-tfjs.onnx');
      saveOnnxModel(onnxPath, imported.model, { meta: imported.meta });
      const out = await runOrt(readFileSync(onnxPath), { input: { data: x, dims: [N, 1, 28, 28] } });
      assert.ok(out['probabilities'], `outputs: ${Object.keys(out).join(', ')}`);
      expectAllClose(out['probabilities']!.data, expected, { atol: 1e-4, rtol: 0, what: 'onnxruntime vs tfjs probabilities' });
    } finally {
      imported.model.dispose();
    }
  });

  it('a LogSoftmax is written back to ONNX, and refused by TF.js export, which has none, naming it', async () => {
    const path = join(dir, 'logsoftmax.onnx');
    writeFileSync(path, mnistOnnx('LogSoftmax', 11));
    const expected = (await runOrt(readFileSync(path), { x: { data: x, dims: [N, 1, 28, 28] } }))['probs']!.data;
    const imported = loadOnnxModel(path);
    try {
      assert.deepEqual(imported.meta['finalActivation'], { kind: 'log-softmax', axis: 1, coerce2d: true });
      const again = await runOrt(exportOnnxModel(imported.model, { meta: imported.meta }), { input: { data: x, dims: [N, 1, 28, 28] } });
      expectAllClose(again['probabilities']!.data, expected, { atol: 1e-4, rtol: 0, what: 'LogSoftmax re-exported' });
      assert.throws(() => saveTfjsModel(imported.model, join(dir, 'never'), { finalActivation: finalActivationOf(imported.meta) }),
        (e: Error) => e instanceof TfjsFormatError && /final activation: log-softmax has no TF\.js Layers equivalent/.test(e.message));
    } finally {
      imported.model.dispose();
    }
  });

  it('prune and quantize checkpoints of an imported model keep it, and their exports end in the softmax', { timeout: 120_000 }, async () => {
    const onnx = join(dir, 'cli.onnx');
    writeFileSync(onnx, mnistOnnx('Softmax'));
    const ok = async (argv: string[]) => {
      const r = await runCli([...argv, '--json']);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    };
    await ok(['prune', onnx, '--sparsity', '0.5', '--finetune-epochs', '0', '--lr', '0.01', '--limit', '64', '--out', join(dir, 'pruned')]);
    const pruned = join(dir, 'pruned', 'model.pqck');
    const { model, meta } = loadCheckpoint(pruned);
    model.dispose();
    assert.deepEqual(meta['finalActivation'], { kind: 'softmax', axis: 1, coerce2d: false });
    await ok(['export', pruned, '--format', 'onnx', '--out', join(dir, 'pruned.onnx')]);
    await ok(['export', pruned, '--format', 'tfjs', '--out', join(dir, 'pruned-tfjs')]);
    const viaOrt = (await runOrt(readFileSync(join(dir, 'pruned.onnx')), { input: { data: x, dims: [N, 1, 28, 28] } }))['probabilities']!.data;
    const viaTfjs = await tfjsPredict(join(dir, 'pruned-tfjs', 'model.json'), x, [N, 1, 28, 28]);
    for (const s of rowSums(viaOrt, 10)) assert.ok(Math.abs(s - 1) < 1e-5, `onnxruntime row sum ${s}`);
    expectAllClose(viaTfjs, viaOrt, { atol: 1e-4, rtol: 0, what: 'pruned: tfjs vs onnxruntime' });

    await ok(['quantize', pruned, '--bits', '8', '--activations', 'uint8', '--calibration-batches', '2', '--limit', '64', '--out', join(dir, 'quantized')]);
    const quantized = join(dir, 'quantized', 'model.pqck');
    await ok(['export', quantized, '--format', 'onnx-int8', '--out', join(dir, 'q.onnx')]);
    const q = decodeOnnxModel(readFileSync(join(dir, 'q.onnx')), 'q.onnx');
    assert.deepEqual(q.graph.outputs.map((o) => o.name), ['probabilities']);
    assert.equal(q.graph.nodes.at(-1)!.opType, 'Softmax');
    const viaInt8 = (await runOrt(readFileSync(join(dir, 'q.onnx')), { input: { data: x, dims: [N, 1, 28, 28] } }))['probabilities']!.data;
    for (const s of rowSums(viaInt8, 10)) assert.ok(Math.abs(s - 1) < 1e-5, `int8 row sum ${s}`);
  });
});
