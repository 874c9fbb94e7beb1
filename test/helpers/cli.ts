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
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  try {
    const code = await main(argv);
    const last = stdout.trim().split('\n').pop() ?? '';
    return { code, stderr, stdout, json: last.startsWith('{') ? (JSON.parse(last) as Record<string, any>) : null };
  } finally {
    process.stderr.write = errWrite;
    process.stdout.write = outWrite;
  }
}
