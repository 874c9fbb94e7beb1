/**
 * `prunequant prune` and `prunequant sensitivity` end to end on a LeNet-5 checkpoint
 * trained here: the JSON result is the last stdout line, the written checkpoint reloads
 * with its masks and zeros and scores what the report says (re-evaluated independently),
 * the adaptive and gradual modes run, and bad input fails with a clear message.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskStats } from '../../src/compress/index.js';
import { batchSource, loadDataset, normalize } from '../../src/data/index.js';
import { evaluate, loadCheckpoint, saveCheckpoint } from '../../src/nn/index.js';
import { trainedLenet } from './prune-fixtures.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-prune-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ckpt = join(dir, 'lenet.pqck');
const NORM = { mean: 0.1307, std: 0.3081 };
const WEIGHTS = 150 + 2400 + 48000 + 10080 + 840;

const run = runCli;

before(async () => {
  const { model } = await trainedLenet(1, 1);
  saveCheckpoint(ckpt, model, { meta: { recipe: { dataset: 'mnist', epochs: 1, lr: 0.03, batchSize: 32, optimizer: 'sgd', momentum: 0.9 }, normalization: NORM } });
  model.dispose();
});

describe('prunequant prune', () => {
  it('one-shot global 90% with fine-tuning: report, checkpoint and masks agree', async () => {
    const out = join(dir, 'oneshot');
    const r = await run(['prune', ckpt, '--sparsity', '0.9', '--finetune-epochs', '1', '--limit', '400', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json!;
    assert.equal(j['method'], 'one-shot');
    assert.equal(j['sparsity'], Math.floor(0.9 * WEIGHTS) / WEIGHTS);
    assert.equal(j['fineTune'].lr, 0.03, 'the recipe lr by default');
    const { model, meta } = loadCheckpoint(join(out, 'model.pqck'));
    const stats = maskStats(model);
    assert.equal(stats.pruned, Math.floor(0.9 * WEIGHTS));
    assert.equal(stats.violations, 0);
    const test = batchSource(normalize(loadDataset('mnist', { limit: 400 }).test, NORM));
    assert.equal(evaluate(model, test).accuracy, j['accuracy']);
    assert.equal((meta['prune'] as { method: string }).method, 'one-shot');
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'prune.json'), 'utf8'))['accuracy'], j['accuracy']);
    model.dispose();
  });
  it('layer scope with exclusions keeps the excluded layers dense', async () => {
    const out = join(dir, 'layer');
    const r = await run(['prune', ckpt, '--sparsity', '0.5', '--scope', 'layer', '--exclude', '@first,@last', '--finetune-epochs', '0', '--limit', '200', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const byName = Object.fromEntries((r.json!['layers'] as { name: string; pruned: number }[]).map((l) => [l.name, l.pruned]));
    assert.deepEqual(byName, { 'conv0.weight': 0, 'conv3.weight': 1200, 'fc7.weight': 24000, 'fc9.weight': 5040, 'fc11.weight': 0 });
    assert.equal(r.json!['postPruneAccuracy'], r.json!['accuracy'], 'no fine-tuning');
  });
  it('adaptive: the trajectory follows the controller rules', async () => {
    const r = await run(['prune', ckpt, '--adaptive', '--tolerance', '100', '--start', '80', '--step', '10', '--min-step', '5', '--finetune-epochs', '1', '--limit', '200', '--out', join(dir, 'adaptive'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    // a 100 pp tolerance passes everything: 80, 90, then 100 is never run → step 5 → 95 → step 2.5 < 5 stops
    assert.deepEqual((r.json!['trajectory'] as { level: number }[]).map((t) => t.level), [80, 90, 95]);
    assert.equal(r.json!['bestLevel'], 95);
    assert.equal(r.json!['sparsity'], Math.floor(0.95 * WEIGHTS) / WEIGHTS);
  });
  it('gradual reaches exactly the target', async () => {
    const r = await run(['prune', ckpt, '--gradual', '--sparsity', '0.8', '--finetune-epochs', '1', '--prune-every', '2', '--limit', '200', '--out', join(dir, 'gradual'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json!['method'], 'gradual');
    assert.equal(r.json!['sparsity'], Math.floor(0.8 * WEIGHTS) / WEIGHTS);
    assert.ok(r.json!['pruningSteps'] >= 2);
  });
  it('bad input: sparsity outside [0, 1), unmatched exclude, missing pieces', async () => {
    for (const s of ['1', '-0.2', '1.5']) {
      const r = await run(['prune', ckpt, '--sparsity', s]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`sparsity must be a number in \\[0, 1\\).*got ${s}`));
    }
    const bad = await run(['prune', ckpt, '--sparsity', '0.5', '--exclude', 'conv9', '--limit', '50', '--out', join(dir, 'never')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /exclude pattern 'conv9' matches no weight of model lenet5; its weights are conv0\.weight, conv3\.weight/);
    assert.equal(existsSync(join(dir, 'never')), false, 'nothing written on failure');
    assert.match((await run(['prune', '--sparsity', '0.5'])).stderr, /missing MODEL/);
    assert.match((await run(['prune', ckpt])).stderr, /give --sparsity S/);
    assert.match((await run(['prune', ckpt, '--sparsity', '0.5', '--scope', 'net'])).stderr, /--scope must be global or layer, got 'net'/);
    const step = await run(['prune', ckpt, '--adaptive', '--min-step', '20']);
    assert.equal(step.code, 2);
    assert.match(step.stderr, /minStep must be in \(0, step = 10\], got 20/);
  });
});

describe('prunequant sensitivity', () => {
  it('prints a table, writes JSON curves and compares guided with uniform', async () => {
    const file = join(dir, 'sens.json');
    const r = await run(['sensitivity', ckpt, '--levels', '50,90', '--target', '0.6', '--limit', '200', '--out', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /conv0\.weight\s+150\s+\d+\.\d\d\s+\d+\.\d\d/);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(j.levels, [0.5, 0.9]);
    assert.equal(j.curves.length, 5);
    for (const c of j.curves) assert.deepEqual(c.points.map((p: { sparsity: number }) => p.sparsity), [0, 0.5, 0.9]);
    assert.ok(Math.abs(j.allocation.guided.sparsity - 0.6) < 1e-3);
    assert.equal(r.json!['baseline'], j.baseline);
    const bad = await run(['sensitivity', ckpt, '--levels', '50,100']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--levels \(item 2, '100'\): percentile must be a number in \[0, 100\), got 100/);
  });
});
