/** Trials as jobs: ids from inputs, finished trials found again, the baseline cache across runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  makeJob, runTrial, trainSpec, validateStudyConfig, type StudyEvent, type TrialSpec,
} from '../../src/study/index.js';

const config = validateStudyConfig({ data: { trainLimit: 1200, validation: 200, testLimit: 100 }, recipe: { epochs: 1 } });
const baselineSpec: TrialSpec = {
  stage: 'baseline', mode: 'train', parent: null, sparsity: null, bits: null, base: { zoo: 'lenet5', seed: 0 },
  prune: null, quant: null, train: trainSpec(config.recipe), data: config.data, seed: 0,
};

test('a trial id is derived from its inputs, parent included', () => {
  const a = makeJob(baselineSpec), b = makeJob({ ...baselineSpec });
  assert.equal(a.id, b.id);
  assert.match(a.id, /^base-train-[0-9a-f]{10}$/);
  assert.notEqual(makeJob({ ...baselineSpec, seed: 1 }).id, a.id);
  const child: TrialSpec = { ...baselineSpec, stage: 'prune', mode: 'post', base: null, train: null, parent: a.id, sparsity: 0.9, prune: { sparsity: 0.9, scope: 'global', exclude: [], minSize: 0 } };
  assert.match(makeJob(child).id, /^prune-s90-post-/);
  assert.notEqual(makeJob({ ...child, parent: 'another' }).id, makeJob(child).id);
});

test('a finished trial is not run again; a trained baseline is reused from the cache by another run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pq-trial-'));
  const cacheDir = join(root, 'cache');
  const job = makeJob(baselineSpec);
  const events: StudyEvent[] = [];
  const first = await runTrial(job, { runDir: join(root, 'a'), cacheDir, onEvent: (e) => events.push(e) });
  assert.ok(events.some((e) => e.kind === 'epoch'), 'the first run trains');
  // Batch progress for a live display: throttled, but every epoch's last batch is reported.
  const batches = events.flatMap((e) => (e.kind === 'batch' ? [e] : []));
  const epochs = baselineSpec.train!.epochs;
  for (let k = 1; k <= epochs; k++) assert.ok(batches.some((b) => b.epoch === k && b.step === b.steps && b.epochs === epochs), `epoch ${k} ends with a batch event`);
  for (const b of batches) assert.ok(b.step >= 1 && b.step <= b.steps && b.trial === job.id, JSON.stringify(b));
  for (const f of ['model.pqck', 'model.pqm', 'result.json']) assert.ok(existsSync(join(root, 'a', 'trials', job.id, f)), f);
  assert.deepEqual(readdirSync(cacheDir), [job.id]);

  events.length = 0;
  const again = await runTrial(job, { runDir: join(root, 'a'), cacheDir, onEvent: (e) => events.push(e) });
  assert.deepEqual(again, first);
  assert.deepEqual(events.map((e) => e.kind === 'trial-done' && e.reused), ['run']);

  events.length = 0;
  const other = await runTrial(job, { runDir: join(root, 'b'), cacheDir, onEvent: (e) => events.push(e) });
  assert.deepEqual(other, first);
  assert.deepEqual(events.map((e) => e.kind === 'trial-done' && e.reused), ['cache']);
  assert.ok(existsSync(join(root, 'b', 'trials', job.id, 'model.pqck')));
});
