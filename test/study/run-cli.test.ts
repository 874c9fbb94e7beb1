/** `prunequant run` refuses bad input with one clear line before any training starts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli } from '../helpers/cli.js';
import { openRunDir, validateStudyConfig } from '../../src/study/index.js';

const root = mkdtempSync(join(tmpdir(), 'pq-run-cli-'));
function yaml(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

async function refused(argv: string[], pattern: RegExp, code = 2): Promise<void> {
  const started = performance.now();
  const r = await runCli(argv);
  assert.equal(r.code, code, `${argv.join(' ')}: exit ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^prunequant run: /);
  assert.match(lines[0]!, pattern);
  assert.ok(performance.now() - started < 5000, 'refused before any training');
}

test('invalid YAML, unknown model or dataset, and schema mistakes: exit 2, naming the file and field', async () => {
  await refused(['run', yaml('bad.yaml', 'pruning: [50, 70\nbits: 3\n'), '--out', join(root, 'o1')], /bad\.yaml:2:\d+: invalid YAML/);
  await refused(['run', yaml('model.yaml', 'model: resnet1000\n'), '--out', join(root, 'o2')], /model\.yaml: model: "resnet1000" is not allowed; expected a zoo model \(lenet5/);
  await refused(['run', yaml('data.yaml', 'data:\n  dataset: imagenet\n'), '--out', join(root, 'o3')], /data\.dataset: "imagenet" is not allowed; expected one of mnist, fashion-mnist/);
  await refused(['run', yaml('levels.yaml', 'pruning:\n  levels: [50, 101]\n'), '--out', join(root, 'o4')], /pruning\.levels\[1\]: 101 is not allowed/);
  await refused(['run', join(root, 'missing.yaml'), '--out', join(root, 'o5')], /missing\.yaml: cannot read the study config/);
  await refused(['run', '--preset', 'huge'], /'huge' is not a preset; known: quick, tiny/);
  await refused(['run', '--preset', 'tiny', '--workers', 'many', '--out', join(root, 'o7')], /--workers must be 'auto' or an integer in \[1, 64\], got many/);
  await refused(['run', '--preset', 'tiny', '--workers', '2.5', '--out', join(root, 'o7')], /--workers must be 'auto' or an integer in \[1, 64\], got 2\.5/);
  await refused(['run', yaml('ckpt.yaml', 'model: nowhere/model.pqck\n'), '--out', join(root, 'o6')], /ckpt\.yaml: model: .*nowhere\/model\.pqck: cannot read (the model|checkpoint) \(ENOENT\)/);
  for (const d of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7']) assert.ok(!existsSync(join(root, d)), `${d} was not created`);
});

test('run directories: unwritable, already holding a study, from a different config, both --out and --resume', async () => {
  await refused(['run', '--preset', 'tiny', '--out', '/proc/pq-study'], /\/proc.*virtual file system|cannot write/);
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  await refused(['run', '--preset', 'tiny', '--out', join(file, 'sub')], /is a file, not a directory/);
  const study = join(root, 'study');
  openRunDir(study, validateStudyConfig(null, 'defaults', 'tiny'));
  await refused(['run', '--preset', 'tiny', '--out', study], /already holds a study with this config; continue it with --resume/);
  await refused(['run', '--preset', 'quick', '--resume', study], /different config; differs in data\.testLimit \(1000 there, null here\).*pruning\.levels/);
  await refused(['run', '--resume', join(root, 'nothing-here')], /no study\.json there/);
  await refused(['run', '--preset', 'tiny', '--out', study, '--resume', study], /not both/);
  const full = join(root, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'notes.txt'), 'mine');
  await refused(['run', '--preset', 'tiny', '--out', full], /exists and is not empty/);
});
