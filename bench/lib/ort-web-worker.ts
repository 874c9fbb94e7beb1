// onnxruntime-web (its WASM backend: the same C++ kernels compiled to WASM SIMD128, threads
// through emscripten pthreads): the anchor closest to our runtime, since it runs under the
// same instruction set. Usage:
//   node --import tsx bench/lib/ort-web-worker.ts model.onnx --model NAME --threads 2 [--seconds 6 --batch 32 --runs 200]
// In Node, the package's `node` export loads dist/ort-wasm-simd-threaded.{mjs,wasm} from disk
// (no network) and runs its pthreads as worker_threads; numThreads > 1 really runs in
// parallel here (2 threads: ~2x the 1-thread throughput, CPU/wall ~2).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-web';
import { parseWorkerArgs, type InferenceMeasurement } from './inference-timing.js';
import { timeOrtSession } from './ort-timing.js';
import { peakRssBytes } from './measure.js';

const args = parseWorkerArgs();
// Read once, at the first session: set before it. 'fixed' = SIMD128 without relaxed-SIMD,
// the same instruction set our kernels use (the package ships only the SIMD build anyway).
ort.env.wasm.numThreads = args.threads;
ort.env.wasm.simd = 'fixed';
ort.env.wasm.proxy = false;
const rssBeforeModelBytes = peakRssBytes();
const t0 = performance.now();
const session = await ort.InferenceSession.create(readFileSync(args.file), {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
});
const sessionCreateMs = performance.now() - t0;
// ORT-web falls back to 1 thread (and resets numThreads) where threads are unavailable,
// e.g. a browser page that is not cross-origin isolated, so read back what is in effect.
const threads = ort.env.wasm.numThreads ?? args.threads;

const timing = await timeOrtSession(session, (data, dims) => new ort.Tensor('float32', data, dims), args, 'ort-web-worker');
await session.release();

const m: InferenceMeasurement = {
  engine: 'onnxruntime-web', version: ort.env.versions.web ?? ort.env.versions.common, model: args.model,
  threadsRequested: args.threads, threads, ...timing, sessionCreateMs,
  rssBeforeModelBytes, peakRssBytes: peakRssBytes(),
  notes: ['wasm EP (SIMD128, pthreads as worker_threads), graphOptimizationLevel all, proxy off'],
};
process.stdout.write(`${JSON.stringify(m)}\n`);
// The pthread pool's worker_threads keep the event loop alive after release().
process.exit(0);
