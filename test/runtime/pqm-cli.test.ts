// The .pqm file from the command line: export writes it, eval runs it through the runtime and
// agrees with the checkpoint it came from, bench measures it.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setThreads } from '../../src/kernels/index.js';
import { Sgd, createModel, fit, saveCheckpoint } from '../../src/nn/index.js';
import { batchSource, loadDataset } from '../../src/data/index.js';
import { pruneModel } from '../../src/compress/index.js';
import { runCli } from '../helpers/cli.js';

const NORM = { mean: 0.1307, std: 0.3081 };
const LIMIT = '1000';

describe('.pqm on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pq-pqm-cli-'));
  const checkpoint = join(dir, 'model.pqck');
  before(async () => {
    setThreads(2);
    const model = createModel('lenet5', { seed: 0 });
    const split = loadDataset('mnist', { limit: Number(LIMIT) });
    const opt = new Sgd(model.params(), { momentum: 0.9 });
    await fit(model, batchSource(split.train, { normalization: NORM }), opt, { epochs: 2, batchSize: 32, lr: 0.03, seed: 1 });
    pruneModel(model, { sparsity: 0.9, scope: 'global' });
    saveCheckpoint(checkpoint, model, { meta: { normalization: NORM, recipe: { dataset: 'mnist' } } });
  });

  it('quantize reports the size of the real .pqm file, and export writes exactly that many bytes', async () => {
    const q = await runCli(['quantize', checkpoint, '--bits', '4', '--limit', LIMIT, '--out', join(dir, 'q4'), '--json']);
    assert.equal(q.code, 0, q.stderr);
    const out = join(dir, 'q4.pqm');
    const e = await runCli(['export', join(dir, 'q4', 'model.pqck'), '--format', 'pqm', '--out', out, '--json']);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.json!['bytes'], statSync(out).size);
    assert.equal(q.json!['sizes'].pqmBytes, statSync(out).size);
  });

  it('eval of the .pqm matches eval of its checkpoint', async () => {
    const out = join(dir, 'float.pqm');
    assert.equal((await runCli(['export', checkpoint, '--format', 'pqm', '--out', out])).code, 0);
    const fromPqm = await runCli(['eval', out, '--limit', LIMIT, '--json']);
    const fromPqck = await runCli(['eval', checkpoint, '--limit', LIMIT, '--json']);
    assert.equal(fromPqm.code, 0, fromPqm.stderr);
    assert.equal(fromPqm.json!['format'], 'pqm');
    assert.equal(fromPqm.json!['dataset'], 'mnist');
    assert.ok(Math.abs(fromPqm.json!['accuracy'] - fromPqck.json!['accuracy']) <= 1 / 1000, `${fromPqm.json!['accuracy']} vs ${fromPqck.json!['accuracy']}`);
    assert.ok(Math.abs(fromPqm.json!['loss'] - fromPqck.json!['loss']) < 1e-3);
  });

  it('bench prints our runtime beside its dense kernels and onnxruntime, and explains its choices', async () => {
    const r = await runCli(['bench', checkpoint, '--seconds', '0.2', '--batch', '8', '--explain', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.json !== null, `last stdout line starts: ${r.stdout.trim().split("\n").pop()!.slice(0, 200)}`);
    const engines = r.json!['engines'] as { engine: string; imagesPerSecond: number; p50Ms: number; p95Ms: number }[];
    assert.deepEqual(engines.map((e) => e.engine.split(' ')[0]), ['prunequant', 'prunequant', 'onnxruntime-node']);
    for (const e of engines) assert.ok(e.imagesPerSecond > 0 && e.p50Ms > 0 && e.p95Ms >= e.p50Ms, JSON.stringify(e));
    assert.ok((r.json!['layers'] as { chosen: string }[]).every((l) => l.chosen.length > 0));
  });

  it('refuses a bad bench invocation with the usage code', async () => {
    assert.equal((await runCli(['bench'])).code, 2);
    assert.equal((await runCli(['bench', checkpoint, '--batch', '0'])).code, 2);
    const missing = await runCli(['bench', join(dir, 'missing.pqm')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing\.pqm/);
  });
});
