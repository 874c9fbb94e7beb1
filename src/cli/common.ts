/** Pieces every command shares: the common options, threads, printing the result, and the checks on where it writes. */
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { setThreads } from '../kernels/index.js';
import { UsageError, type OptionSpec } from './args.js';

/** More workers than this is a typo, not a machine: each one is a thread with its own stack. */
export const MAX_THREADS = 256;

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', default: false, help: 'print the final result as one JSON object on the last line of stdout' },
  threads: { type: 'number', integer: true, min: 1, max: MAX_THREADS, help: 'kernel threads (default: number of cores)' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

/** For every command that writes files: without it, an existing output is never replaced. */
export const FORCE_OPTION: OptionSpec = { type: 'boolean', default: false, help: 'replace existing output files (a model from an earlier stage, or the input itself)' };

export function applyThreads(threads: unknown): void {
  if (threads === undefined) return;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new UsageError(`--threads must be an integer in [1, ${MAX_THREADS}], got ${String(threads)}`);
  }
  setThreads(threads);
}

/** Prints `result` as the last stdout line when --json, else a readable summary. */
export function finish(json: boolean, result: Record<string, unknown>, summary: string): void {
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${summary}\n`);
}

/** Virtual file systems: nothing a command writes belongs there, and on Node 20 mkdirSync under /proc never returns. */
const VIRTUAL_ROOTS = ['/proc', '/sys'];

/** The deepest existing ancestor of `path` (itself when it exists), resolved through symlinks. */
function existingAncestor(path: string): { dir: string; real: string } {
  let dir = path;
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // Unresolvable (a dangling link, no permission): the writability check below reports it.
  }
  return { dir, real };
}

function underVirtualRoot(real: string): string | undefined {
  return VIRTUAL_ROOTS.find((root) => real === root || real.startsWith(`${root}${sep}`));
}

export interface OutputCheck {
  /** The option that named the output, for messages (default '--out'). */
  option?: string;
  /** Replace existing files (the command's --force). */
  force: boolean;
  /** Files the command reads: writing over one of them needs --force too, and says so. */
  inputs?: readonly (string | undefined)[];
  /** Outputs that may exist without --force (train --resume continues its own checkpoint). */
  mayExist?: readonly string[];
  /** Added to the message about an existing output, e.g. 'pass --resume to continue it'. */
  hint?: string;
}

/**
 * Checks, before any work starts, that every file a command will write can be written:
 * not under /proc or /sys, not a directory, not an existing file (or the command's own
 * input) unless --force, and its nearest existing directory is a writable directory.
 * Creates nothing. Returns the absolute paths.
 * @example const [ckpt, report] = checkOutputs('prune', [join(out, 'model.pqck'), join(out, 'prune.json')], { force, inputs: [path] });
 */
export function checkOutputs(command: string, files: readonly string[], check: OutputCheck): string[] {
  const option = check.option ?? '--out';
  const inputs = new Map<string, string>();
  for (const input of check.inputs ?? []) {
    if (input === undefined) continue;
    inputs.set(resolve(input), input);
    try {
      inputs.set(realpathSync(input), input);
    } catch {
      // A missing input is reported by the reader, with its own message.
    }
  }
  const mayExist = new Set((check.mayExist ?? []).map((p) => resolve(p)));
  return files.map((file) => {
    const path = resolve(file);
    const { dir, real } = existingAncestor(path);
    const virtual = underVirtualRoot(real);
    if (virtual !== undefined) throw new UsageError(`${command}: ${option} ${path} is under ${virtual}, a virtual file system; choose a real directory`);
    if (dir === path) {
      const st = statSync(path);
      if (st.isDirectory()) throw new UsageError(`${command}: ${option}: ${path} is a directory, where a file will be written`);
      const input = inputs.get(path) ?? inputs.get(real);
      if (!check.force && input !== undefined) {
        throw new UsageError(`${command}: writing ${path} would overwrite the input ${input}; choose another ${option} (or pass --force to replace it)`);
      }
      if (!check.force && !mayExist.has(path)) {
        throw new UsageError(`${command}: ${path} already exists (${basename(path)} from an earlier run or stage); ${check.hint ? `${check.hint}, ` : ''}choose another ${option} or pass --force to replace it`);
      }
      if (!st.isFile()) throw new UsageError(`${command}: ${option}: ${path} exists and is not a regular file`);
    } else if (!statSync(dir).isDirectory()) {
      throw new UsageError(`${command}: ${option}: cannot create ${path}: ${dir} is a file, not a directory`);
    }
    const parent = dir === path ? dirname(path) : dir;
    try {
      accessSync(parent, constants.W_OK | constants.X_OK);
    } catch (e) {
      throw new UsageError(`${command}: ${option}: cannot write under ${parent} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return path;
  });
}

/** The files a command writes into its --out directory, checked with checkOutputs. */
export function checkOutDir(command: string, outDir: string, names: readonly string[], check: OutputCheck): string[] {
  return checkOutputs(command, names.map((n) => join(outDir, n)), check);
}
