/**
 * Parsing and counting for scripts/pytorch-seed-spread.ts: the anchor's results table
 * (shared/anchors/pytorch-lenet5.md), the study's per-seed table in docs/pytorch-protocol.md,
 * and the JSON that bench/torch_lenet5_protocol.py writes. Kept apart from the script so the
 * parsing is tested on hand-made fixtures (test/scripts/seed-spread-parse.test.ts).
 */

export type Mode = 'post' | 'aware' | 'refine';
export const MODES: readonly Mode[] = ['post', 'aware', 'refine'];

/** One accuracy cell. `key` is the config with any combination ('95% + 3 bits') folded to 'combination'. */
export interface Cell {
  key: string;
  config: string;
  mode: Mode;
  /** Test accuracy in percent. */
  accuracy: number;
}

export class SeedSpreadParseError extends Error {
  override name = 'SeedSpreadParseError';
}

const COMBINATION = /^\d+(\.\d+)?% \+ \d+ bits?$/;

/** Each run may pick its own combination; cells line up by role, so all combinations share one key. */
export function cellKey(config: string): string {
  return COMBINATION.test(config) ? 'combination' : config;
}

function splitRow(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

/** Markdown tables in `text`, each as its header cells, body rows, and the line number (1-based) of its header. */
function tables(text: string): { header: string[]; rows: string[][]; line: number }[] {
  const lines = text.split(/\r?\n/);
  const found: { header: string[]; rows: string[][]; line: number }[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!)) continue;
    const header = splitRow(lines[i]!).map((h) => h.toLowerCase());
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j++) rows.push(splitRow(lines[j]!));
    found.push({ header, rows, line: i + 1 });
    i = j - 1;
  }
  return found;
}

function percentCell(raw: string, where: string): number | null {
  const s = raw.replace(/\*/g, '').trim();
  if (s === '' || s === '–' || s === '-') return null;
  const v = Number(s.replace(/%$/, ''));
  if (!Number.isFinite(v) || v < 0 || v > 100) throw new SeedSpreadParseError(`${where}: '${raw}' is not an accuracy in percent`);
  return v;
}

/**
 * The anchor's results table: the first table whose header starts `config | post | aware |
 * refined`. Empty cells (the baseline's aware and refined) are not cells.
 */
export function parseAnchorTable(markdown: string, file = 'anchor'): Cell[] {
  const t = tables(markdown).find((x) => x.header[0] === 'config' && x.header[1] === 'post' && x.header[2] === 'aware'
    && (x.header[3] === 'refined' || x.header[3] === 'refine'));
  if (t === undefined) throw new SeedSpreadParseError(`${file}: no table with the header 'config | post | aware | refined'`);
  const cells: Cell[] = [];
  t.rows.forEach((row, r) => {
    const config = row[0] ?? '';
    if (config === '') throw new SeedSpreadParseError(`${file}:${t.line + 2 + r}: a row without a config`);
    MODES.forEach((mode, m) => {
      const v = percentCell(row[m + 1] ?? '', `${file}:${t.line + 2 + r} (${config}, ${mode})`);
      if (v !== null) cells.push({ key: cellKey(config), config, mode, accuracy: v });
    });
  });
  if (cells.length === 0) throw new SeedSpreadParseError(`${file}:${t.line}: the results table has no accuracy cells`);
  return cells;
}

/**
 * The study's per-seed table in docs/pytorch-protocol.md: the first table with the columns
 * `config`, `mode` and one or more `seed N`. Returns the cells by seed.
 */
export function parseStudySeedTable(markdown: string, file = 'doc'): Map<number, Cell[]> {
  const t = tables(markdown).find((x) => x.header[0] === 'config' && x.header[1] === 'mode' && x.header.some((h) => /^seed \d+$/.test(h)));
  if (t === undefined) throw new SeedSpreadParseError(`${file}: no table with the columns 'config | mode | ... | seed N'`);
  const seeds = new Map<number, Cell[]>();
  t.header.forEach((h, col) => {
    const m = /^seed (\d+)$/.exec(h);
    if (m === null) return;
    const cells: Cell[] = [];
    t.rows.forEach((row, r) => {
      const config = row[0] ?? '';
      const mode = row[1] as Mode;
      if (!MODES.includes(mode)) throw new SeedSpreadParseError(`${file}:${t.line + 2 + r}: mode '${row[1]}' is not one of ${MODES.join(', ')}`);
      const v = percentCell(row[col] ?? '', `${file}:${t.line + 2 + r} (${config}, ${mode}, ${h})`);
      if (v !== null) cells.push({ key: cellKey(config), config, mode, accuracy: v });
    });
    seeds.set(Number(m[1]), cells);
  });
  return seeds;
}

/** A result file of bench/torch_lenet5_protocol.py. */
export interface TorchRun {
  seed: number;
  complete: boolean;
  cells: Cell[];
}

export function parseTorchRun(json: string, file = 'run'): TorchRun {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new SeedSpreadParseError(`${file}: not JSON (${(e as Error).message})`);
  }
  const d = doc as { seed?: unknown; complete?: unknown; cells?: unknown };
  if (typeof d !== 'object' || d === null || !Number.isInteger(d.seed)) throw new SeedSpreadParseError(`${file}: 'seed' must be an integer`);
  if (!Array.isArray(d.cells)) throw new SeedSpreadParseError(`${file}: 'cells' must be an array`);
  const cells = d.cells.map((c: unknown, i: number): Cell => {
    const x = c as { config?: unknown; mode?: unknown; accuracy?: unknown };
    const where = `${file}: cells[${i}]`;
    if (typeof x?.config !== 'string' || x.config === '') throw new SeedSpreadParseError(`${where}.config must be a non-empty string`);
    if (!MODES.includes(x.mode as Mode)) throw new SeedSpreadParseError(`${where}.mode is '${String(x.mode)}', not one of ${MODES.join(', ')}`);
    if (typeof x.accuracy !== 'number' || !(x.accuracy >= 0 && x.accuracy <= 100)) {
      throw new SeedSpreadParseError(`${where}.accuracy is ${String(x.accuracy)}, not a percentage`);
    }
    return { key: cellKey(x.config), config: x.config, mode: x.mode as Mode, accuracy: x.accuracy };
  });
  return { seed: d.seed as number, complete: d.complete === true, cells };
}

/**
 * Whether `got` matches `want` within `tolerancePp` or beats it, judged on the values rounded to
 * the hundredth of a point that the tables print.
 */
export function matches(got: number, want: number, tolerancePp: number): boolean {
  return Math.round(100 * got) - Math.round(100 * want) >= -Math.round(100 * tolerancePp);
}

export interface MatchCount {
  matched: number;
  /** Anchor cells this run has no value for. */
  missing: number;
  /** 'config mode' of each anchor cell present in the run and not matched. */
  misses: string[];
}

/**
 * A run's value for an anchor cell: the same config and mode if the run has it; otherwise, for
 * the combination, the run's own combination (chosen by the rule, it may differ from the anchor's).
 */
export function lookupCell(run: readonly Cell[], a: Cell): number | undefined {
  return (run.find((c) => c.config === a.config && c.mode === a.mode) ?? run.find((c) => c.key === a.key && c.mode === a.mode))?.accuracy;
}

/** How many of the anchor's cells a run matches within `tolerancePp` or beats. */
export function countMatches(anchor: readonly Cell[], run: readonly Cell[], tolerancePp: number): MatchCount {
  const out: MatchCount = { matched: 0, missing: 0, misses: [] };
  for (const a of anchor) {
    const got = lookupCell(run, a);
    if (got === undefined) out.missing++;
    else if (matches(got, a.accuracy, tolerancePp)) out.matched++;
    else out.misses.push(`${a.config} ${a.mode}`);
  }
  return out;
}
