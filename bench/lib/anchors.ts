// The anchors the training benchmark compares against, each run in its own process:
// PyTorch CPU (Debian's python3-torch, when installed) and TF.js's pure-JS CPU backend.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runJsonChild, type ChildResult } from './measure.js';

/** What every training worker (ours, PyTorch, TF.js) prints as its last stdout line. */
export interface TrainMeasurement {
  runtime: string;
  version?: string;
  model: string;
  threads: number;
  batch: number;
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  /** Median of the timed steps' durations: less swayed by other load than the mean. */
  medianStepMs?: number;
  peakRssBytes: number;
  warmupSteps?: number;
  rssAfterDataBytes?: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * A Python that can import torch, or the reason there is none. Debian's python3-torch
 * lives under /usr/bin/python3; the `python3` first on PATH may be another install
 * (pyenv) without it, so that one is only the fallback.
 */
export function findTorchPython(): { python?: string; reason?: string } {
  const reasons: string[] = [];
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python };
    const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').at(-1) ?? `exit ${r.status}`;
    reasons.push(`${python}: ${why}`);
  }
  return { reason: reasons.join('; ') };
}

export function runTorch(python: string, model: string, threads: number, seconds: number, batch: number): ChildResult<TrainMeasurement> {
  return runJsonChild<TrainMeasurement>(python, [here('../torch_train.py'), model, String(seconds), String(threads), String(batch)], {
    // PyTorch reads these at start-up; leave only set_num_threads in charge.
    env: { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
    timeoutSeconds: seconds * 4 + 120,
  });
}

export function runTfjs(model: string, budgetSeconds: number, batch: number, warmupSteps: number): ChildResult<TrainMeasurement> {
  return runJsonChild<TrainMeasurement>(process.execPath, ['--import', 'tsx', here('./tfjs-train-worker.ts'), model, String(budgetSeconds), String(batch), String(warmupSteps)], {
    timeoutSeconds: 900,
  });
}

export function runOurs(model: string, threads: number, seconds: number, batch: number): ChildResult<TrainMeasurement> {
  return runJsonChild<TrainMeasurement>(process.execPath, ['--import', 'tsx', here('./train-worker.ts'), model, String(seconds), String(batch)], {
    env: { PRUNEQUANT_THREADS: String(threads) },
    timeoutSeconds: seconds * 4 + 120,
  });
}
