/**
 * The study on a model prunequant did not train: examples/pytorch-lenet5-onnx.yaml (PyTorch's
 * LeNet-5 ONNX export) shrunk to a tiny study (2,000 training images, one level, one bit width,
 * 1-epoch stages), run end to end through `prunequant run`. The baseline stage only evaluates
 * the imported model: its validation accuracy is what `evaluate` and onnxruntime-node give for
 * the file on the same images, and its weights are the file's. Every stage ran, the report was
 * written, and the chosen models' .pqm files run in the runtime's Session. A resumed run finds
 * every trial done; the same weights as a TF.js model.json give the same baseline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { decodeOnnxModel, loadAnyModel, saveTfjsModel } from '../../src/io/index.js';
import { evaluate, loadCheckpoint } from '../../src/nn/index.js';
import { Session, decodePqm, weightValues } from '../../src/runtime/index.js';
import { deepMerge, loadStudyConfig, loadStudyData, parseStudyYaml, studySources, trialDir, type StudyResults } from '../../src/study/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { runCli } from '../helpers/cli.js';
import { runOrt } from '../helpers/ort.js';

const EXAMPLE = new URL('../../examples/pytorch-lenet5-onnx.yaml', import.meta.url).pathname;
const ONNX = new URL('../../examples/models/pytorch-lenet5.onnx', import.meta.url).pathname;

/** The example, made tiny: the recipe and every other field stay the example's. */
const TINY = {
  model: ONNX,
  data: { trainLimit: 2000, validation: 500, testLimit: 1000 },
  recipe: { epochs: 1 },
  refine: { epochs: 1 },
  pruning: { levels: [90] },
  quantization: { bits: [4] },
  combine: { attempts: 1 },
  // One epoch on 1,500 images recovers less than the example's five; a wide tolerance makes sure
  // a level and a bit width are chosen, so the combination runs.
  selection: { tolerance: 5 },
  measure: { batch1Runs: 5, batch32Seconds: 0.05 },
  cacheBaseline: false,
};

function argmax(logits: Float32Array, classes: number): Int32Array {
  return Int32Array.from({ length: logits.length / classes }, (_, r) => {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * classes + k]! > logits[r * classes + best]!) best = k;
    return best;
  });
}

test('a tiny study of the PyTorch LeNet-5 ONNX: evaluated baseline, every stage, report, runnable .pqm', { timeout: 180_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pq-study-onnx-'));
  const yaml = join(root, 'study.yaml');
  writeFileSync(yaml, stringify(deepMerge(parseStudyYaml(readFileSync(EXAMPLE, 'utf8'), EXAMPLE), TINY)));
  const runDir = join(root, 'run');
  const r = await runCli(['run', yaml, '--out', runDir, '--json', '--threads', '2']);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as StudyResults;

  // Every stage ran: the baseline, the level and the bit width three ways each, the combination.
  const stages = results.trials.map((x) => `${x.stage}/${x.mode}`);
  assert.deepEqual(stages, ['baseline/post', 'prune/post', 'prune/aware', 'prune/refine', 'quantize/post', 'quantize/aware', 'quantize/refine', 'combined/post', 'combined/aware', 'combined/refine']);
  for (const f of ['results.json', 'results.csv', 'report.md', 'report.html', 'study.json']) assert.ok(existsSync(join(runDir, f)), `${f} written`);

  // The baseline is the file, evaluated, not trained: no epochs, the same weights, and the
  // validation accuracy that evaluate() and onnxruntime give for the imported model on those images.
  const config = loadStudyConfig(yaml);
  assert.equal(config.data.normalization, 'dataset', 'the ONNX file records no preprocessing, so MNIST\'s standardization applies');
  const baseline = results.trials[0]!;
  const baseResult = JSON.parse(readFileSync(join(trialDir(runDir, baseline.id), 'result.json'), 'utf8'));
  assert.deepEqual(baseResult.history, []);
  const imported = loadAnyModel(ONNX);
  const stored = loadCheckpoint(join(trialDir(runDir, baseline.id), 'model.pqck'));
  try {
    const storedParams = new Map(stored.model.namedParams());
    for (const [name, p] of imported.model.namedParams()) assert.deepEqual(storedParams.get(name)!.value.toArray(), p.value.toArray(), `${name} unchanged`);

    const data = loadStudyData(config.data);
    const { val } = studySources(data);
    const ours = evaluate(imported.model, val).accuracy;
    assert.equal(baseline.valAccuracy, ours, 'baseline validation accuracy = evaluate() of the imported model');

    const valImages = new Float32Array(data.val.count * 784);
    let at = 0;
    for (const b of val.batches(250)) { valImages.set(b.images, at); at += b.images.length; }
    const onnx = new Uint8Array(readFileSync(ONNX));
    const input = decodeOnnxModel(onnx).graph.inputs[0]!.name;
    const outs = await runOrt(onnx, { [input]: { data: valImages, dims: [data.val.count, 1, 28, 28] } });
    const ortPred = argmax(Object.values(outs)[0]!.data, 10);
    const ortAcc = ortPred.reduce((s, p, i) => s + (p === data.val.labels[i] ? 1 : 0), 0) / data.val.count;
    t.diagnostic(`baseline validation: study ${baseline.valAccuracy}, evaluate ${ours}, onnxruntime ${ortAcc} (${data.val.count} images)`);
    assert.ok(Math.abs(ortAcc - baseline.valAccuracy) <= 1 / data.val.count, `onnxruntime ${ortAcc} vs study ${baseline.valAccuracy}`);

    // The baseline .pqm computes the imported model's logits; the combined one is 90% sparse, 4-bit.
    const testImages = data.test.images;
    const n = data.test.count;
    const standardized = testImages.map((x) => (x - 0.1307) / 0.3081); // MNIST's, as the PyTorch script trained with
    const reference = scope(() => noGrad(() => imported.model.forward(Tensor.from(standardized, [n, 1, 28, 28]), { training: false }).toArray()));
    for (const m of results.models) {
      const path = join(runDir, 'models', `${m.label.replace(/ /g, '-')}.pqm`);
      const bytes = new Uint8Array(readFileSync(path));
      const session = await Session.create(bytes, { batch: 250 });
      let logits: Float32Array;
      try {
        logits = session.runSync(testImages, [n, 1, 28, 28]);
      } finally {
        await session.release();
      }
      const pred = argmax(logits, 10);
      const acc = pred.reduce((s, p, i) => s + (p === data.test.labels[i] ? 1 : 0), 0) / n;
      assert.equal(acc, m.testAccuracy, `${m.label}: the .pqm's accuracy is the one reported`);
      if (m.label === 'baseline') {
        let worst = 0;
        for (let i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(logits[i]! - reference[i]!));
        assert.ok(worst < 1e-3, `baseline .pqm logits differ from the imported model's by ${worst}`);
      }
      if (m.label === 'combined') {
        const weights = decodePqm(bytes, path).nodes.flatMap((node) => ('weight' in node && node.weight ? [node.weight] : []));
        let zeros = 0, total = 0;
        for (const w of weights) {
          assert.equal(w.quant?.bits, 4, 'combined weights are 4-bit');
          const size = w.shape.reduce((a, b) => a * b, 1);
          total += size;
          zeros += size - weightValues(w).filter((x) => x !== 0).length; // a sparse weight lists only what it stores
        }
        assert.ok(zeros / total >= 0.9, `combined: ${zeros} of ${total} weights are zero`);
      }
      t.diagnostic(`${m.label}: test ${(100 * m.testAccuracy).toFixed(1)}%, ${m.pqmBytes} bytes`);
    }
    assert.deepEqual(results.models.map((m) => m.label).slice(0, 1), ['baseline']);

    // Trial ids come from the file's hash: a resumed run in a new process finds every trial done.
    const again = await runCli(['run', '--resume', runDir, '--threads', '2']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((again.stderr.match(/finished before \(resumed\)/g) ?? []).length, results.trials.length, again.stderr);

    // The same weights as a TF.js model.json: another file, so other trial ids, but the same baseline.
    const tfjsDir = join(root, 'tfjs');
    mkdirSync(tfjsDir);
    saveTfjsModel(imported.model, tfjsDir);
    writeFileSync(join(root, 'tfjs.yaml'), stringify({ ...parseStudyYaml(readFileSync(yaml, 'utf8'), yaml) as object, model: 'tfjs/model.json' }));
    const tfjsRun = join(root, 'run-tfjs');
    const r2 = await runCli(['run', join(root, 'tfjs.yaml'), '--out', tfjsRun, '--threads', '2']);
    assert.equal(r2.code, 0, r2.stderr);
    const tfjsResults = JSON.parse(readFileSync(join(tfjsRun, 'results.json'), 'utf8')) as StudyResults;
    assert.notEqual(tfjsResults.trials[0]!.id, baseline.id);
    assert.equal(tfjsResults.trials[0]!.valAccuracy, baseline.valAccuracy);
    assert.equal(tfjsResults.models[0]!.testAccuracy, results.models[0]!.testAccuracy);
  } finally {
    imported.model.dispose();
    stored.model.dispose();
  }
});

test('a given model that cannot take the data is refused before the run directory is made', async () => {
  const { createModel } = await import('../../src/nn/index.js');
  const { saveOnnxModel } = await import('../../src/io/index.js');
  const root = mkdtempSync(join(tmpdir(), 'pq-study-onnx-bad-'));
  const cases = [
    ['rgb', { inputShape: [3, 32, 32] as [number, number, number] }, /model: .*rgb\.onnx: the model takes 3×32×32 inputs, mnist images are 1×28×28/],
    ['seven', { classes: 7 }, /model: .*seven\.onnx: the model's output is 1×7 per batch of 1; mnist has 10 classes/],
  ] as const;
  for (const [name, opts, pattern] of cases) {
    const model = createModel('lenet5', { seed: 0, ...opts });
    saveOnnxModel(join(root, `${name}.onnx`), model);
    model.dispose();
    writeFileSync(join(root, `${name}.yaml`), stringify({ ...TINY, model: `${name}.onnx` }));
    const out = join(root, `${name}-run`);
    const r = await runCli(['run', join(root, `${name}.yaml`), '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('study in '));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, pattern);
    assert.ok(!existsSync(out), `${out} was not made`);
  }
});

test('a per-channel normalization with the wrong channel count is refused before the run directory is made', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pq-study-norm-'));
  writeFileSync(join(root, 'norm.yaml'), stringify({ ...TINY, model: 'lenet5', data: { ...TINY.data, normalization: { mean: [0.5, 0.5, 0.5], std: 0.25 } } }));
  const out = join(root, 'run');
  const r = await runCli(['run', join(root, 'norm.yaml'), '--out', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /data\.normalization\.mean: 3 values for 1-channel mnist images; give one, or one per channel/);
  assert.ok(!existsSync(out));
});
