/**
 * `prunequant export --format tfjs|onnx-int8`: the files land where --out says, say what they
 * are, load back (TF.js through our importer, int8 ONNX through onnxruntime-node), existing
 * outputs are refused without --force, and option mistakes exit 2 before any work.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postTrainingQuantize, saveQuantizedCheckpoint } from '../../src/compress/index.js';
import { batchSource } from '../../src/data/index.js';
import { decodeOnnxModel, loadTfjsModel } from '../../src/io/index.js';
import { createModel, saveCheckpoint, type Model } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { maxRelError, randomFloats } from '../helpers/assert.js';
import { runCli } from '../helpers/cli.js';
import { runOrt } from '../helpers/ort.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-export-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const floatCk = join(dir, 'float.pqck'), quantCk = join(dir, 'int8.pqck');
let model: Model;

const ours = (m: Model, x: Float32Array, n: number) => scope(() => noGrad(() => m.forward(Tensor.from(x, [n, ...m.inputShape])).toArray()));

before(() => {
  model = createModel('lenet5', { seed: 9 });
  saveCheckpoint(floatCk, model, { meta: { preprocessing: { layout: 'nchw', range: '0-1', mean: [0.1307], std: [0.3081] } } });
  const source = batchSource({ name: 'rand', shape: [1, 28, 28], count: 64, classes: 10, images: randomFloats(64 * 784, 1, 0, 1), labels: new Int32Array(64) });
  const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source, batches: 1, batchSize: 64 } });
  saveQuantizedCheckpoint(quantCk, q);
  q.model.dispose();
});
after(() => model.dispose());

describe('prunequant export --format tfjs', () => {
  it('writes DIR/model.json and its shard, which import with our outputs and the stored preprocessing', async () => {
    const out = join(dir, 'web');
    const r = await runCli(['export', floatCk, '--format', 'tfjs', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json!['path'], join(out, 'model.json'));
    assert.ok(existsSync(join(out, 'group1-shard1of1.bin')));
    const back = loadTfjsModel(join(out, 'model.json'));
    try {
      assert.deepEqual(back.preprocessing, { layout: 'nhwc', range: '0-1', mean: [0.1307], std: [0.3081] });
      const x = randomFloats(2 * 784, 2, 0, 1);
      assert.ok(maxRelError(ours(back.model, x, 2), ours(model, x, 2), 1e-3) < 1e-5);
    } finally {
      back.model.dispose();
    }
    const again = await runCli(['export', floatCk, '--format', 'tfjs', '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /model\.json already exists.*--force/);
    const forced = await runCli(['export', floatCk, '--format', 'tfjs', '--out', join(out, 'model.json'), '--force', '--tfjs-quantize', 'uint8']);
    assert.equal(forced.code, 0, forced.stderr);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    assert.ok(json.weightsManifest[0].weights.every((w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'uint8'));
  });

  it('refuses a stale shard without --force, a bad --tfjs-quantize, and --tfjs-quantize with another format', async () => {
    const out = join(dir, 'stale');
    mkdirSync(out);
    writeFileSync(join(out, 'group1-shard1of2.bin'), 'old');
    const r = await runCli(['export', floatCk, '--format', 'tfjs', '--out', out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /group1-shard1of2\.bin already exists/);
    const bad = await runCli(['export', floatCk, '--format', 'tfjs', '--out', join(dir, 'x'), '--tfjs-quantize', 'int4']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown --tfjs-quantize 'int4'; known: uint8, uint16, float16/);
    const wrong = await runCli(['export', floatCk, '--format', 'onnx', '--out', join(dir, 'x.onnx'), '--tfjs-quantize', 'uint8']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--tfjs-quantize applies to --format tfjs only/);
    assert.equal(existsSync(join(dir, 'x.onnx')), false);
  });
});

describe('prunequant export --format onnx-int8', () => {
  it('writes a QDQ model that onnxruntime runs, and refuses a float checkpoint', async () => {
    const out = join(dir, 'int8.onnx');
    const r = await runCli(['export', quantCk, '--format', 'onnx-int8', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json!['activations'], 'uint8');
    const bytes = readFileSync(out);
    const ops = decodeOnnxModel(bytes).graph.nodes.map((n) => n.opType);
    assert.ok(ops.includes('QuantizeLinear') && ops.includes('DequantizeLinear'));
    const { logits } = await runOrt(new Uint8Array(bytes), { input: { data: randomFloats(784, 3, 0, 1), dims: [1, 1, 28, 28] } });
    assert.equal(logits!.data.length, 10);
    const float = await runCli(['export', floatCk, '--format', 'onnx-int8', '--out', join(dir, 'f.onnx')]);
    assert.equal(float.code, 1);
    assert.match(float.stderr, /float\.pqck is not quantized; onnx-int8 needs/);
    const fp32 = await runCli(['export', quantCk, '--format', 'tfjs', '--out', join(dir, 'q-web')]);
    assert.equal(fp32.code, 1);
    assert.match(fp32.stderr, /quantizes activations.*use --format onnx-int8/);
  });
});
