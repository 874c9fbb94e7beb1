/**
 * No data loss and no silent corruption through the CLI (issue 11): outputs never replace an
 * input or an earlier stage's model without --force, --out is checked before any work, a
 * quantized checkpoint is not pruned, a resumed run is the run it resumes, training needs at
 * least one epoch, and usage mistakes exit 2 with one line.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliInChild, type CliResult } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-cli-safety-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LIMIT = ['--limit', '32'];
const base = join(dir, 'base');
const ckpt = join(base, 'model.pqck');
let ckptBytes: Buffer;
let n = 0;
const fresh = (name = 'out') => join(dir, `${name}-${n++}`);

before(async () => {
  const r = await runCli(['train', ...LIMIT, '--epochs', '1', '--batch-size', '16', '--out', base]);
  assert.equal(r.code, 0, r.stderr);
  ckptBytes = readFileSync(ckpt);
});

/** A usage error: exit 2, one line on stderr that matches `pattern`, nothing else printed. */
function usageError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, pattern);
}

/** A copy of the base checkpoint in a folder of its own. */
function copyOfCheckpoint(): string {
  const folder = fresh('copy');
  mkdirSync(folder);
  const p = join(folder, 'model.pqck');
  copyFileSync(ckpt, p);
  return p;
}

describe('outputs never replace an input or an earlier model without --force', () => {
  for (const format of ['onnx', 'pqm']) {
    it(`export MODEL --out MODEL --format ${format} refuses and leaves the checkpoint as it was`, async () => {
      const model = copyOfCheckpoint();
      usageError(await runCli(['export', model, '--format', format, '--out', model]), /would overwrite the input .*model\.pqck; choose another --out \(or pass --force/);
      assert.deepEqual(readFileSync(model), ckptBytes);
    });
  }

  it('export --force replaces an existing output (and the input, when asked to)', async () => {
    const model = copyOfCheckpoint();
    const r = await runCli(['export', model, '--out', model, '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.notDeepEqual(readFileSync(model), ckptBytes);
  });

  it('export to an existing file of another name refuses without --force', async () => {
    const out = join(dir, 'existing.onnx');
    writeFileSync(out, 'keep me');
    usageError(await runCli(['export', ckpt, '--out', out]), /existing\.onnx already exists .*pass --force/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
  });

  it('prune into the folder of its own input refuses', async () => {
    const model = copyOfCheckpoint();
    const r = await runCli(['prune', model, '--sparsity', '0.5', '--finetune-epochs', '0', ...LIMIT, '--out', join(model, '..')]);
    usageError(r, /would overwrite the input/);
    assert.deepEqual(readFileSync(model), ckptBytes);
  });

  it('quantize into a folder holding an earlier stage\'s model refuses; --force replaces it', async () => {
    const pruned = fresh('pruned');
    assert.equal((await runCli(['prune', ckpt, '--sparsity', '0.5', '--finetune-epochs', '0', ...LIMIT, '--out', pruned])).code, 0);
    const before = readFileSync(join(pruned, 'model.pqck'));
    const other = copyOfCheckpoint();
    usageError(await runCli(['quantize', other, '--bits', '4', ...LIMIT, '--out', pruned]), /model\.pqck already exists \(model\.pqck from an earlier run or stage\)/);
    assert.deepEqual(readFileSync(join(pruned, 'model.pqck')), before);
    assert.equal((await runCli(['quantize', other, '--bits', '4', ...LIMIT, '--out', pruned, '--force'])).code, 0);
  });

  it('train into a folder with a checkpoint refuses without --resume or --force', async () => {
    const r = await runCli(['train', ...LIMIT, '--epochs', '1', '--out', base]);
    usageError(r, /model\.pqck already exists .*pass --resume to continue it/);
    assert.deepEqual(readFileSync(ckpt), ckptBytes);
  });

  it('sensitivity --out MODEL refuses', async () => {
    const model = copyOfCheckpoint();
    usageError(await runCli(['sensitivity', model, '--levels', '50', ...LIMIT, '--out', model]), /would overwrite the input/);
    assert.deepEqual(readFileSync(model), ckptBytes);
  });
});

describe('--out is checked before any work starts', () => {
  const file = join(dir, 'a-file');
  before(() => writeFileSync(file, 'x'));

  it('train --out under a file fails before training', async () => {
    const r = await runCli(['train', ...LIMIT, '--epochs', '1', '--out', join(file, 'sub')]);
    usageError(r, /--out: cannot create .*a-file is a file, not a directory/);
    assert.doesNotMatch(r.stderr, /epoch/);
  });

  it('prune --out that is a file fails before the baseline is measured', async () => {
    const r = await runCli(['prune', ckpt, '--sparsity', '0.5', '--finetune-epochs', '0', ...LIMIT, '--out', file]);
    usageError(r, /a-file is a file, not a directory/);
    assert.doesNotMatch(r.stderr, /baseline/);
  });

  it('quantize --out that is a file fails before quantizing', async () => {
    const r = await runCli(['quantize', ckpt, ...LIMIT, '--out', file]);
    usageError(r, /a-file is a file, not a directory/);
    assert.doesNotMatch(r.stderr, /fp32: accuracy/);
  });

  it('export --out that is a directory fails', async () => {
    usageError(await runCli(['export', ckpt, '--out', base]), /--out: .* is a directory, where a file will be written/);
  });

  for (const [command, args] of [
    ['train', ['train', ...LIMIT, '--epochs', '1', '--batch-size', '16']],
    ['prune', ['prune', ckpt, '--sparsity', '0.5', '--finetune-epochs', '0', ...LIMIT]],
    ['quantize', ['quantize', ckpt, ...LIMIT]],
    ['sensitivity', ['sensitivity', ckpt, '--levels', '50', ...LIMIT]],
    ['export', ['export', ckpt]],
  ] as const) {
    it(`${command} --out under /proc fails at once (mkdirSync there never returns on Node 20)`, () => {
      const out = command === 'sensitivity' || command === 'export' ? '/proc/pq-test/out.file' : '/proc/pq-test/run';
      const r = runCliInChild([...args, '--out', out], 60_000);
      assert.equal(r.signal, null, `${command} hung`);
      usageError(r, /is under \/proc, a virtual file system/);
      assert.doesNotMatch(r.stderr, /epoch|baseline|fp32/);
    });
  }
});

describe('prune refuses a quantized checkpoint', () => {
  it('says to prune first, writes nothing, and the float checkpoint still prunes', async () => {
    const q = fresh('quantized');
    assert.equal((await runCli(['quantize', ckpt, '--bits', '4', ...LIMIT, '--out', q])).code, 0);
    const out = fresh('pruned-q');
    const r = await runCli(['prune', join(q, 'model.pqck'), '--sparsity', '0.5', '--finetune-epochs', '0', ...LIMIT, '--out', out]);
    usageError(r, /is quantized \(4-bit weights\).*Prune the float checkpoint first, then quantize/);
    assert.equal(existsSync(out), false);
    // The order that works: prune, then quantize; eval accepts the result.
    const pruned = fresh('pruned');
    assert.equal((await runCli(['prune', ckpt, '--sparsity', '0.5', '--finetune-epochs', '0', ...LIMIT, '--out', pruned])).code, 0);
    const both = fresh('pruned-then-quantized');
    assert.equal((await runCli(['quantize', join(pruned, 'model.pqck'), '--bits', '4', ...LIMIT, '--out', both])).code, 0);
    const e = await runCli(['eval', join(both, 'model.pqck'), ...LIMIT, '--json']);
    assert.equal(e.code, 0, e.stderr);
    assert.deepEqual(e.json!['quantization'].weightBits, [4]);
  });
});

describe('train --resume continues the same run or refuses, naming the difference', () => {
  let run: string;
  before(async () => {
    run = fresh('resume');
    const r = await runCli(['train', '--limit', '24', '--epochs', '1', '--batch-size', '8', '--optimizer', 'adam', '--out', run]);
    assert.equal(r.code, 0, r.stderr);
  });

  for (const [option, value, stored] of [
    ['model', 'mnist-cnn', "'lenet5'"],
    ['dataset', 'fashion-mnist', "'mnist'"],
    ['limit', '48', '24'],
    ['optimizer', 'sgd', "'adam'"],
  ] as const) {
    it(`a different --${option} is refused and the checkpoint is left as it was`, async () => {
      const before = readFileSync(join(run, 'model.pqck'));
      const r = await runCli(['train', '--resume', '--epochs', '2', `--${option}`, value, '--out', run]);
      usageError(r, new RegExp(`--resume: .*model\\.pqck was trained with --${option} ${stored}, this run gives ${value === '48' ? '48' : `'${value}'`}; drop --${option}`));
      assert.deepEqual(readFileSync(join(run, 'model.pqck')), before);
    });
  }

  it('without them it continues with the checkpoint\'s model, dataset, limit and optimizer', async () => {
    const r = await runCli(['train', '--resume', '--epochs', '2', '--out', run, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json!['epochs'].length, 2);
    assert.deepEqual([r.json!['recipe'].limit, r.json!['recipe'].optimizer, r.json!['recipe'].batchSize], [24, 'adam', 8]);
  });

  it('the same values given explicitly are accepted', async () => {
    const r = await runCli(['train', '--resume', '--epochs', '3', '--limit', '24', '--optimizer', 'adam', '--dataset', 'mnist', '--model', 'lenet5', '--out', run, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json!['epochs'].length, 3);
  });
});

describe('train needs at least one epoch', () => {
  it('--epochs 0 is a usage error and writes nothing', async () => {
    const out = fresh('zero');
    usageError(await runCli(['train', ...LIMIT, '--epochs', '0', '--out', out]), /train: --epochs must be an integer >= 1, got 0/);
    assert.equal(existsSync(out), false);
  });
});

describe('usage mistakes exit 2 with one line', () => {
  const cases: [string, string[], RegExp][] = [
    ['eval with two paths', ['eval', 'a.pqck', 'b.pqck'], /eval: one MODEL expected, also got 'b\.pqck'/],
    ['train with a stray argument', ['train', 'lenet5'], /train: takes no positional arguments, got 'lenet5'/],
    ['--json=no', ['eval', 'a.pqck', '--json=no'], /--json is a switch: give --json, --json=true or --json=false, not 'no'/],
    ['--force=1', ['export', 'a.pqck', '--out', 'b.onnx', '--force=1'], /--force is a switch/],
    ['an option given twice', ['train', '--lr', '0.1', '--lr', '0.2'], /--lr is given more than once/],
    ['a value that is the next option', ['export', 'a.pqck', '--out', '--json'], /--out needs a value/],
    ['--limit -5', ['train', '--limit', '-5'], /--limit must be an integer >= 1, got -5/],
    ['--limit 2.5', ['eval', 'a.pqck', '--limit', '2.5'], /--limit must be an integer >= 1, got 2\.5/],
    ['--batch-size 0', ['eval', 'a.pqck', '--batch-size', '0'], /--batch-size must be an integer >= 1, got 0/],
    ['--seed 1.5', ['train', '--seed', '1.5'], /--seed must be an integer, got 1\.5/],
    ['--lr 0', ['train', '--lr', '0'], /--lr must be a number > 0, got 0/],
    ['--label-smoothing 1', ['train', '--label-smoothing', '1'], /--label-smoothing must be a number in \[0, 1\), got 1/],
    ['--threads 1e9', ['eval', 'a.pqck', '--threads', '1e9'], /--threads must be an integer in \[1, 256\], got 1e9/],
    ['--schedule nope', ['train', '--schedule', 'nope', ...LIMIT, '--out', join(dir, 'never')], /unknown --schedule 'nope'; known: constant, step, cosine/],
    ['--finetune-epochs -1', ['prune', 'a.pqck', '--sparsity', '0.5', '--finetune-epochs', '-1'], /--finetune-epochs must be an integer >= 0, got -1/],
    ['--percentile 0', ['quantize', 'a.pqck', '--percentile', '0'], /--percentile must be a number in \(0, 100\], got 0/],
    ['--symmetric with --asymmetric', ['quantize', 'a.pqck', '--symmetric', '--asymmetric'], /choose one of --symmetric and --asymmetric/],
    ['eval --dataset nope', ['eval', 'a.pqck', '--dataset', 'nope'], /unknown dataset 'nope'/],
  ];
  for (const [label, argv, pattern] of cases) it(label, async () => usageError(await runCli(argv), pattern));
});
