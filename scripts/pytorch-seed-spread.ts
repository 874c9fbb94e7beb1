/**
 * The PyTorch anchor's LeNet-5 cells (shared/anchors/pytorch-lenet5.md, one run, seed 0) beside
 * PyTorch's own reruns of the same protocol (bench/torch_lenet5_protocol.py, one JSON per seed)
 * and the study's seeds (the per-seed table of docs/pytorch-protocol.md). Prints Markdown: one
 * row per cell, then for every run how many of the anchor's cells it matches within the
 * tolerance or beats, and which it misses. Measures nothing itself.
 *
 * Several files of one seed (say a whole run and a later run of one combination) make one
 * column; an anchor cell takes a run's cell of the same config, else (the combination) the
 * run's own combination.
 *
 * Usage: node --import tsx scripts/pytorch-seed-spread.ts TORCH_SEED.json... [--anchor FILE]
 *          [--study-doc FILE] [--tolerance 0.2]
 * Defaults: --anchor ../shared/anchors/pytorch-lenet5.md, --study-doc docs/pytorch-protocol.md
 * (both from the repository root).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  countMatches, lookupCell, matches, parseAnchorTable, parseStudySeedTable, parseTorchRun, SeedSpreadParseError, type Cell,
} from './seed-spread-parse.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const usage = 'usage: node --import tsx scripts/pytorch-seed-spread.ts TORCH_SEED.json... [--anchor FILE] [--study-doc FILE] [--tolerance PP]\n';
const options = new Map<string, string>();
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a.startsWith('--')) {
    if (!['--anchor', '--study-doc', '--tolerance'].includes(a) || i + 1 >= args.length) {
      process.stderr.write(`${a}: unknown option or missing value\n${usage}`);
      process.exit(2);
    }
    options.set(a, args[++i]!);
  } else files.push(a);
}
const tolerance = Number(options.get('--tolerance') ?? '0.2');
if (files.length === 0 || !(tolerance >= 0)) {
  process.stderr.write(usage);
  process.exit(2);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    process.stderr.write(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    process.exit(1);
  }
}

interface Column { label: string; cells: Cell[]; note: string }

const anchorPath = options.get('--anchor') ?? join(root, '..', 'shared', 'anchors', 'pytorch-lenet5.md');
const docPath = options.get('--study-doc') ?? join(root, 'docs', 'pytorch-protocol.md');
let anchor: Cell[];
const columns: Column[] = [];
try {
  anchor = parseAnchorTable(read(anchorPath), anchorPath);
  const bySeed = new Map<number, { cells: Cell[]; notes: string[] }>();
  for (const f of files) {
    const run = parseTorchRun(read(f), f);
    const combos = [...new Set(run.cells.filter((c) => c.key === 'combination').map((c) => c.config))];
    const col = bySeed.get(run.seed) ?? { cells: [], notes: [] };
    col.cells.push(...run.cells);
    col.notes.push(`${f}${run.complete ? '' : ' (incomplete)'}${combos.length === 0 ? '' : `, combination ${combos.join(', ')}`}`);
    bySeed.set(run.seed, col);
  }
  for (const [seed, col] of [...bySeed].sort((a, b) => a[0] - b[0])) {
    columns.push({ label: `PyTorch seed ${seed}`, cells: col.cells, note: col.notes.join('; ') });
  }
  for (const [seed, cells] of [...parseStudySeedTable(read(docPath), docPath)].sort((a, b) => a[0] - b[0])) {
    columns.push({ label: `ours seed ${seed}`, cells, note: docPath });
  }
} catch (e) {
  if (!(e instanceof SeedSpreadParseError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}

const fmt = (v: number | undefined, want: number) => (v === undefined ? '–' : matches(v, want, tolerance) ? v.toFixed(2) : `**${v.toFixed(2)}**`);
const lines: string[] = [
  `Test accuracy, %. Bold: more than ${tolerance} pp below the anchor (PyTorch, one run, seed 0).`, '',
  `| config | mode | anchor | ${columns.map((c) => c.label).join(' | ')} | PyTorch reruns missing | ours missing |`,
  `|---|---|---:|${columns.map(() => '---:').join('|')}|---:|---:|`,
];
/** 'k of n': of the runs in `group` that have this cell, how many miss it. */
const missing = (a: Cell, group: 'PyTorch' | 'ours') => {
  const got = columns.flatMap((c) => (c.label.startsWith(group) ? [lookupCell(c.cells, a)] : []))
    .filter((v): v is number => v !== undefined);
  return `${got.filter((v) => !matches(v, a.accuracy, tolerance)).length} of ${got.length}`;
};
for (const a of anchor) {
  lines.push(`| ${a.config} | ${a.mode} | ${a.accuracy.toFixed(2)} | ${columns.map((c) => fmt(lookupCell(c.cells, a), a.accuracy)).join(' | ')}` +
    ` | ${missing(a, 'PyTorch')} | ${missing(a, 'ours')} |`);
}
lines.push('', `Cells of the anchor's ${anchor.length} matched within ${tolerance} pp or beaten:`, '');
columns.forEach((c) => {
  const n = countMatches(anchor, c.cells, tolerance);
  lines.push(`- ${c.label} (${c.note}): ${n.matched} of ${anchor.length}${n.missing > 0 ? ` (${n.missing} not run)` : ''}` +
    `${n.misses.length > 0 ? `; missed: ${n.misses.join(', ')}` : ''}`);
});
process.stdout.write(`${lines.join('\n')}\n`);
