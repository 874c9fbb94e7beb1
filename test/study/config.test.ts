import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PRESETS, StudyConfigError, defaultStudyConfig, loadStudyConfig, parseStudyYaml, validateStudyConfig } from '../../src/study/index.js';

/** The StudyConfigError a document raises: its message and field. */
function mistake(doc: unknown, preset: string | null = null): StudyConfigError {
  try {
    validateStudyConfig(doc, 'study.yaml', preset);
  } catch (e) {
    assert.ok(e instanceof StudyConfigError, `expected a StudyConfigError, got ${(e as Error).message}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(doc)} to be refused`);
}

test('the defaults are the reference protocol (LeNet-5, MNIST, SGD 0.9, lr 0.01, batch 64, 5 epochs, 8-2 bits, 0.5 pp) with a cosine lr and the threshold controller', () => {
  const c = validateStudyConfig(null);
  assert.deepEqual(c, defaultStudyConfig());
  assert.deepEqual(c.model, { zoo: 'lenet5', checkpoint: null });
  assert.equal(c.data.dataset, 'mnist');
  assert.equal(c.data.validation, 5000);
  assert.deepEqual([c.recipe.optimizer, c.recipe.momentum, c.recipe.lr, c.recipe.batchSize, c.recipe.epochs], ['sgd', 0.9, 0.01, 64, 5]);
  assert.equal(c.recipe.schedule, 'cosine');
  assert.deepEqual(c.pruning.adaptive, { start: 80, step: 10, minStep: 2.5, maxTrials: 5 });
  assert.equal(c.pruning.scope, 'global');
  assert.deepEqual(c.quantization.bits, [8, 6, 4, 3, 2]);
  assert.deepEqual([c.quantization.symmetric, c.quantization.granularity], [true, 'channel']);
  assert.equal(c.selection.tolerance, 0.5);
  assert.equal(c.refine.lrFactor, 0.1);
});

test('levels named by a document or a preset turn the default controller off; naming both keeps the controller', () => {
  assert.equal(validateStudyConfig({ pruning: { levels: [90, 95] } }).pruning.adaptive, null);
  assert.deepEqual(validateStudyConfig({ pruning: { levels: [90, 95] } }).pruning.levels, [90, 95]);
  assert.equal(validateStudyConfig(null, 'config', 'quick').pruning.adaptive, null);
  assert.deepEqual(validateStudyConfig({ pruning: { levels: [90], adaptive: { start: 60 } } }).pruning.adaptive, { start: 60, step: 10, minStep: 2.5, maxTrials: 5 });
  assert.deepEqual(validateStudyConfig({ pruning: { scope: 'layer' } }).pruning.adaptive, { start: 80, step: 10, minStep: 2.5, maxTrials: 5 });
});

test('a document overrides what it names and keeps the rest; shorthands for the model', () => {
  const c = validateStudyConfig({ model: 'mnist-cnn', recipe: { lr: 0.05 }, pruning: { levels: [90] } });
  assert.deepEqual(c.model, { zoo: 'mnist-cnn', checkpoint: null });
  assert.equal(c.recipe.lr, 0.05);
  assert.equal(c.recipe.epochs, 5);
  assert.deepEqual(c.pruning.levels, [90]);
  assert.deepEqual(validateStudyConfig({ model: 'runs/x/model.pqck' }).model, { zoo: null, checkpoint: 'runs/x/model.pqck' });
  assert.deepEqual(validateStudyConfig({ model: { checkpoint: 'a.pqck' } }).model, { zoo: null, checkpoint: 'a.pqck' });
  assert.deepEqual(validateStudyConfig({ model: 'm.onnx' }).model, { zoo: null, checkpoint: 'm.onnx' });
  assert.deepEqual(validateStudyConfig({ model: 'tfjs/model.json' }).model, { zoo: null, checkpoint: 'tfjs/model.json' });
  assert.deepEqual(validateStudyConfig({ pruning: { adaptive: true } }).pruning.adaptive, { start: 50, step: 10, minStep: 1, maxTrials: 12 });
});

test('every mistake names the field, the value and what is allowed', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ model: 'resnet99' }, 'model', /"resnet99".*lenet5.*\.pqck/],
    [{ model: 'runs/m.pqm' }, 'model', /"runs\/m\.pqm".*\.pqck checkpoint, \.onnx, or TF\.js Layers model\.json/],
    [{ data: { normalization: { mean: [], std: 1 } } }, 'data.normalization.mean', /\[\] is not allowed; expected a number or a non-empty list/],
    [{ data: { normalization: { mean: [0.5, 0.4], std: [0.2, 0] } } }, 'data.normalization.std[1]', /0 is not allowed; expected a number > 0/],
    [{ data: { dataset: 'cifar' } }, 'data.dataset', /"cifar".*one of mnist, fashion-mnist/],
    [{ data: { validation: 0 } }, 'data.validation', /0 is not allowed; expected an integer >= 1/],
    [{ data: { trainLimit: 100, validation: 100 } }, 'data.validation', /100 .*fewer images than data.trainLimit/],
    [{ recipe: { lr: -1 } }, 'recipe.lr', /-1 is not allowed; expected a number > 0/],
    [{ recipe: { epochs: 1.5 } }, 'recipe.epochs', /1\.5 .*an integer >= 1/],
    [{ recipe: { optimizer: 'rmsprop' } }, 'recipe.optimizer', /"rmsprop".*one of sgd, adam, adamw/],
    [{ recipe: { lrr: 0.1 } }, 'recipe.lrr', /unknown key; recipe takes lr, epochs/],
    [{ recipe: { nesterov: true, momentum: 0 } }, 'recipe.nesterov', /Nesterov needs sgd with momentum > 0/],
    [{ pruning: { levels: [50, 120] } }, 'pruning.levels[1]', /120 .*a number in \(0, 100\)/],
    [{ pruning: { levels: [50, 50] } }, 'pruning.levels[1]', /not already in the list/],
    [{ pruning: { levels: 90 } }, 'pruning.levels', /90 .*a list of percentiles/],
    [{ pruning: { scope: 'local' } }, 'pruning.scope', /"local".*global, layer/],
    [{ pruning: { adaptive: { step: 5, minStep: 10 } } }, 'pruning.adaptive.minStep', /10 .*no larger than pruning.adaptive.step \(5\)/],
    [{ quantization: { bits: [8, 1] } }, 'quantization.bits[1]', /1 .*an integer in \[2, 16\]/],
    [{ quantization: { symmetric: 'yes' } }, 'quantization.symmetric', /"yes".*true or false/],
    [{ selection: { tolerance: -0.5 } }, 'selection.tolerance', /-0\.5/],
    [{ selection: { modes: ['refined'] } }, 'selection.modes[0]', /"refined".*post, aware, refine/],
    [{ report: { testAllTrials: 'yes' } }, 'report.testAllTrials', /"yes".*true or false/],
    [{ report: { testAll: true } }, 'report.testAll', /unknown key; report takes testAllTrials/],
    [{ report: true }, 'report', /true is not allowed; expected a mapping with keys testAllTrials/],
    [{ workers: 0 }, 'workers', /0 .*an integer in \[1, 64\]/],
    [{ workers: 'many' }, 'workers', /"many" is not allowed; expected 'auto' or an integer in \[1, 64\]/],
    [{ workers: 1.5 }, 'workers', /1\.5 .*'auto' or an integer/],
    [{ recipes: {} }, 'recipes', /unknown key; the top level takes model, data/],
    [['a'], '', /expected a mapping/],
  ];
  for (const [doc, field, pattern] of cases) {
    const e = mistake(doc);
    assert.equal(e.field, field, `${JSON.stringify(doc)}: field`);
    assert.match(e.message, pattern, `${JSON.stringify(doc)}: ${e.message}`);
    assert.ok(e.message.startsWith('study.yaml: '), e.message);
    assert.ok(!e.message.includes('\n'), 'one line');
  }
  // The whole document is wrong: the message names the file, not an empty field.
  assert.match(mistake(['a']).message, /^study\.yaml: the file: \["a"\] is not allowed; expected a mapping/);
});

test("workers: 'auto' by default (the machine decides), 'auto' or a count in a document", () => {
  assert.equal(validateStudyConfig(null).workers, 'auto');
  assert.equal(validateStudyConfig({ workers: 'auto' }).workers, 'auto');
  assert.equal(validateStudyConfig({ workers: 3 }).workers, 3);
  assert.equal(validateStudyConfig({ workers: 1 }, 'c', 'tiny').workers, 1);
});

test('presets: each is valid, an unknown one lists the known ones', () => {
  for (const name of Object.keys(PRESETS)) validateStudyConfig(null, 'defaults', name);
  assert.equal(validateStudyConfig(null, "defaults", "quick").data.trainLimit, 30000);
  assert.match(mistake(null, 'fast').message, /'fast' is not a preset; known: quick, tiny/);
  // The user's file wins over the preset.
  assert.deepEqual(validateStudyConfig({ pruning: { levels: [70] } }, 'x', 'tiny').pruning.levels, [70]);
});

test('YAML: syntax errors give the line and column; duplicate keys are refused; a checkpoint path is taken next to the file', () => {
  assert.throws(() => parseStudyYaml('a: [1, 2\nb: 3', 'bad.yaml'), (e: Error) => e instanceof StudyConfigError && /^bad\.yaml:2:1: invalid YAML: /.test(e.message) && !e.message.includes('\n'));
  assert.throws(() => parseStudyYaml('seed: 1\nseed: 2', 'dup.yaml'), /dup\.yaml:2:1: invalid YAML: Map keys must be unique/);
  const dir = mkdtempSync(join(tmpdir(), 'pq-config-'));
  writeFileSync(join(dir, 's.yaml'), 'model: base/model.pqck\n');
  assert.throws(() => loadStudyConfig(join(dir, 's.yaml')), new RegExp(`s\\.yaml: model: ${dir}/base/model\\.pqck: cannot read (the model|checkpoint) \\(ENOENT\\)`));
  assert.throws(() => loadStudyConfig(join(dir, 'missing.yaml')), /missing\.yaml: cannot read the study config \(ENOENT\)/);
});

test('a .pqck base model brings the recipe it was trained with; the file still overrides it; a quantized one is refused', async () => {
  const { createModel, saveCheckpoint } = await import('../../src/nn/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'pq-config-ckpt-'));
  const model = createModel('lenet5', { seed: 1 });
  saveCheckpoint(join(dir, 'base.pqck'), model, {
    meta: { recipe: { dataset: 'fashion-mnist', lr: 0.05, epochs: 3, batchSize: 128, optimizer: 'adam', momentum: 0, weightDecay: 0.0001, schedule: { kind: 'cosine', warmupEpochs: 1 }, labelSmoothing: 0.1, shift: 2 } },
  });
  saveCheckpoint(join(dir, 'q.pqck'), model, { meta: { quantization: { format: 'prunequant-quant', version: 1, weights: {} } } });
  model.dispose();
  writeFileSync(join(dir, 'a.yaml'), 'model: base.pqck\n');
  const c = loadStudyConfig(join(dir, 'a.yaml'));
  assert.deepEqual(c.model, { zoo: null, checkpoint: join(dir, 'base.pqck') });
  assert.equal(c.data.dataset, 'fashion-mnist');
  assert.deepEqual([c.recipe.lr, c.recipe.epochs, c.recipe.batchSize, c.recipe.optimizer, c.recipe.schedule, c.recipe.warmupEpochs, c.recipe.labelSmoothing, c.recipe.shift],
    [0.05, 3, 128, 'adam', 'cosine', 1, 0.1, 2]);
  writeFileSync(join(dir, 'b.yaml'), 'model: base.pqck\nrecipe:\n  lr: 0.002\n');
  assert.equal(loadStudyConfig(join(dir, 'b.yaml')).recipe.lr, 0.002);
  writeFileSync(join(dir, 'c.yaml'), 'model: q.pqck\n');
  assert.throws(() => loadStudyConfig(join(dir, 'c.yaml')), /c\.yaml: model: .*q\.pqck is quantized/);
});

test('an imported model brings no recipe (the file\'s or the default one applies) but its recorded preprocessing', async () => {
  const { createModel } = await import('../../src/nn/index.js');
  const { saveTfjsModel } = await import('../../src/io/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'pq-config-imported-'));
  const onnx = new URL('../../examples/models/pytorch-lenet5.onnx', import.meta.url).pathname;
  writeFileSync(join(dir, 'onnx.yaml'), `model: ${onnx}\n`);
  const c = loadStudyConfig(join(dir, 'onnx.yaml'));
  assert.deepEqual(c.model, { zoo: null, checkpoint: onnx });
  assert.deepEqual(c.recipe, defaultStudyConfig().recipe);
  assert.equal(c.data.normalization, 'dataset');

  // A TF.js model that records pixels in 0-255 standardized by 33.3 / 78.5: the same for pixels in [0, 1] is / 255.
  const model = createModel('lenet5', { seed: 2 });
  mkdirSync(join(dir, 'tfjs'));
  saveTfjsModel(model, join(dir, 'tfjs'), { preprocessing: { layout: 'nchw', range: '0-255', mean: [33.3], std: [78.5] } });
  model.dispose();
  writeFileSync(join(dir, 'tfjs.yaml'), 'model: tfjs/model.json\nrecipe:\n  lr: 0.003\n');
  const t = loadStudyConfig(join(dir, 'tfjs.yaml'));
  assert.equal(t.recipe.lr, 0.003);
  assert.equal(t.recipe.epochs, defaultStudyConfig().recipe.epochs);
  const n = t.data.normalization as { mean: number; std: number };
  assert.ok(Math.abs(n.mean - 33.3 / 255) < 1e-12 && Math.abs(n.std - 78.5 / 255) < 1e-12, JSON.stringify(n));
  writeFileSync(join(dir, 'own.yaml'), 'model: tfjs/model.json\ndata:\n  normalization: dataset\n');
  assert.equal(loadStudyConfig(join(dir, 'own.yaml')).data.normalization, 'dataset', 'the config\'s normalization wins over the record');
  writeFileSync(join(dir, 'pqm.yaml'), 'model: tfjs/model.pqm\n');
  assert.throws(() => loadStudyConfig(join(dir, 'pqm.yaml')), /pqm\.yaml: model: "tfjs\/model\.pqm" is not allowed; expected a zoo name or a model file/);
});

test('an imported model\'s identity covers its weight files: same shards, same hash; other shards, another', async () => {
  const { createModel } = await import('../../src/nn/index.js');
  const { saveTfjsModel } = await import('../../src/io/index.js');
  const { baseModelSha256 } = await import('../../src/study/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'pq-config-sha-'));
  for (const [name, seed] of [['a', 1], ['b', 1], ['c', 2]] as const) {
    const model = createModel('lenet5', { seed });
    mkdirSync(join(dir, name));
    saveTfjsModel(model, join(dir, name));
    model.dispose();
  }
  const json = (n: string) => readFileSync(join(dir, n, 'model.json'), 'utf8');
  assert.equal(json('a'), json('c'), 'model.json alone does not tell the two models apart');
  const sha = (n: string) => baseModelSha256(join(dir, n, 'model.json'));
  assert.equal(sha('a'), sha('b'));
  assert.notEqual(sha('a'), sha('c'));
});

test('the example configs are valid', () => {
  const protocol = loadStudyConfig(new URL('../../examples/lenet5-pytorch-protocol.yaml', import.meta.url).pathname);
  assert.deepEqual(protocol.selection.modes, ['refine']);
  assert.equal(protocol.combine.from, 'baseline');
  assert.equal(loadStudyConfig(new URL('../../examples/keras-mnist-cnn.yaml', import.meta.url).pathname).model.zoo, 'mnist-cnn');
  assert.equal(loadStudyConfig(new URL('../../examples/fashion-mnist.yaml', import.meta.url).pathname).data.dataset, 'fashion-mnist');
  const onnx = loadStudyConfig(new URL('../../examples/pytorch-lenet5-onnx.yaml', import.meta.url).pathname);
  assert.equal(onnx.model.checkpoint, new URL('../../examples/models/pytorch-lenet5.onnx', import.meta.url).pathname);
  assert.deepEqual([onnx.recipe.optimizer, onnx.recipe.momentum, onnx.recipe.lr, onnx.recipe.batchSize, onnx.recipe.schedule], ['sgd', 0.9, 0.01, 64, 'cosine']);
  assert.deepEqual(onnx.pruning.levels, defaultStudyConfig().pruning.levels);
  assert.deepEqual(onnx.quantization.bits, defaultStudyConfig().quantization.bits);
});
