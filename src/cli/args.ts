/**
 * A small, strict argument parser: `--name value`, `--name=value` and boolean `--flag`
 * (`--flag=true` / `--flag=false`). Unknown options, options given twice, stray
 * positionals and out-of-range numbers are usage errors (exit code 2), so a typo never
 * runs a default and a bad value never starts a long run.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  default?: string | number | boolean;
  help: string;
  /** number options: a safe integer. */
  integer?: boolean;
  /** number options: the smallest value allowed. */
  min?: number;
  /** number options: values must be greater than this. */
  above?: number;
  /** number options: the largest value allowed. */
  max?: number;
  /** number options: values must be less than this. */
  below?: number;
}

export type Parsed = {
  positionals: string[];
  options: Record<string, string | number | boolean | undefined>;
  /** The options given on the command line (not filled in from defaults). */
  given: Set<string>;
};

export interface ParseOptions {
  /**
   * Names of the positional arguments the command takes, e.g. ['MODEL']; more are a usage
   * error. Omitted: any number (the command checks them itself).
   */
  positionals?: readonly string[];
}

/** What a number option accepts, in words: 'an integer >= 1', 'a number in [0, 1)'. */
function describeRange(s: OptionSpec): string {
  const kind = s.integer ? 'an integer' : 'a number';
  const lo = s.min !== undefined ? `[${s.min}` : s.above !== undefined ? `(${s.above}` : null;
  const hi = s.max !== undefined ? `${s.max}]` : s.below !== undefined ? `${s.below})` : null;
  if (lo !== null && hi !== null) return `${kind} in ${lo}, ${hi}`;
  if (lo !== null) return `${kind} ${s.min !== undefined ? '>=' : '>'} ${s.min ?? s.above}`;
  if (hi !== null) return `${kind} ${s.max !== undefined ? '<=' : '<'} ${s.max ?? s.below}`;
  return kind;
}

function inRange(n: number, s: OptionSpec): boolean {
  if (s.integer && !Number.isSafeInteger(n)) return false;
  return !((s.min !== undefined && n < s.min) || (s.above !== undefined && n <= s.above) ||
    (s.max !== undefined && n > s.max) || (s.below !== undefined && n >= s.below));
}

export function parseArgs(command: string, argv: readonly string[], spec: Record<string, OptionSpec>, parse: ParseOptions = {}): Parsed {
  const options: Parsed['options'] = {};
  for (const [k, s] of Object.entries(spec)) options[k] = s.default;
  const positionals: string[] = [];
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      if (arg === '') throw new UsageError(`${command}: an empty argument where a path was expected`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (s === undefined) {
      throw new UsageError(`${command}: unknown option --${name}; known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    }
    if (given.has(name)) throw new UsageError(`${command}: --${name} is given more than once`);
    given.add(name);
    if (s.type === 'boolean') {
      const raw = eq < 0 ? 'true' : arg.slice(eq + 1);
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`${command}: --${name} is a switch: give --${name}, --${name}=true or --${name}=false, not '${raw}'`);
      options[name] = raw === 'true';
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    // '--out --json' would otherwise write a file named '--json'.
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`${command}: --${name} needs a value`);
    if (s.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${command}: --${name} expects a number, got '${raw}'`);
      if (!inRange(n, s)) throw new UsageError(`${command}: --${name} must be ${describeRange(s)}, got ${raw}`);
      options[name] = n;
    } else {
      if (raw === '') throw new UsageError(`${command}: --${name} needs a value, got an empty string`);
      options[name] = raw;
    }
  }
  const names = parse.positionals;
  if (names !== undefined && positionals.length > names.length) {
    const extra = positionals.slice(names.length).map((p) => `'${p}'`).join(', ');
    throw new UsageError(names.length === 0
      ? `${command}: takes no positional arguments, got ${extra}`
      : `${command}: ${names.length === 1 ? 'one ' : ''}${names.join(' ')} expected, also got ${extra}`);
  }
  return { positionals, options, given };
}

export function helpText(usage: string, spec: Record<string, OptionSpec>): string {
  const lines = Object.entries(spec).map(([k, s]) => `  --${k.padEnd(20)} ${s.help}${s.default !== undefined ? ` (default ${String(s.default)})` : ''}`);
  return `${usage}\n\nOptions:\n${lines.join('\n')}`;
}
