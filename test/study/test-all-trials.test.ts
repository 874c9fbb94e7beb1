/**
 * report.testAllTrials: a tiny study scores every trial on the test split after its choices.
 * Each trial's test accuracy is checked against the float model evaluated by nn's `evaluate`
 * on the same test images (for the trials that deploy in float), a chosen trial's cell equals
 * its measured model's test accuracy, and resuming the same run directory with the option off
 * reuses every trial and gives the same trials and choices without the test figures: the
 * option is not part of the study's identity and changes no decision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { batchSource } from '../../src/data/index.js';
import { evaluate, loadCheckpoint } from '../../src/nn/index.js';
import {
  checkRunDir, loadStudyData, openRunDir, readStoredStudy, runStudy, trialDir, validateStudyConfig, type StudyEvent,
} from '../../src/study/index.js';

const TINY = {
  data: { trainLimit: 2000, validation: 400, testLimit: 600 },
  recipe: { epochs: 1, lr: 0.05, batchSize: 32 }, // enough steps on 1,600 images to leave chance level
  refine: { epochs: 1 },
  pruning: { levels: [80] },
  quantization: { bits: [4] },
  combine: { attempts: 1 },
  selection: { tolerance: 5 }, // so a level and a bit width pass and the combination runs
  measure: { batch1Runs: 3, batch32Seconds: 0.02 },
  cacheBaseline: false,
};

test('every trial scored on the test split after the choices; the option changes no trial and no choice', { timeout: 240_000 }, async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'pq-testall-'));
  const config = validateStudyConfig({ ...TINY, report: { testAllTrials: true } }, 'tiny');
  const events: StudyEvent[] = [];
  const scored = await runStudy(config, { runDir, cacheDir: null, report: false, onEvent: (e) => events.push(e) });

  // 1 baseline + 3 pruning + 3 quantization + 3 combined trials, each with a test accuracy.
  assert.equal(scored.trials.length, 10);
  for (const t of scored.trials) assert.ok(t.testAccuracy !== undefined && t.testAccuracy > 0.2 && t.testAccuracy <= 1, `${t.id}: ${t.testAccuracy}`);
  const onDisk = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as typeof scored;
  assert.deepEqual(onDisk.trials.map((t) => t.testAccuracy), scored.trials.map((t) => t.testAccuracy));

  // The scoring is announced after the last choice.
  const lastChoice = events.map((e) => e.kind).lastIndexOf('choice');
  const scoring = events.findIndex((e) => e.kind === 'stage' && /every trial on the test split/.test(e.message));
  assert.ok(lastChoice >= 0 && scoring > lastChoice, `scoring at event ${scoring}, last choice at ${lastChoice}`);

  // Oracle: the float trials' checkpoints evaluated by the training code on the same test images.
  const data = loadStudyData(config.data);
  const test = batchSource(data.test, { normalization: data.normalization });
  const float = scored.trials.filter((t) => t.bits === null);
  assert.ok(float.length >= 4);
  for (const t of float) {
    const { model } = loadCheckpoint(join(trialDir(runDir, t.id), 'model.pqck'));
    try {
      const want = evaluate(model, test).accuracy;
      // The runtime and the training forward pass may round one borderline image differently.
      assert.ok(Math.abs(t.testAccuracy! - want) <= 1 / data.test.count + 1e-12, `${t.id}: ${t.testAccuracy} against evaluate's ${want}`);
    } finally {
      model.dispose();
    }
  }
  // A chosen trial's cell is its measured model's figure.
  for (const m of scored.models) assert.equal(scored.trials.find((t) => t.id === m.trial)!.testAccuracy, m.testAccuracy, m.label);

  // The same run directory, option off: every trial is reused and the study decides the same.
  const plain = await runStudy({ ...config, report: { testAllTrials: false } }, { runDir, cacheDir: null, report: false });
  assert.deepEqual(plain.trials, scored.trials.map(({ testAccuracy: _t, ...rest }) => rest));
  assert.deepEqual(plain.chosen, scored.chosen);
  assert.deepEqual(plain.models.map((m) => m.testAccuracy), scored.models.map((m) => m.testAccuracy));
});

test('a study stored before the option existed resumes with it off, and may be resumed with it on', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'pq-testall-old-'));
  const config = validateStudyConfig(TINY, 'tiny');
  openRunDir(runDir, config);
  // What an older version wrote: the same study.json without the report field.
  const stored = JSON.parse(readFileSync(join(runDir, 'study.json'), 'utf8'));
  delete stored.config.report;
  writeFileSync(join(runDir, 'study.json'), JSON.stringify(stored));
  assert.deepEqual(readStoredStudy(runDir)!.config.report, { testAllTrials: false });
  checkRunDir(runDir, config, true);
  checkRunDir(runDir, { ...config, report: { testAllTrials: true } }, true);
  // Anything that changes a trial still refuses to resume.
  assert.throws(() => checkRunDir(runDir, { ...config, seed: 1 }, true), /different config; differs in seed/);
});
