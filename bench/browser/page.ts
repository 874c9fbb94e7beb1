// The page side of `npm run bench:browser`, bundled by bench/browser.bench.ts with esbuild.
// `window.bench(request)` times one engine on one model in this page: batch-1 latency (p50 of
// runs after a warm-up) and batch-N throughput, the way a page would call each engine (our
// runtime through its async Session, which includes the message to its worker and back when
// it runs there).
// Our bundle and onnxruntime-web are imported at run time from the URLs the server maps.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { ModelConfig } from '../../src/nn/index.js';
import { tfjsLayersFromConfig } from '../lib/tfjs-layers-from-config.js';

export interface BenchRequest {
  engine: 'ours' | 'onnxruntime-web' | 'tfjs-wasm';
  /** .pqm (ours), .onnx (onnxruntime-web) or config JSON (TF.js, random weights). */
  url: string;
  threads: number;
  batch: number;
  seconds: number;
  inputShape: [number, number, number];
  /** Where our Session computes (its runIn option). */
  runIn: 'auto' | 'page' | 'worker';
}

export interface BenchResult {
  threads: number;
  batch1P50Ms: number;
  imagesPerSec: number;
  note: string;
}

type Runner = { run(n: number): Promise<void>; threads: number; note: string };

function input(count: number): Float32Array {
  const x = new Float32Array(count);
  let s = 12345;
  for (let i = 0; i < count; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; x[i] = (s >>> 8) / 16777216; }
  return x;
}

// Held in variables so that esbuild leaves these imports to the browser.
const OURS = '/dist/prunequant-runtime.js';
const ORT = '/ort/ort.wasm.min.mjs';

async function ours(r: BenchRequest): Promise<Runner> {
  const { Session } = await import(OURS);
  const s = await Session.create(r.url, { threads: r.threads, batch: r.batch, runIn: r.runIn });
  const [c, h, w] = r.inputShape;
  const xs = new Map([1, r.batch].map((n) => [n, input(n * c * h * w)]));
  const kernels = [...new Set((s.explain() as { weights: unknown; chosen: string }[]).filter((l) => l.weights !== null).map((l) => l.chosen.split(' (')[0]!))];
  return { run: async (n) => { await s.run(xs.get(n)!, [n, c, h, w]); }, threads: s.threads, note: `${kernels.join(', ')}; in the ${s.placement.runsIn}: ${s.placement.reason}` };
}

async function ortWeb(r: BenchRequest): Promise<Runner> {
  const ort = await import(ORT);
  ort.env.wasm.numThreads = r.threads;
  ort.env.wasm.simd = 'fixed';
  ort.env.wasm.wasmPaths = '/ort/';
  const bytes = new Uint8Array(await (await fetch(r.url)).arrayBuffer());
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const [c, h, w] = r.inputShape;
  const feeds = new Map([1, r.batch].map((n) => [n, { [s.inputNames[0]]: new ort.Tensor('float32', input(n * c * h * w), [n, c, h, w]) }]));
  return { run: async (n) => { await s.run(feeds.get(n)!); }, threads: ort.env.wasm.numThreads ?? r.threads, note: `onnxruntime-web ${ort.env.versions?.web ?? ''}` };
}

async function tfjsWasm(r: BenchRequest): Promise<Runner> {
  setWasmPaths('/tfjs/');
  setThreadsCount(r.threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend failed to initialise');
  await tf.ready();
  const config = (await (await fetch(r.url)).json()) as ModelConfig;
  const { model } = tfjsLayersFromConfig(config);
  const [c, h, w] = r.inputShape;
  const xs = new Map([1, r.batch].map((n) => [n, tf.tensor4d(input(n * c * h * w), [n, h, w, c])]));
  return {
    run: async (n) => { const y = tf.tidy(() => model.predict(xs.get(n)!) as tf.Tensor); await y.data(); y.dispose(); },
    threads: getThreadsCount(), note: `TF.js ${tf.version_core}, SIMD ${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))}`,
  };
}

async function bench(r: BenchRequest): Promise<BenchResult> {
  const runner = await (r.engine === 'ours' ? ours(r) : r.engine === 'onnxruntime-web' ? ortWeb(r) : tfjsWasm(r));
  for (let i = 0; i < 3; i++) { await runner.run(1); await runner.run(r.batch); }
  const lat: number[] = [];
  const end1 = performance.now() + 1000 * r.seconds / 3;
  while (lat.length < 20 || (performance.now() < end1 && lat.length < 500)) {
    const t0 = performance.now();
    await runner.run(1);
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  let images = 0;
  const t0 = performance.now();
  while (images < 4 * r.batch || performance.now() - t0 < 1000 * r.seconds) {
    await runner.run(r.batch);
    images += r.batch;
  }
  return { threads: runner.threads, batch1P50Ms: lat[Math.floor(lat.length / 2)]!, imagesPerSec: images / ((performance.now() - t0) / 1000), note: runner.note };
}

(globalThis as unknown as { bench: typeof bench }).bench = bench;
