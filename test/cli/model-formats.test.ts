/**
 * Commands on the user's own files: a folder of PNG images gives the accuracy the same images
 * give as MNIST; preprocessing given once (NHWC, 0-255 pixels) is stored in the pruned checkpoint
 * and its .pqm and used by later commands without being repeated; a TF.js model.json is taken
 * by eval, inspect and prune.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { loadDataset } from '../../src/data/index.js';
import { loadCheckpoint } from '../../src/nn/index.js';
import { saveTfjsModel } from '../../src/io/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-model-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = join(dir, 'base'), ckpt = join(base, 'model.pqck'), images = join(dir, 'images');
const N = 200;

async function ok(argv: string[]) {
  const r = await runCli([...argv, '--json']);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.json!;
}

before(async () => {
  await ok(['train', '--limit', '1000', '--epochs', '1', '--out', base]);
  // The first N MNIST test images as PNG files in class folders named by digit.
  const { test } = loadDataset('mnist', { limit: N });
  for (let i = 0; i < N; i++) {
    const png = new pngjs.PNG({ width: 28, height: 28 });
    for (let p = 0; p < 784; p++) {
      const v = Math.round(test.images[i * 784 + p]! * 255);
      png.data.set([v, v, v, 255], 4 * p);
    }
    const folder = join(images, String(test.labels[i]));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${i}.png`), pngjs.PNG.sync.write(png));
  }
});

describe('models and data in the formats users bring', () => {
  it('eval on a folder of PNGs equals eval on the same MNIST images', async () => {
    const mnist = await ok(['eval', ckpt, '--limit', String(N)]);
    const folder = await ok(['eval', ckpt, '--dataset', images, '--cache', join(dir, 'cache')]);
    assert.equal(folder['count'], N);
    assert.equal(folder['accuracy'], mnist['accuracy']);
    assert.ok(Math.abs(folder['loss'] - mnist['loss']) < 1e-5);
    const again = await ok(['eval', ckpt, '--dataset', images, '--cache', join(dir, 'cache')]);
    assert.equal(again['accuracy'], mnist['accuracy']);
  });

  it('preprocessing given once is stored with the pruned checkpoint and its .pqm, and used without being repeated', async () => {
    const before = await ok(['eval', ckpt, '--limit', String(N)]);
    const out = join(dir, 'pruned');
    // MNIST's standardization, said for 0-255 pixels: the same model input.
    const p = { layout: 'nhwc', range: '0-255', mean: [0.1307 * 255], std: [0.3081 * 255] };
    await ok(['prune', ckpt, '--sparsity', '0', '--finetune-epochs', '0', '--limit', String(N), '--out', out,
      '--layout', 'nhwc', '--range', '0-255', '--mean', String(p.mean[0]), '--std', String(p.std[0])]);
    const { meta, model } = loadCheckpoint(join(out, 'model.pqck'));
    model.dispose();
    assert.deepEqual(meta['preprocessing'], p);
    const evalPruned = await ok(['eval', join(out, 'model.pqck'), '--limit', String(N)]);
    assert.deepEqual(evalPruned['preprocessing'], p);
    assert.equal(evalPruned['preprocessingFrom'], 'model');
    assert.equal(evalPruned['accuracy'], before['accuracy']);
    const pqm = join(out, 'model.pqm');
    await ok(['export', join(out, 'model.pqck'), '--format', 'pqm', '--out', pqm]);
    assert.deepEqual((await ok(['inspect', pqm]))['preprocessing'], p);
    const evalPqm = await ok(['eval', pqm, '--limit', String(N)]);
    assert.equal(evalPqm['accuracy'], before['accuracy']);
  });

  it('a TF.js model.json is evaluated, inspected and pruned like the checkpoint it came from', async () => {
    const { model, meta } = loadCheckpoint(ckpt);
    const tfjs = join(dir, 'tfjs');
    const norm = meta['normalization'] as { mean: number; std: number };
    const { path } = saveTfjsModel(model, tfjs, { preprocessing: { layout: 'nchw', range: '0-1', mean: [norm.mean], std: [norm.std] } });
    model.dispose();
    const want = await ok(['eval', ckpt, '--limit', String(N)]);
    const got = await ok(['eval', path, '--limit', String(N)]);
    assert.equal(got['format'], 'tfjs');
    assert.equal(got['accuracy'], want['accuracy']);
    assert.ok(Math.abs(got['loss'] - want['loss']) < 1e-4);
    const info = await ok(['inspect', path]);
    assert.equal(info['params'], 61706);
    assert.equal(info['preprocessing']['layout'], 'nhwc');
    const pruned = await ok(['prune', path, '--sparsity', '0.5', '--finetune-epochs', '0', '--lr', '0.01', '--limit', String(N), '--out', join(dir, 'tfjs-pruned')]);
    assert.ok(Math.abs(pruned['sparsity'] - 0.5) < 1e-3);
  });

  it('an ONNX file written by our exporter is evaluated and inspected like its checkpoint', async () => {
    const onnx = join(dir, 'model.onnx');
    await ok(['export', ckpt, '--out', onnx]);
    const want = await ok(['eval', ckpt, '--limit', String(N)]);
    const got = await ok(['eval', onnx, '--limit', String(N)]);
    assert.equal(got['format'], 'onnx');
    assert.equal(got['accuracy'], want['accuracy']);
    assert.ok(Math.abs(got['loss'] - want['loss']) < 1e-4);
    assert.equal((await ok(['inspect', onnx]))['params'], 61706);
  });

  it('a dataset folder the model cannot take, or a model file of another format, is one clear line', async () => {
    const r = await runCli(['eval', ckpt, '--dataset', join(dir, 'tfjs')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /--dataset .*tfjs.*: a file where class folders belong/);
    const bad = join(dir, 'fake.json');
    writeFileSync(bad, 'PQCK');
    const r2 = await runCli(['eval', bad]);
    assert.equal(r2.code, 1, r2.stderr);
    assert.match(r2.stderr, /fake\.json: the name says a TF\.js Layers model\.json, but the file is a prunequant checkpoint/);
  });
});
