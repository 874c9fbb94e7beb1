/**
 * `train --dataset FOLDER` on generated PNG folders: the model is built for the folder's shape and
 * classes, learns three easily told shapes and is tested on a held-out split carved from a folder
 * without split folders; later commands test on that same split (prune's baseline and quantize's
 * accuracy before equal train's last test accuracy), eval takes the whole folder, --resume knows
 * the folder by its absolute path, and bad folders give one line naming the problem.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadCheckpoint } from '../../src/nn/index.js';
import { runCli } from '../helpers/cli.js';
import { writeColorFolder, writeGrayPng, writeShapesFolder } from '../helpers/image-folder.js';

const root = mkdtempSync(join(tmpdir(), 'pq-train-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));
const shapes = join(root, 'shapes'), colors = join(root, 'colors');
const QUICK = ['--epochs', '8', '--batch-size', '16', '--lr', '0.02', '--seed', '3'];

async function ok(argv: string[]) {
  const r = await runCli([...argv, '--json']);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.json!;
}

async function refused(argv: string[], pattern: RegExp, code = 1) {
  const r = await runCli(argv);
  assert.equal(r.code, code, `${argv.join(' ')}: exit ${r.code}, ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, no stack trace: ${r.stderr}`);
}

before(() => {
  writeShapesFolder(shapes, 60, 1);
  writeColorFolder(colors, 24, 2);
});

describe('train --dataset FOLDER', () => {
  const run = join(root, 'run');
  let trained: Record<string, any>;
  before(async () => {
    trained = await ok(['train', '--dataset', shapes, ...QUICK, '--out', run]);
  });

  it('builds the model for the folder, carves a held-out test split and learns it', () => {
    assert.deepEqual(trained['inputShape'], [1, 28, 28]);
    assert.equal(trained['classes'], 3);
    assert.equal(trained['split'], 'carved');
    assert.equal(trained['trainCount'], 150);
    assert.equal(trained['testCount'], 30); // 60 per class in blocks of 6: exactly 10 each
    assert.deepEqual(trained['carve'], { seed: 3, oneIn: 6 });
    assert.ok(trained['testAccuracy'] >= 0.9, `held-out accuracy ${trained['testAccuracy']}`);
    assert.equal(trained['preprocessingFrom'], 'computed');
    // Noise in [0, 40) plus bars of 200 on a black field: the mean pixel is well inside (0, 0.5).
    const p = trained['preprocessing'];
    assert.ok(p.mean[0] > 0.05 && p.mean[0] < 0.5 && p.std[0] > 0.05, JSON.stringify(p));
    const { meta, model } = loadCheckpoint(join(run, 'model.pqck'));
    model.dispose();
    assert.deepEqual(meta['preprocessing'], p);
    const recipe = meta['recipe'] as Record<string, unknown>;
    assert.equal(recipe['dataset'], shapes);
    assert.deepEqual(recipe['carve'], { seed: 3, oneIn: 6 });
    assert.ok(readdirSync(join(run, 'dataset-cache')).some((f) => f.endsWith('.pqds')), 'decoded once into OUT/dataset-cache');
  });

  it('prune and quantize test on the split training held out; eval takes the whole folder', async () => {
    const ckpt = join(run, 'model.pqck');
    // Another --seed: the recorded carve still wins, so the baseline is train's own test accuracy.
    const pruned = await ok(['prune', ckpt, '--sparsity', '0.3', '--finetune-epochs', '1', '--seed', '9', '--out', join(root, 'pruned')]);
    assert.equal(pruned['split'], 'carved');
    assert.equal(pruned['testCount'], 30);
    assert.equal(pruned['baseline'], trained['testAccuracy']);
    const q = await ok(['quantize', ckpt, '--bits', '8', '--seed', '5', '--out', join(root, 'quantized')]);
    assert.equal(q['split'], 'carved');
    assert.equal(q['accuracyBefore'], trained['testAccuracy']);
    // Accuracy may be 100% on any split; the loss tells the held-out images apart.
    assert.ok(Math.abs(q['lossBefore'] - trained['testLoss']) < 1e-5 * Math.max(1, trained['testLoss']), `${q['lossBefore']} vs ${trained['testLoss']}`);
    const whole = await ok(['eval', ckpt]);
    assert.equal(whole['split'], 'whole');
    assert.equal(whole['count'], 180);
    assert.equal(whole['includesTrainingImages'], true);
    assert.equal(whole['preprocessingFrom'], 'model');
  });

  it('--resume knows the folder by its absolute path and refuses another', async () => {
    const rel = relative(process.cwd(), shapes);
    const resumed = await ok(['train', '--resume', '--dataset', rel, '--epochs', '9', '--seed', '4', '--out', run]);
    assert.equal(resumed['epochs'].length, 9);
    assert.equal(resumed['testCount'], 30);
    assert.deepEqual(resumed['carve'], { seed: 3, oneIn: 6 }, 'the carve stays the one training began with');
    await refused(['train', '--resume', '--dataset', colors, '--epochs', '10', '--out', run], /--resume: .*model\.pqck was trained with --dataset '.*shapes', this run gives '.*colors'/, 2);
    await refused(['train', '--resume', '--input-shape', '1,32,32', '--epochs', '10', '--out', run], /takes 1,28,28 inputs, this run gives --input-shape 1,32,32/, 2);
  });
});

describe('train on other folders', () => {
  it('a color folder builds a 3-channel model; --input-shape resizes; given --mean/--std are stored', async () => {
    const r = await ok(['train', '--dataset', colors, ...QUICK, '--out', join(root, 'color')]);
    assert.deepEqual(r['inputShape'], [3, 12, 12]);
    assert.equal(r['testCount'], 12);
    assert.ok(r['testAccuracy'] >= 0.9, `held-out accuracy ${r['testAccuracy']}`);
    assert.equal(r['preprocessing'].mean.length, 3);
    const s = await ok(['train', '--dataset', colors, '--input-shape', '1,16,16', '--epochs', '1', '--mean', '0.25', '--std', '0.5', '--out', join(root, 'gray16')]);
    assert.deepEqual(s['inputShape'], [1, 16, 16]);
    assert.equal(s['preprocessingFrom'], 'options');
    assert.deepEqual(s['preprocessing'], { layout: 'nchw', range: '0-1', mean: [0.25], std: [0.5] });
  });

  it('a folder with train/ and test/ keeps its own split', async () => {
    const dir = join(root, 'split');
    for (const [s, n] of [['train', 6], ['test', 2]] as const) {
      for (const c of ['a', 'b']) for (let i = 0; i < n; i++) writeGrayPng(join(dir, s, c, `${i}.png`), 28, 28, (x) => (c === 'a' ? x * 9 : 250 - x * 9));
    }
    const r = await ok(['train', '--dataset', dir, '--epochs', '1', '--out', join(root, 'split-run')]);
    assert.equal(r['split'], 'folders');
    assert.deepEqual([r['trainCount'], r['testCount']], [12, 4]);
  });

  it('bad folders: one line naming the problem, nothing written', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await refused(['train', '--dataset', empty, '--out', join(root, 'x1')], /--dataset .*empty: no class folders/);
    const noImages = join(root, 'no-images');
    writeGrayPng(join(noImages, 'a', '0.png'), 4, 4, () => 1);
    mkdirSync(join(noImages, 'b'));
    await refused(['train', '--dataset', noImages, '--out', join(root, 'x2')], /--dataset .*no-images.b: class folder 'b' is empty/);
    const mixed = join(root, 'mixed');
    writeGrayPng(join(mixed, 'a', '0.png'), 4, 4, () => 1);
    writeGrayPng(join(mixed, 'b', '0.png'), 5, 4, () => 1);
    await refused(['train', '--dataset', mixed, '--out', join(root, 'x3')], /--dataset .*mixed: images differ in size \(a.0\.png is 4×4, b.0\.png is 5×4\); give --input-shape C,H,W/);
    await refused(['train', '--dataset', join(root, 'none'), '--out', join(root, 'x4')], /unknown dataset '.*none'; known datasets: mnist, fashion-mnist, or a folder \(no folder/, 2);
    await refused(['train', '--dataset', colors, '--input-shape', '2,8,8', '--out', join(root, 'x5')], /--input-shape: images feed 1 \(gray\) or 3 \(RGB\) channels, got 2/, 2);
    await refused(['train', '--dataset', mixed, '--input-shape', '1,4,4', '--out', join(root, 'x7')], /--dataset .*mixed: 2 image\(s\) are too few to hold out a test split of 1 in 6 per class/);
    await refused(['train', '--dataset', colors, '--input-shape', '1,8,8', '--out', join(root, 'x6')], /--model lenet5 cannot take the 1×8×8 inputs of .*colors \(conv2d \(conv3\): a 5x5 window .* does not fit a 4x4 input.*\); give --input-shape C,H,W/, 2);
    for (const x of ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']) assert.equal(existsSync(join(root, x, 'model.pqck')), false);
  });
});
