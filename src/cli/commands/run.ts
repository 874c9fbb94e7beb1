/**
 * `prunequant run`: the whole study in one command (src/study does the work). Checks the config
 * and the run directory before anything trains, shows its progress, and ends with the
 * chosen models measured on the test split. On a terminal the progress is a live display
 * (study-display.ts), redrawn in place; otherwise one plain line per event.
 */
import { resolve } from 'node:path';
import {
  MAX_WORKERS, StudyConfigError, checkRunDir, defaultCacheDir, loadStudyConfig, progressLine, readStoredStudy, runStudy,
  type StudyConfig, type StudyResults,
} from '../../study/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, finish } from '../common.js';
import { LiveDisplay } from '../study-display.js';

const OPTIONS: Record<string, OptionSpec> = {
  preset: { type: 'string', help: 'quick (a 2-3 minute look at every stage) or tiny (the smallest study, for tests)' },
  out: { type: 'string', help: 'run directory for a new study (default: runs/study-<date and time>)' },
  resume: { type: 'string', help: 'continue the study in this run directory: finished trials are not run again' },
  workers: { type: 'string', help: `trials run in parallel worker processes, the kernel threads shared out: 'auto' (two with 2 threads or more) or 1 to ${MAX_WORKERS} (default: the config's, auto)` },
  'no-cache': { type: 'boolean', default: false, help: 'neither read nor write the baseline cache ($PRUNEQUANT_CACHE or ~/.cache/prunequant/baselines)' },
  ...COMMON_OPTIONS,
};

export const runUsage = helpText('prunequant run [CONFIG.yaml] [--preset quick] [--out DIR | --resume DIR] [--workers N] [--threads N] [--json]', OPTIONS);

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The config of this run: the file and preset given, or (resuming without them) the stored one. */
function studyConfig(path: string | undefined, preset: string | null, resumeDir: string | null): StudyConfig {
  if (path === undefined && preset === null && resumeDir !== null) {
    const stored = readStoredStudy(resumeDir);
    if (stored === null) throw new StudyConfigError(`--resume ${resumeDir}: no study.json there, so no study to resume`, 'resume');
    return stored.config;
  }
  return loadStudyConfig(path ?? null, preset);
}

function summary(results: StudyResults, runDir: string): string {
  const lines = [`study done: ${runDir}/results.json (${results.trials.length} trials)`];
  lines.push('model          trial                                val      test     .pqm bytes  ratio    b1 p50 ms  b1 p95 ms  b32 img/s');
  for (const m of results.models) {
    lines.push(`${m.label.padEnd(14)} ${m.trial.padEnd(36)} ${pct(m.valAccuracy).padStart(7)}  ${pct(m.testAccuracy).padStart(7)}  ${String(m.pqmBytes).padStart(10)}  ` +
      `${(results.fp32Bytes / m.pqmBytes).toFixed(1).padStart(5)}x  ${m.latency.batch1P50Ms.toFixed(3).padStart(9)}  ${m.latency.batch1P95Ms.toFixed(3).padStart(9)}  ${m.latency.batch32ImagesPerSecond.toFixed(0).padStart(9)}`);
  }
  if (results.chosen.pruning) lines.push(`pruning: ${results.chosen.pruning.reason}`);
  if (results.chosen.bits) lines.push(`bits: ${results.chosen.bits.reason}`);
  return lines.join('\n');
}

/** --workers: 'auto' or a count; undefined: the config's. */
function workersOption(v: unknown): number | 'auto' | undefined {
  if (v === undefined || v === 'auto') return v;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= MAX_WORKERS)) throw new UsageError(`--workers must be 'auto' or an integer in [1, ${MAX_WORKERS}], got ${String(v)}`);
  return n;
}

export async function runCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('run', argv, OPTIONS, { positionals: ['CONFIG'] });
  if (o['help']) return void process.stdout.write(`${runUsage}\n`);
  applyThreads(o['threads']);
  const workers = workersOption(o['workers']);
  const json = o['json'] === true;
  const resumeDir = o['resume'] === undefined ? null : resolve(String(o['resume']));
  if (resumeDir !== null && o['out'] !== undefined) throw new UsageError('run: give --out DIR for a new study or --resume DIR to continue one, not both');
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  const runDir = resumeDir ?? resolve(String(o['out'] ?? `runs/study-${stamp}`));
  let config: StudyConfig;
  try {
    config = studyConfig(positionals[0], (o['preset'] as string | undefined) ?? null, resumeDir);
    checkRunDir(runDir, config, resumeDir !== null);
  } catch (e) {
    // A config or run directory that cannot be used is a mistake in what was asked: exit code 2.
    if (e instanceof StudyConfigError) throw new UsageError(e.message);
    throw e;
  }
  const log = (s: string) => { if (!json) process.stderr.write(`${s}\n`); };
  log(`${resumeDir !== null ? 'resuming' : 'study'} in ${runDir}`);
  // A terminal gets the live display; a pipe or a log file one plain line per event.
  const live = !json && process.stderr.isTTY === true ? new LiveDisplay(process.stderr) : null;
  let results: StudyResults;
  try {
    results = await runStudy(config, {
      runDir, cacheDir: o['no-cache'] === true ? null : defaultCacheDir(),
      ...(workers !== undefined ? { workers } : {}),
      onEvent: (e) => {
        if (live !== null) return live.onEvent(e);
        const line = progressLine(e);
        if (line !== null) log(line);
      },
    });
  } finally {
    live?.close();
  }
  finish(json, { command: 'run', runDir, ...results } as unknown as Record<string, unknown>, summary(results, runDir));
}
