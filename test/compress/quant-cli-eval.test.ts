/**
 * `prunequant eval` on a quantized checkpoint runs the quantized model as `prunequant quantize`
 * evaluated it: with int8 activations re-applied, eval reports the quantize step's accuracy and
 * loss exactly, and a float evaluation of the same weights (activation quantization left off)
 * gives a different loss, so the test would notice an eval that ignored meta.quantization.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchSource, loadDataset } from '../../src/data/index.js';
import { GraphBuilder, Sgd, evaluate, fit, loadCheckpoint, saveCheckpoint } from '../../src/nn/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-quant-eval-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const NORM = { mean: 0.1307, std: 0.3081 };
const LIMIT = '300';

const run = runCli;

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('prunequant eval on a quantized checkpoint', () => {
  let checkpoint = '';
  before(async () => {
    // A small conv net, trained briefly: enough to be well above chance, fast to quantize.
    const split = loadDataset('mnist', { limit: Number(LIMIT) });
    const g = new GraphBuilder(1, [1, 28, 28]);
    g.linear(g.flatten(g.pool(g.act(g.conv(g.input, 4, 5, { stride: 2 })), 'MaxPool2d', 2)), 10);
    const model = g.build('tiny-mnist');
    const opt = new Sgd(model.params(), { momentum: 0.9 });
    await fit(model, batchSource(split.train, { normalization: NORM }), opt, { epochs: 2, batchSize: 32, lr: 0.05, seed: 1 });
    opt.dispose();
    checkpoint = join(dir, 'float.pqck');
    saveCheckpoint(checkpoint, model, { meta: { recipe: { dataset: 'mnist', epochs: 2, lr: 0.05, batchSize: 32 }, normalization: NORM } });
    model.dispose();
  });

  it('reports the accuracy and loss the quantize step measured, with int8 activations re-applied', async () => {
    const out = join(dir, 'w4a8');
    const q = await run(['quantize', checkpoint, '--bits', '4', '--activations', 'int8', '--calibration-batches', '2', '--limit', LIMIT, '--out', out, '--json']);
    assert.equal(q.code, 0, q.stderr);
    const quantized = lastJson(q.stdout);
    assert.ok(quantized.accuracyBefore > 0.5, `the float net learned something: ${quantized.accuracyBefore}`);

    const path = join(out, 'model.pqck');
    const e = await run(['eval', path, '--json', '--limit', LIMIT]);
    assert.equal(e.code, 0, e.stderr);
    const evaluated = lastJson(e.stdout);
    assert.equal(evaluated.count, quantized.testCount);
    assert.equal(evaluated.accuracy, quantized.accuracyAfter);
    assert.equal(evaluated.loss, quantized.lossAfter);
    assert.deepEqual(evaluated.quantization, { weightBits: [4], weights: 2, activations: 'int8' });

    // The same weights without activation quantization compute something else.
    const { model: plain } = loadCheckpoint(path);
    const test = batchSource(loadDataset('mnist', { limit: Number(LIMIT) }).test, { normalization: NORM });
    const float = evaluate(plain, test);
    plain.dispose();
    assert.notEqual(float.loss, evaluated.loss, 'eval applied activation quantization');

    // The readable summary says it is quantized; a float checkpoint reports quantization null.
    assert.match((await run(['eval', path, '--limit', LIMIT])).stdout, /\[quantized: 4-bit weights, int8 activations\]/);
    assert.equal(lastJson((await run(['eval', checkpoint, '--json', '--limit', LIMIT])).stdout).quantization, null);
  });
});
