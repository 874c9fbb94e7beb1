// The timing protocol every inference worker follows (the anchors', and ours once it is
// plugged in), so that their figures compare like for like, and the JSON line they print.
// A worker prepares its inputs once, hands `timeInference` a function that runs one batch
// to completion, and prints `JSON.stringify(measurement)` as its last stdout line.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { BatchSource } from '../../src/nn/index.js';
import { median } from './measure.js';

/** What every inference worker prints as its last stdout line. */
export interface InferenceMeasurement {
  /** 'onnxruntime-node', 'onnxruntime-web', 'tfjs-wasm', or a label of ours. */
  engine: string;
  version: string;
  model: string;
  threadsRequested: number;
  /** Threads the engine reports it actually uses (TF.js WASM in Node: always 1). */
  threads: number;
  batch1: Batch1Timing;
  batchN: BatchNTiming;
  /** Session creation (or model build) time: load, optimise, compile. */
  sessionCreateMs: number;
  /** Peak RSS before the model was loaded: Node, tsx and the engine's code. */
  rssBeforeModelBytes: number;
  /** Peak RSS of the whole process at the end (`resourceUsage().maxRSS`). */
  peakRssBytes: number;
  /** How the engine was set up, where it differs from the obvious (fusions, fallbacks). */
  notes: string[];
}

export interface Batch1Timing {
  warmupRuns: number;
  runs: number;
  /** Latency percentiles of single runs, nearest-rank. */
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
}

export interface BatchNTiming {
  batch: number;
  warmupRuns: number;
  /** Best window: the least disturbed by other load. */
  imagesPerSecond: number;
  medianWindowImagesPerSecond: number;
  windowSeconds: number;
  windowImagesPerSecond: number[];
  /**
   * Process CPU time / wall time over the timed windows: about the number of busy threads,
   * the evidence that the thread count is real (spinning pool threads count as busy).
   */
  cpuPerWall: number;
}

export interface TimingOptions {
  /** Timed single-image runs, after warm-up. */
  batch1Runs: number;
  batch: number;
  /** Timed seconds at `batch`, split into windows of about 1.5 s; the best window is reported. */
  seconds: number;
}

/** Nearest-rank percentile (p in [0, 100]) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

// Warm-up runs until both a count and a time are reached: the first runs allocate, compile
// and fill caches, and a run of a small model is too short for a count alone to warm the CPU.
async function warmUp(run: () => Promise<void>, minRuns: number, minMs: number): Promise<number> {
  const t0 = performance.now();
  let runs = 0;
  while (runs < minRuns || (performance.now() - t0 < minMs && runs < 10_000)) {
    await run();
    runs++;
  }
  return runs;
}

/**
 * Batch-1 latency (p50, p95 over `batch1Runs` single runs) and batch-N throughput (best of
 * several windows), each after its own warm-up. `run(n)` must run a batch of n images to
 * completion, outputs read back, before it resolves.
 */
export async function timeInference(run: (batch: number) => Promise<void>, opts: TimingOptions): Promise<{ batch1: Batch1Timing; batchN: BatchNTiming }> {
  const one = () => run(1);
  const b1Warmup = await warmUp(one, 20, 500);
  const latencies: number[] = [];
  for (let i = 0; i < opts.batch1Runs; i++) {
    const t0 = performance.now();
    await one();
    latencies.push(performance.now() - t0);
  }
  const batch1: Batch1Timing = {
    warmupRuns: b1Warmup, runs: latencies.length,
    p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95),
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  };

  const many = () => run(opts.batch);
  const bnWarmup = await warmUp(many, 3, 500);
  const windows = Math.max(3, Math.round(opts.seconds / 1.5));
  const windowMs = (opts.seconds * 1000) / windows;
  const rates: number[] = [];
  let wallMs = 0;
  const cpu0 = process.cpuUsage();
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    let images = 0;
    let elapsed = 0;
    do {
      await many();
      images += opts.batch;
      elapsed = performance.now() - t0;
    } while (elapsed < windowMs);
    rates.push((images * 1000) / elapsed);
    wallMs += elapsed;
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...rates].sort((a, b) => a - b);
  const batchN: BatchNTiming = {
    batch: opts.batch, warmupRuns: bnWarmup,
    imagesPerSecond: sorted.at(-1)!, medianWindowImagesPerSecond: median(rates),
    windowSeconds: windowMs / 1000, windowImagesPerSecond: rates,
    cpuPerWall: (cpu.user + cpu.system) / 1000 / wallMs,
  };
  return { batch1, batchN };
}

/** A fixed pseudo-random fill in [-1, 1): speed does not depend on the values, only on there being no denormals. */
export function fillInput(n: number, seed = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/**
 * `batches` batches of fillInput images shaped [c, h, w], for calibrating activation ranges
 * where only speed is measured.
 */
export function randomBatches([c, h, w]: readonly [number, number, number], batches: number): BatchSource {
  return {
    count: batches * 32,
    *batches(size: number) {
      for (let b = 0; b < batches; b++) yield { images: fillInput(size * c * h * w, b + 7), labels: new Int32Array(size), shape: [size, c, h, w] };
    },
  };
}

export interface WorkerArgs extends TimingOptions {
  /** The model file the worker loads: an ONNX file, or a `ModelConfig` JSON for TF.js. */
  file: string;
  model: string;
  threads: number;
}

/** `<file> --model NAME --threads N --seconds S --batch B --runs R`, as `inference-anchors.ts` passes them. */
export function parseWorkerArgs(argv = process.argv.slice(2)): WorkerArgs {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      model: { type: 'string', default: 'model' },
      threads: { type: 'string', default: '1' },
      seconds: { type: 'string', default: '6' },
      batch: { type: 'string', default: '32' },
      runs: { type: 'string', default: '200' },
    },
  });
  const file = positionals[0];
  if (file === undefined) throw new Error('inference worker: missing the model file argument');
  const num = (k: 'threads' | 'seconds' | 'batch' | 'runs') => {
    const v = Number(values[k]);
    if (!(v > 0)) throw new Error(`inference worker: --${k} must be a positive number, got '${values[k]}'`);
    return v;
  };
  return { file, model: values.model!, threads: num('threads'), seconds: num('seconds'), batch: num('batch'), batch1Runs: num('runs') };
}
