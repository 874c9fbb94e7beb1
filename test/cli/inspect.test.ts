/**
 * `prunequant inspect`: LeNet-5's parameter counts and per-sample shapes against hand-computed
 * values, sparsity after a known per-layer prune, bit widths of a quantized checkpoint, the file
 * size against fs.stat, the .pqm size against the file export writes, and the same table read
 * back from that .pqm.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneModel, postTrainingQuantize, saveQuantizedCheckpoint } from '../../src/compress/index.js';
import { DATASET_NORMALIZATION } from '../../src/data/index.js';
import { createModel, saveCheckpoint } from '../../src/nn/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-inspect-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const dense = join(dir, 'dense.pqck'), pruned = join(dir, 'pruned.pqck'), quantized = join(dir, 'q4.pqck');
const meta = { normalization: { ...DATASET_NORMALIZATION.mnist }, recipe: { dataset: 'mnist' } };

// LeNet-5 by hand: conv 1→6 5×5 pad 2 (28×28), pool 2 (14), conv 6→16 5×5 (10), pool 2 (5), 400 → 120 → 84 → 10.
const HAND = [
  { type: 'Conv2d', out: [6, 28, 28], weights: 6 * 1 * 25, params: 6 * 25 + 6 },
  { type: 'ReLU', out: [6, 28, 28], weights: 0, params: 0 },
  { type: 'MaxPool2d', out: [6, 14, 14], weights: 0, params: 0 },
  { type: 'Conv2d', out: [16, 10, 10], weights: 16 * 6 * 25, params: 16 * 6 * 25 + 16 },
  { type: 'ReLU', out: [16, 10, 10], weights: 0, params: 0 },
  { type: 'MaxPool2d', out: [16, 5, 5], weights: 0, params: 0 },
  { type: 'Flatten', out: [400], weights: 0, params: 0 },
  { type: 'Linear', out: [120], weights: 400 * 120, params: 400 * 120 + 120 },
  { type: 'ReLU', out: [120], weights: 0, params: 0 },
  { type: 'Linear', out: [84], weights: 120 * 84, params: 120 * 84 + 84 },
  { type: 'ReLU', out: [84], weights: 0, params: 0 },
  { type: 'Linear', out: [10], weights: 84 * 10, params: 84 * 10 + 10 },
];
const TOTAL = HAND.reduce((s, l) => s + l.params, 0);

before(() => {
  const model = createModel('lenet5', { seed: 3 });
  saveCheckpoint(dense, model, { meta });
  pruneModel(model, { sparsity: 0.5, scope: 'layer' });
  saveCheckpoint(pruned, model, { meta });
  saveQuantizedCheckpoint(quantized, postTrainingQuantize(model, { weights: { bits: 4 } }), meta);
  model.dispose();
});

async function inspect(path: string) {
  const r = await runCli(['inspect', path, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return r.json!;
}

describe('prunequant inspect', () => {
  it('LeNet-5: layers, per-sample shapes and parameter counts as computed by hand; file size as fs.stat says', async () => {
    const r = await inspect(dense);
    assert.equal(TOTAL, 61706);
    assert.equal(r['params'], TOTAL);
    assert.equal(r['format'], 'pqck');
    assert.deepEqual(r['inputShape'], [1, 28, 28]);
    assert.deepEqual(r['outputShape'], [10]);
    assert.deepEqual(r['layers'].map((l: any) => ({ type: l.type, out: l.outputShape, weights: l.weights, params: l.params })), HAND);
    assert.equal(r['sparsity'], 0);
    assert.deepEqual(r['bits'], []);
    assert.equal(r['fileBytes'], statSync(dense).size);
    assert.deepEqual(r['preprocessing'], { layout: 'nchw', range: '0-1', mean: [0.1307], std: [0.3081] });
  });

  it('sparsity after pruning each layer to 50%: half of every weight tensor', async () => {
    const r = await inspect(pruned);
    for (const [i, l] of r['layers'].entries()) {
      assert.equal(l.zeroWeights, HAND[i]!.weights / 2, `layer ${l.name}`);
      if (l.weights > 0) assert.equal(l.sparsity, 0.5);
    }
    assert.equal(r['zeroWeights'], 61470 / 2);
  });

  it('a quantized checkpoint shows its bit width; the .pqm size is that of the file export writes, and inspecting that file agrees', async () => {
    const r = await inspect(quantized);
    assert.deepEqual(r['bits'], [4]);
    for (const l of r['layers']) assert.equal(l.bits, l.weights > 0 ? 4 : null);
    const pqm = join(dir, 'q4.pqm');
    const e = await runCli(['export', quantized, '--format', 'pqm', '--out', pqm]);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(r['pqmBytes'], statSync(pqm).size);
    const back = await inspect(pqm);
    assert.equal(back['format'], 'pqm');
    assert.equal(back['fileBytes'], statSync(pqm).size);
    assert.equal(back['params'], TOTAL);
    assert.deepEqual(back['bits'], [4]);
    assert.deepEqual(back['layers'].map((l: any) => [l.outputShape, l.params, l.zeroWeights]), r['layers'].map((l: any) => [l.outputShape, l.params, l.zeroWeights]));
    assert.deepEqual(back['preprocessing'], r['preprocessing']);
  });

  it('prints a table without --json', async () => {
    const r = await runCli(['inspect', pruned]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /params 61,706; weights 61,470, 50\.0% zero/);
    assert.match(r.stdout, /fc7\s+Linear\s+120\s+48,120\s+50\.0% of 48,000\s+f32/);
  });

  it('refuses a file whose contents disagree with its name, an unknown extension and a missing file, in one line', async () => {
    const fake = join(dir, 'fake.onnx');
    copyFileSync(dense, fake);
    // A name no reader takes is a usage error (2); a file that is missing or not what its name says fails (1).
    for (const [path, pattern, code] of [
      [fake, /fake\.onnx: the name says an ONNX model \(protobuf\), but the file is a prunequant checkpoint/, 1],
      [join(dir, 'model.bin'), /unknown model file type; expected \.pqck/, 2],
      [join(dir, 'none.pqck'), /none\.pqck: cannot read checkpoint \(ENOENT\)/, 1],
    ] as const) {
      const r = await runCli(['inspect', path]);
      assert.equal(r.code, code, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, pattern);
    }
  });
});
