import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultsError, readResults, validateResults } from '../../src/report/index.js';
import { makeStudyResults } from './fixture.js';

/** The fixture as JSON would give it back, for mutating. */
const plain = (): any => JSON.parse(JSON.stringify(makeStudyResults()));

/** Runs `validateResults` on a mutated fixture and returns the error it throws. */
function errorFor(mutate: (r: any) => void): ResultsError {
  const r = plain();
  mutate(r);
  try {
    validateResults(r, 'run/results.json');
  } catch (e) {
    assert.ok(e instanceof ResultsError, `expected a ResultsError, got ${String(e)}`);
    return e;
  }
  assert.fail('validateResults accepted a broken results object');
}

describe('validateResults', () => {
  it('accepts the fixture and returns the same data', () => {
    const r = plain();
    assert.deepEqual(validateResults(r), r);
  });

  it('ignores fields the format does not name (a newer study may add some)', () => {
    const r = plain();
    r.extra = { note: 'x' };
    r.trials[0].gpu = 'none';
    assert.equal(validateResults(r).trials.length, r.trials.length);
  });

  const cases: [string, (r: any) => void, string, RegExp][] = [
    ['a missing trial field', (r) => delete r.trials[3].valAccuracy, 'trials[3].valAccuracy', /trials\[3\]\.valAccuracy: expected a finite number in \[0, 1\], got nothing \(the field is missing\)/],
    ['accuracy in percent', (r) => (r.models[1].testAccuracy = 98.8), 'models[1].testAccuracy', /models\[1\]\.testAccuracy: expected a finite number in \[0, 1\], got number 98\.8/],
    ['an unknown mode', (r) => (r.trials[2].mode = 'qat'), 'trials[2].mode', /trials\[2\]\.mode: expected one of 'post', 'aware', 'refine', 'train', got the string "qat"/],
    ['sparsity of 1', (r) => (r.trials[5].sparsity = 1), 'trials[5].sparsity', /in \[0, 1\)/],
    ['fractional bits', (r) => (r.trials[30].bits = 3.5), 'trials[30].bits', /trials\[30\]\.bits: expected an integer in \[1, 32\]/],
    ['a string where a number goes', (r) => (r.fp32Bytes = '246824'), 'fp32Bytes', /fp32Bytes: expected an integer >= 1, got the string "246824"/],
    ['a missing dataset', (r) => delete r.dataset, 'dataset', /dataset: expected an object, got nothing/],
    ['a missing latency field', (r) => delete r.models[2].latency.batch1P95Ms, 'models[2].latency.batch1P95Ms', /models\[2\]\.latency\.batch1P95Ms/],
    ['trials not an array', (r) => (r.trials = {}), 'trials', /trials: expected an array, got an object/],
    ['a bad time', (r) => (r.createdAt = 'yesterday'), 'createdAt', /createdAt: expected an ISO 8601 time/],
    ['two trials with one id', (r) => (r.trials[4].id = r.trials[1].id), 'trials[4].id', /an id no other trial has \(trials\[1\] has it\)/],
    ['an unknown parent', (r) => (r.trials[6].parent = 'nope'), 'trials[6].parent', /trials\[6\]\.parent: expected null or the id of one of the 41 trials, got the string "nope"/],
    ['a chosen trial that does not exist', (r) => (r.chosen.pruning.trial = 'gone'), 'chosen.pruning.trial', /chosen\.pruning\.trial/],
    ['a model of no trial', (r) => (r.models[3].trial = 'gone'), 'models[3].trial', /models\[3\]\.trial/],
    ['histogram counts that do not fit the edges', (r) => r.models[0].histogram.after.pop(), 'models[0].histogram.after', /expected 61 counts \(one per bin: edges\.length - 1\), got an array of 60/],
    ['edges out of order', (r) => (r.models[0].histogram.edges[3] = -5), 'models[0].histogram.edges[3]', /an edge greater than the one before \(-0\.57\), got number -5/],
    ['a null chosen reason', (r) => (r.chosen.bits.reason = null), 'chosen.bits.reason', /chosen\.bits\.reason: expected a string, got null/],
    ['an unknown export format', (r) => (r.models[1].exports[0].format = 'caffe'), 'models[1].exports[0].format', /expected one of onnx, onnx-int8, tfjs, got the string "caffe"/],
    ['an export of 0 bytes', (r) => (r.models[0].exports[1].bytes = 0), 'models[0].exports[1].bytes', /models\[0\]\.exports\[1\]\.bytes: expected an integer >= 1/],
  ];
  for (const [what, mutate, field, message] of cases) {
    it(`names the field for ${what}`, () => {
      const e = errorFor(mutate);
      assert.equal(e.field, field);
      assert.equal(e.source, 'run/results.json');
      assert.match(e.message, /^run\/results\.json: /);
      assert.match(e.message, message);
    });
  }

  it('refuses another version, saying which it knows', () => {
    const e = errorFor((r) => (r.version = 2));
    assert.equal(e.field, 'version');
    assert.match(e.message, /run\/results\.json: version: results format version 2, this reader knows 1/);
    assert.match(errorFor((r) => delete r.version).message, /version: expected 1, got nothing/);
  });

  it('refuses what is not an object', () => {
    for (const v of [null, [], 'x', 3]) assert.throws(() => validateResults(v, 'f.json'), /f\.json: \(top level\): expected an object/);
  });

  it('accepts a study in progress: no models, nothing chosen yet', () => {
    const r = plain();
    r.trials = r.trials.slice(0, 1);
    r.models = [];
    r.chosen = { pruning: null, bits: null, combinedTrial: null };
    assert.equal(validateResults(r).trials.length, 1);
  });
});

describe('readResults', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pq-read-results-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a results.json written by JSON.stringify', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(makeStudyResults()));
    assert.deepEqual(readResults(path), plain());
  });

  it('names the file when it is missing, a directory, or not JSON', () => {
    const missing = join(dir, 'missing.json');
    assert.throws(() => readResults(missing), (e: unknown) => e instanceof ResultsError && e.source === missing && e.message === `${missing}: no such file (a study writes results.json in its run directory)`);
    const sub = join(dir, 'sub.json');
    mkdirSync(sub);
    assert.throws(() => readResults(sub), (e: unknown) => e instanceof ResultsError && e.message.startsWith(`${sub}: is a directory`));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"version": 1, "trials": [');
    assert.throws(() => readResults(bad), (e: unknown) => e instanceof ResultsError && e.message.startsWith(`${bad}: invalid JSON: `));
  });

  it('names the file and the field of a wrong value', () => {
    const path = join(dir, 'wrong.json');
    const r = plain();
    r.trials[7].pqmBytes = -3;
    writeFileSync(path, JSON.stringify(r));
    assert.throws(() => readResults(path), { message: `${path}: trials[7].pqmBytes: expected an integer >= 1, got number -3` });
  });
});
