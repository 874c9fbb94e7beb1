/**
 * A small, strict argument parser: `--name value`, `--name=value` and boolean `--flag`.
 * Unknown options are errors that list the known ones, so a typo never runs a default.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  default?: string | number | boolean;
  help: string;
}

export type Parsed = { positionals: string[]; options: Record<string, string | number | boolean | undefined> };

export function parseArgs(command: string, argv: readonly string[], spec: Record<string, OptionSpec>): Parsed {
  const options: Parsed['options'] = {};
  for (const [k, s] of Object.entries(spec)) options[k] = s.default;
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (s === undefined) {
      throw new UsageError(`${command}: unknown option --${name}; known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    }
    if (s.type === 'boolean') {
      options[name] = eq < 0 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    if (s.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${command}: --${name} expects a number, got '${raw}'`);
      options[name] = n;
    } else {
      options[name] = raw;
    }
  }
  return { positionals, options };
}

export function helpText(usage: string, spec: Record<string, OptionSpec>): string {
  const lines = Object.entries(spec).map(([k, s]) => `  --${k.padEnd(20)} ${s.help}${s.default !== undefined ? ` (default ${String(s.default)})` : ''}`);
  return `${usage}\n\nOptions:\n${lines.join('\n')}`;
}
