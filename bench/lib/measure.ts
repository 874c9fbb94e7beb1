// Small helpers the benchmarks share: peak memory, child-process measurements, and the
// formatting of ratios. Nothing here decides anything; it only measures and prints.
import { spawnSync } from 'node:child_process';

/** Peak resident set size of this process so far (`resourceUsage().maxRSS` is in KiB). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface ChildResult<T> {
  ok: boolean;
  value?: T;
  /** Why there is no value: the exit status and the last lines of stderr. */
  error?: string;
}

/**
 * Runs a command whose last stdout line is one JSON object, and returns that object.
 * A child that fails or times out gives `ok: false` and a reason, never a throw, so one
 * broken anchor does not hide the other measurements.
 */
export function runJsonChild<T>(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutSeconds: number }): ChildResult<T> {
  const r = spawnSync(command, args, {
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutSeconds * 1000,
    maxBuffer: 16 << 20,
  });
  // Node prints the error's message above its stack, so prefer the first line naming an error.
  const tail = (s: string | null) => {
    const lines = (s ?? '').trim().split('\n');
    return lines.find((l) => /^\s*\w*Error:/.test(l))?.trim() ?? lines.slice(-4).join(' | ');
  };
  if (r.error) return { ok: false, error: `${command}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, error: `${command} exited with ${r.status ?? r.signal}: ${tail(r.stderr)}` };
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return { ok: true, value: JSON.parse(last) as T };
  } catch {
    return { ok: false, error: `${command}: last stdout line is not JSON: ${last.slice(0, 200)}` };
  }
}

/** `ours / theirs` as "1.23x", or "n/a" when either side is missing. */
export function ratio(ours: number | undefined, theirs: number | undefined): string {
  if (ours === undefined || theirs === undefined || !(theirs > 0)) return 'n/a';
  return `${(ours / theirs).toFixed(2)}x`;
}

export function mebibytes(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(0)} MiB`;
}

/** Images per second with a precision that suits its size. */
export function formatRate(imagesPerSecond: number | undefined): string {
  if (imagesPerSecond === undefined) return 'n/a';
  return imagesPerSecond >= 100 ? imagesPerSecond.toFixed(0) : imagesPerSecond.toPrecision(3);
}
