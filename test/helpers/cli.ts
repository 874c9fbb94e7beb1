/** Runs the CLI's main() in-process with stdout and stderr captured, for CLI tests. */
import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON when it is an object (what --json prints), else null. */
  json: Record<string, any> | null;
}

export async function runCli(argv: readonly string[]): Promise<CliResult> {
  let stderr = '', stdout = '';
  const errWrite = process.stderr.write, outWrite = process.stdout.write;
  // The CLI writes strings; the test runner's own reports are binary chunks, which it may write
  // while an async command awaits: those pass through.
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => (typeof chunk === 'string' ? ((stderr += chunk), true) : (errWrite as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest))) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => (typeof chunk === 'string' ? ((stdout += chunk), true) : (outWrite as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest))) as typeof process.stdout.write;
  try {
    const code = await main(argv);
    const last = stdout.trim().split('\n').pop() ?? '';
    return { code, stderr, stdout, json: last.startsWith('{') ? (JSON.parse(last) as Record<string, any>) : null };
  } finally {
    process.stderr.write = errWrite;
    process.stdout.write = outWrite;
  }
}

export interface ChildCliResult extends CliResult {
  /** The signal that ended the child: 'SIGTERM' when it ran past the timeout (a hang). */
  signal: NodeJS.Signals | null;
}

/**
 * Runs the CLI in a child process with a timeout, for checks whose failure mode is a hang
 * the test process could not recover from (a synchronous call that never returns).
 */
export function runCliInChild(argv: readonly string[], timeoutMs: number): ChildCliResult {
  const mainUrl = new URL('../../src/cli/main.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(mainUrl)}).then(async (m) => { process.exitCode = await m.main(JSON.parse(process.env.PQ_CLI_ARGV)); })`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, PQ_CLI_ARGV: JSON.stringify(argv) },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return { code: r.status ?? -1, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json: last.startsWith('{') ? (JSON.parse(last) as Record<string, any>) : null };
}
