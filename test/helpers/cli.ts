/** Runs the CLI's main() in-process with stdout and stderr captured, for CLI tests. */
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
