/**
 * CLI fuzz (issue 11): every command, run in-process, with generated bad argument lists and
 * damaged input files. Each case starts from a small valid command (so a mutation that fails
 * to be caught runs briefly and shows up as exit 0) and breaks it in one or two ways: unknown
 * flags, missing values, wrong types, negative / NaN / huge numbers, paths that do not exist,
 * directories as files, /proc paths, truncated or flipped checkpoints and .pqm files, outputs
 * over inputs. Each must exit 1 or 2 with one line on stderr and no stack trace, not hang,
 * write nothing outside its --out, and leave every input byte as it was.
 *
 * A hang inside a synchronous call (mkdirSync under /proc on Node 20) would stall this process
 * before the per-case timer fires; cli-safety.test.ts checks those paths in a child process.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { splitCheckpoint } from '../helpers/checkpoint-bytes.js';
import { caseGenerator, rng, type FuzzInputs } from './fuzz-cases.js';
import { makeStudyResults } from '../report/fixture.js';
import { openRunDir, validateStudyConfig } from '../../src/study/index.js';

const CASES = 280;
const SEED = 0x5eed11;
const CASE_TIMEOUT_MS = 20_000;

const root = mkdtempSync(join(tmpdir(), 'pq-cli-fuzz-'));
const IN = join(root, 'in'), OUTS = join(root, 'outs'), CWD = join(root, 'cwd');
const previousCwd = process.cwd();
after(() => {
  process.chdir(previousCwd);
  rmSync(root, { recursive: true, force: true });
});

/** Inputs every case may read; the damaged copies are filled in before(). */
const P: FuzzInputs = {
  in: IN, outs: OUTS,
  model: join(IN, 'model.pqck'), pqm: join(IN, 'model.pqm'), onnx: join(IN, 'model.onnx'), misnamed: join(IN, 'checkpoint.onnx'), quantized: join(IN, 'quantized', 'model.pqck'),
  run: join(IN, 'run'), junk: join(IN, 'junk.pqck'), dir: join(IN, 'dir.pqck'), dirPqm: join(IN, 'dir.pqm'),
  damagedPqck: [], damagedPqm: [],
  results: join(IN, 'study'), damagedResults: [],
  studyConfig: join(IN, 'study.yaml'), badConfigs: [], otherStudy: join(IN, 'other-study'),
};
const { damagedPqck, damagedPqm } = P;
const generate = caseGenerator(P);

async function ok(argv: string[]): Promise<void> {
  const r = await runCli(argv);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
}

before(async () => {
  for (const d of [IN, OUTS, CWD, P.dir, P.dirPqm]) mkdirSync(d, { recursive: true });
  // Commands given no --out would write under the working directory: make that ours, and watched.
  process.chdir(CWD);
  await ok(['train', '--limit', '32', '--epochs', '1', '--batch-size', '16', '--out', P.run]);
  copyFileSync(join(P.run, 'model.pqck'), P.model);
  await ok(['export', P.model, '--format', 'pqm', '--out', P.pqm]);
  await ok(['export', P.model, '--out', P.onnx]);
  copyFileSync(P.model, P.misnamed);
  await ok(['quantize', P.model, '--bits', '4', '--limit', '16', '--out', join(IN, 'quantized')]);
  writeFileSync(P.junk, 'this is not a checkpoint\n');
  writeFileSync(join(IN, 'empty.pqm'), new Uint8Array(0));
  damagedPqm.push(join(IN, 'empty.pqm'));

  const r = rng(SEED ^ 0xda7a);
  const ckpt = new Uint8Array(readFileSync(P.model));
  const { payloadStart } = splitCheckpoint(ckpt);
  const write = (list: string[], name: string, bytes: Uint8Array) => {
    const p = join(IN, name);
    writeFileSync(p, bytes);
    list.push(p);
  };
  for (const cut of [0, 3, 8, 14, 40, payloadStart - 1, payloadStart + 7, ckpt.length - 1]) write(damagedPqck, `cut-${cut}.pqck`, ckpt.subarray(0, cut));
  for (let i = 0; i < 10; i++) {
    const b = Uint8Array.from(ckpt);
    const at = r.int(payloadStart); // header bytes: preamble, CRC, JSON, padding
    b[at]! ^= 1 << r.int(8);
    write(damagedPqck, `flip-header-${i}-at-${at}.pqck`, b);
  }
  for (let i = 0; i < 4; i++) {
    const b = Uint8Array.from(ckpt);
    const at = payloadStart + r.int(ckpt.length - payloadStart);
    b[at]! ^= 1 << r.int(8);
    write(damagedPqck, `flip-blob-${i}-at-${at}.pqck`, b);
  }
  const pqm = new Uint8Array(readFileSync(P.pqm));
  for (let i = 0; i < 8; i++) {
    const b = Uint8Array.from(pqm);
    const at = i < 4 ? r.int(Math.min(256, pqm.length)) : r.int(pqm.length); // the header half the time
    b[at]! ^= 1 << r.int(8);
    write(damagedPqm, `flip-${i}-at-${at}.pqm`, b);
  }
  for (const cut of [4, 20, pqm.length >> 1, pqm.length - 1]) write(damagedPqm, `cut-${cut}.pqm`, pqm.subarray(0, cut));

  // A study folder for `report`, and copies whose results.json is damaged.
  const results = JSON.stringify(makeStudyResults());
  mkdirSync(P.results, { recursive: true });
  writeFileSync(join(P.results, 'results.json'), results);
  const damaged: [string, string][] = [
    ['cut', results.slice(0, results.length >> 1)], ['empty', ''], ['not-json', 'trials: []'],
    ['version', results.replace('"version":1', '"version":7')], ['no-trials', results.replace('"trials":', '"trails":')],
    ['bad-accuracy', results.replace(/"valAccuracy":[0-9.]+/, '"valAccuracy":"high"')],
  ];
  for (const [name, text] of damaged) {
    const dir = join(IN, `study-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.json'), text);
    P.damagedResults.push(dir);
  }
  P.damagedResults.push(join(IN, 'study-missing'));
  mkdirSync(join(IN, 'study-missing'), { recursive: true });

  // Study configs for `run`: a valid one, broken ones, and a run folder of another config.
  writeFileSync(P.studyConfig, 'seed: 0\n');
  const configs: [string, string][] = [
    ['unclosed', 'pruning:\n  levels: [50, 70\n'], ['tabs', 'recipe:\n\tlr: 0.1\n'], ['duplicate', 'seed: 1\nseed: 2\n'],
    ['list', '- 1\n- 2\n'], ['scalar', 'just words\n'], ['unknown-top', 'recipes: {}\n'], ['unknown-nested', 'recipe:\n  lrr: 0.1\n'],
    ['bad-type', 'recipe:\n  epochs: five\n'], ['bad-range', 'pruning:\n  levels: [50, 101]\n'], ['bad-bits', 'quantization:\n  bits: [1]\n'],
    ['unknown-model', 'model: resnet1000\n'], ['unknown-dataset', 'data:\n  dataset: imagenet\n'], ['missing-checkpoint', 'model: nowhere/model.pqck\n'],
    ['junk-checkpoint', `model: ${P.junk}\n`], ['quantized-checkpoint', `model: ${P.quantized}\n`], ['negative-val', 'data:\n  validation: -5\n'],
    ['huge-val', 'data:\n  validation: 1000000\n  trainLimit: 100\n'], ['workers', 'workers: 0\n'],
  ];
  for (const [name, text] of configs) {
    const p = join(IN, `config-${name}.yaml`);
    writeFileSync(p, text);
    P.badConfigs.push(p);
  }
  openRunDir(P.otherStudy, validateStudyConfig({ seed: 7 }, 'other', 'tiny'));
});

// ---- watching the file system ----

function walk(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      into.set(p, 'dir');
      walk(p, into);
    } else {
      into.set(p, createHash('sha1').update(readFileSync(p)).digest('hex'));
    }
  }
  return into;
}

const under = (p: string, top: string | undefined) => top !== undefined && (p === top || p.startsWith(top + sep));

function withTimeout(p: Promise<CliResult>, what: string): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`hung for ${CASE_TIMEOUT_MS} ms: ${what}`)), CASE_TIMEOUT_MS); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

describe('CLI fuzz', () => {
  it(`${CASES} generated bad argument lists: exit 1 or 2, one line, no stack, no hang, no stray writes, inputs unchanged`, { timeout: 240_000 }, async () => {
    const initial = walk(root);
    const r = rng(SEED);
    const failures: string[] = [];
    const codes = new Map<string, number>();
    const seen = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const { argv, c } = generate(i, r);
      const label = `case ${i} [${c.what.join('; ')}]: prunequant ${argv.map((a) => (a === '' || a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
      seen.add(argv.join('\0'));
      let res: CliResult;
      try {
        res = await withTimeout(runCli(argv), label);
      } catch (e) {
        failures.push(`${label}\n  ${(e as Error).message}`);
        break; // a hung command keeps running in this process; later cases would not be independent
      }
      if (process.env['PQ_FUZZ_LOG']) process.stderr.write(`${label}\n  -> ${res.code} ${res.stderr}`);
      codes.set(`${c.command} exit ${res.code}`, (codes.get(`${c.command} exit ${res.code}`) ?? 0) + 1);
      const lines = res.stderr.trimEnd().split('\n');
      const problems: string[] = [];
      if (res.code !== 1 && res.code !== 2) problems.push(`exit ${res.code}`);
      if (res.stderr.trim() === '' || lines.length !== 1) problems.push(`stderr has ${res.stderr.trim() === '' ? 'nothing' : `${lines.length} lines`}`);
      if (!res.stderr.startsWith(`prunequant ${c.command}: `) && !res.stderr.startsWith('prunequant: ')) problems.push('stderr does not start with the command');
      if (/\n\s+at |\bat .*\.[jt]s:\d+:\d+/.test(res.stderr)) problems.push('stack trace');
      if (res.stdout !== '') problems.push(`printed to stdout: ${res.stdout.slice(0, 200)}`);
      const now = walk(root);
      for (const [p, hash] of initial) {
        if (now.get(p) !== hash) problems.push(`${now.has(p) ? 'changed' : 'removed'} ${p}`);
      }
      for (const p of now.keys()) {
        if (!initial.has(p) && !under(p, c.out)) problems.push(`wrote ${p} outside --out`);
      }
      if (problems.length > 0) failures.push(`${label}\n  ${problems.join('\n  ')}\n  stderr: ${res.stderr.trimEnd()}`);
      // Keep the next case's view of the outputs clean.
      if (c.out !== undefined) rmSync(c.out, { recursive: true, force: true });
    }
    assert.ok(seen.size >= 200, `only ${seen.size} distinct argument lists`);
    assert.deepEqual(readdirSync(CWD), [], 'nothing written to the working directory');
    assert.equal(failures.length, 0, `${failures.length} of ${CASES} cases failed:\n${failures.join('\n')}`);
    // Both kinds of failure occur: usage errors (2) and bad files (1).
    const total = (code: number) => [...codes].filter(([k]) => k.endsWith(`exit ${code}`)).reduce((s, [, v]) => s + v, 0);
    assert.ok(total(1) > 20 && total(2) > 100, JSON.stringify(Object.fromEntries(codes)));
  });
});
