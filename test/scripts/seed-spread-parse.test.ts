import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cellKey, countMatches, lookupCell, matches, parseAnchorTable, parseStudySeedTable, parseTorchRun, SeedSpreadParseError,
} from '../../scripts/seed-spread-parse.js';

// Hand-made, in the shapes of shared/anchors/pytorch-lenet5.md and docs/pytorch-protocol.md;
// the numbers are invented.
const ANCHOR = `# Anchor

| config | post | aware | refined | nnz | size (B) | ratio |
|---|---|---|---|---|---|---|
| baseline | 90.00 | | | 100 | 400 | 1x |
| prune 50% | 80.50 | 85.25 | 86.00 | 50 | 200 | 2x |
| 70% + 4 bits | 60.00 | 70.00 | 75.10 | 30 | 20 | 20x |

The whole protocol took 1 minute.
`;

const DOC = `Some text.

| config | post: PyTorch | ours | diff |
|---|---:|---:|---:|
| baseline | 1.00 | 2.00 | 1.00 |

| config | mode | PyTorch | seed 0 | seed 3 | mean |
|---|---|---:|---:|---:|---:|
| baseline | post | 90.00 | 89.90 | 89.70 | 89.80 |
| prune 50% | refine | 86.00 | **85.70** | 86.40 | 86.05 |
| 60% + 3 bits | aware | 70.00 | 71.00 | | 71.00 |
`;

describe('scripts/seed-spread-parse', () => {
  it('reads the anchor table: 7 cells, the baseline only under post, refined as refine, the combination keyed by role', () => {
    const cells = parseAnchorTable(ANCHOR);
    assert.equal(cells.length, 7);
    assert.deepEqual(cells[0], { key: 'baseline', config: 'baseline', mode: 'post', accuracy: 90 });
    assert.deepEqual(cells.filter((c) => c.config === 'prune 50%').map((c) => [c.mode, c.accuracy]), [['post', 80.5], ['aware', 85.25], ['refine', 86]]);
    assert.deepEqual(cells.filter((c) => c.key === 'combination').map((c) => c.config), ['70% + 4 bits', '70% + 4 bits', '70% + 4 bits']);
  });

  it('names the file and line of a bad anchor cell, and says when the table is missing', () => {
    assert.throws(() => parseAnchorTable(ANCHOR.replace('85.25', 'n/a'), 'a.md'), (e: Error) =>
      e instanceof SeedSpreadParseError && /a\.md:6 \(prune 50%, aware\): 'n\/a'/.test(e.message));
    assert.throws(() => parseAnchorTable('| a | b |\n|---|---|\n| 1 | 2 |\n', 'b.md'), /b\.md: no table with the header/);
  });

  it('reads the study table by its seed columns, skipping the other table, bold marks and empty cells', () => {
    const seeds = parseStudySeedTable(DOC);
    assert.deepEqual([...seeds.keys()], [0, 3]);
    assert.deepEqual(seeds.get(0)!.map((c) => [c.key, c.mode, c.accuracy]),
      [['baseline', 'post', 89.9], ['prune 50%', 'refine', 85.7], ['combination', 'aware', 71]]);
    assert.deepEqual(seeds.get(3)!.map((c) => c.accuracy), [89.7, 86.4]);
    assert.throws(() => parseStudySeedTable(DOC.replace('| refine |', '| tuned |'), 'd.md'), /d\.md:10: mode 'tuned'/);
  });

  it('reads a torch run and rejects a malformed one by field', () => {
    const run = parseTorchRun(JSON.stringify({ seed: 4, complete: false, cells: [{ config: '95% + 3 bits', mode: 'refine', accuracy: 98.5, nnz: 3 }] }));
    assert.deepEqual(run, { seed: 4, complete: false, cells: [{ key: 'combination', config: '95% + 3 bits', mode: 'refine', accuracy: 98.5 }] });
    assert.throws(() => parseTorchRun('{', 'r.json'), /r\.json: not JSON/);
    assert.throws(() => parseTorchRun('{"seed": 1, "cells": [{"config": "x", "mode": "post", "accuracy": 101}]}', 'r.json'),
      /r\.json: cells\[0\]\.accuracy is 101/);
    assert.throws(() => parseTorchRun('{"seed": "1", "cells": []}', 'r.json'), /'seed' must be an integer/);
  });

  it('matches within the tolerance or above, on values rounded to the hundredth', () => {
    assert.equal(matches(98.8, 99.0, 0.2), true); // exactly 0.2 below: 98.8 - 99.0 is -0.2000000000000028 in floats
    assert.equal(matches(98.79, 99.0, 0.2), false);
    assert.equal(matches(99.5, 99.0, 0.2), true);
    assert.equal(cellKey('prune 95%'), 'prune 95%');
    assert.equal(cellKey('95% + 2 bits'), 'combination');
  });

  it('counts matches, misses and cells a run lacks', () => {
    const anchor = parseAnchorTable(ANCHOR);
    const run = parseStudySeedTable(DOC).get(0)!;
    // baseline 89.90 vs 90.00: matched; prune 50% refine 85.70 vs 86.00: missed; combination aware 71 vs 70: beaten; 4 absent.
    assert.deepEqual(countMatches(anchor, run, 0.2), { matched: 2, missing: 4, misses: ['prune 50% refine'] });
    assert.equal(countMatches(anchor, run, 0.3).matched, 3);
  });

  it('takes the same config first, the run\'s own combination otherwise', () => {
    const combo = parseAnchorTable(ANCHOR).find((c) => c.key === 'combination' && c.mode === 'aware');
    assert.equal(combo!.config, '70% + 4 bits');
    const own = { key: 'combination', config: '70% + 2 bits', mode: 'aware' as const, accuracy: 50 };
    const same = { key: 'combination', config: '70% + 4 bits', mode: 'aware' as const, accuracy: 69 };
    assert.equal(lookupCell([own], combo!), 50);
    assert.equal(lookupCell([own, same], combo!), 69);
    assert.equal(lookupCell([same], { ...combo!, mode: 'refine' }), undefined);
  });

  it('the script prints the table and one count per run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-spread-'));
    writeFileSync(join(dir, 'anchor.md'), ANCHOR);
    writeFileSync(join(dir, 'doc.md'), DOC);
    writeFileSync(join(dir, 't.json'), JSON.stringify({ seed: 7, complete: true, cells: [
      { config: 'baseline', mode: 'post', accuracy: 89.7 }, { config: '70% + 3 bits', mode: 'refine', accuracy: 75 },
    ] }));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pytorch-seed-spread.ts', join(dir, 't.json'),
      '--anchor', join(dir, 'anchor.md'), '--study-doc', join(dir, 'doc.md')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\| config \| mode \| anchor \| PyTorch seed 7 \| ours seed 0 \| ours seed 3 \| PyTorch reruns missing \| ours missing \|/);
    assert.match(r.stdout, /\| baseline \| post \| 90\.00 \| \*\*89\.70\*\* \| 89\.90 \| \*\*89\.70\*\* \| 1 of 1 \| 1 of 2 \|/);
    assert.match(r.stdout, /\| prune 50% \| post \| 80\.50 \| – \| – \| – \| 0 of 0 \| 0 of 0 \|/);
    assert.match(r.stdout, /PyTorch seed 7 \(.*t\.json, combination 70% \+ 3 bits\): 1 of 7 \(5 not run\); missed: baseline post/);
    assert.match(r.stdout, /ours seed 3 .*: 1 of 7 \(5 not run\); missed: baseline post/);
    writeFileSync(join(dir, 't2.json'), JSON.stringify({ seed: 7, complete: true, cells: [
      { config: '70% + 4 bits', mode: 'refine', accuracy: 74 },
    ] }));
    const merged = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pytorch-seed-spread.ts', join(dir, 't.json'), join(dir, 't2.json'),
      '--anchor', join(dir, 'anchor.md'), '--study-doc', join(dir, 'doc.md')], { encoding: 'utf8' });
    assert.equal(merged.status, 0, merged.stderr);
    assert.match(merged.stdout, /\| 70% \+ 4 bits \| refine \| 75\.10 \| \*\*74\.00\*\* \|/);
    assert.match(merged.stdout, /PyTorch seed 7 \(.*t\.json, combination 70% \+ 3 bits; .*t2\.json, combination 70% \+ 4 bits\): 0 of 7 \(5 not run\)/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pytorch-seed-spread.ts', join(dir, 'nope.json'),
      '--anchor', join(dir, 'anchor.md')], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /nope\.json: cannot read \(ENOENT\)/);
  });
});
