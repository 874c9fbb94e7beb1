/**
 * Stage 6's other formats: a chosen model's checkpoint written as ONNX (fp32 for a float model,
 * int8 QDQ for a quantized one) and TF.js. onnxruntime-node runs each ONNX file to our outputs,
 * the sizes recorded are the files' sizes on disk, and a format that cannot express the model
 * is recorded with its reason instead of failing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { Activation, Conv2d, Flatten, Linear, Model, createModel, saveCheckpoint } from '../../src/nn/index.js';
import { postTrainingQuantize } from '../../src/compress/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { exportChosenModel } from '../../src/study/export-formats.js';
import { runOrt } from '../helpers/ort.js';

const N = 4;
const input = Float32Array.from({ length: N * 784 }, (_, i) => Math.sin(i * 0.37) * 1.5);

function forward(model: Model): Float32Array {
  return scope(() => noGrad(() => model.forward(Tensor.from(input, [N, 1, 28, 28]), { training: false }).toArray()));
}

async function ortOutput(path: string): Promise<Float32Array> {
  const out = await runOrt(new Uint8Array(readFileSync(path)), { input: { data: input, dims: [N, 1, 28, 28] } });
  return Object.values(out)[0]!.data;
}

function tfjsBytes(modelJson: string): number {
  const manifest = JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const shards = manifest.weightsManifest.flatMap((g) => g.paths).map((p) => statSync(join(dirname(modelJson), p)).size);
  return statSync(modelJson).size + shards.reduce((a, b) => a + b, 0);
}

test('a float model: fp32 ONNX and TF.js, sizes on disk, onnxruntime gives our logits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pq-export-formats-'));
  const model = createModel('lenet5', { seed: 3 });
  saveCheckpoint(join(dir, 'model.pqck'), model);
  const exports = exportChosenModel(join(dir, 'model.pqck'), join(dir, 'baseline'));
  assert.deepEqual(exports.map((e) => [e.format, e.error]), [['onnx', null], ['tfjs', null]]);
  assert.equal(exports[0]!.path, join(dir, 'baseline.onnx'));
  assert.equal(exports[0]!.bytes, statSync(join(dir, 'baseline.onnx')).size);
  assert.equal(exports[1]!.bytes, tfjsBytes(join(dir, 'baseline.tfjs', 'model.json')));
  const ours = forward(model), theirs = await ortOutput(join(dir, 'baseline.onnx'));
  ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]!) <= 1e-4 * (1 + Math.abs(v)), `logit ${i}: ${v} vs ${theirs[i]}`));
  model.dispose();
});

test('a trial that quantizes its weights: int8 QDQ ONNX that onnxruntime runs to the quantized model\'s logits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pq-export-formats-'));
  const model = createModel('lenet5', { seed: 4 });
  // A trial's checkpoint holds its float weights, and its spec the quantization it deploys with.
  const quant = { bits: 4, granularity: 'channel' as const, symmetric: true, roundSurvivorsToZero: true };
  saveCheckpoint(join(dir, 'model.pqck'), model, { meta: { trial: { quant } } });
  const q = postTrainingQuantize(model, { weights: { bits: 4, granularity: 'channel', symmetric: true, roundSurvivorsToZero: true } });
  const exports = exportChosenModel(join(dir, 'model.pqck'), join(dir, 'best-bits'));
  assert.deepEqual(exports.map((e) => [e.format, e.error]), [['onnx-int8', null], ['tfjs', null]]);
  assert.equal(exports[0]!.bytes, statSync(join(dir, 'best-bits.int8.onnx')).size);
  // int8 codes instead of float32 weights: the file is much smaller than the fp32 weights.
  assert.ok(exports[0]!.bytes! < 4 * model.paramCount() / 2, `${exports[0]!.bytes} bytes`);
  const ours = forward(q.model), theirs = await ortOutput(join(dir, 'best-bits.int8.onnx'));
  ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]!) <= 1e-4 * (1 + Math.abs(v)), `logit ${i}: ${v} vs ${theirs[i]}`));
  q.model.dispose();
  model.dispose();
});

test('a format that cannot express the model is recorded with its reason; the others are written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pq-export-formats-'));
  // TF.js Layers has no HardSwish.
  const model = Model.sequential('hs', [1, 28, 28], [
    new Conv2d({ inChannels: 1, outChannels: 2, kernel: 3 }), new Activation('HardSwish'), new Flatten(), new Linear({ inFeatures: 2 * 26 * 26, outFeatures: 10 }),
  ]);
  saveCheckpoint(join(dir, 'model.pqck'), model);
  const exports = exportChosenModel(join(dir, 'model.pqck'), join(dir, 'm'));
  assert.equal(exports[0]!.format, 'onnx');
  assert.equal(exports[0]!.error, null);
  assert.equal(exports[1]!.format, 'tfjs');
  assert.equal(exports[1]!.path, null);
  assert.equal(exports[1]!.bytes, null);
  assert.match(exports[1]!.error ?? '', /HardSwish/);
  model.dispose();
});
