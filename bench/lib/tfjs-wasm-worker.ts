// TF.js with its WASM backend (XNNPACK compiled to WASM SIMD128), the TF.js anchor for
// `npm run bench:runtime`. Usage:
//   node --import tsx bench/lib/tfjs-wasm-worker.ts model-config.json --model NAME --threads 2 [--seconds 6 --batch 32 --runs 200]
// The file is our `Model.config()` as JSON; the worker builds the tfjs-layers equivalent
// (tfjs-layers-from-config.ts) with random weights and times `predict`.
//
// Threads: in Node TF.js WASM runs on one thread whatever is asked. tfjs-backend-wasm 4.22
// hard-wires WASM_HAS_MULTITHREAD_SUPPORT to false under Node (tensorflow/tfjs#3830) and so
// loads the non-threaded SIMD binary; forcing the flag on makes the backend fail to
// initialise. `threads` in the output is what `getThreadsCount()` reports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { ModelConfig } from '../../src/nn/index.js';
import { fillInput, parseWorkerArgs, timeInference, type InferenceMeasurement } from './inference-timing.js';
import { peakRssBytes } from './measure.js';
import { tfjsLayersFromConfig } from './tfjs-layers-from-config.js';

// The backend's emscripten glue rethrows uncaught errors from its own handler, which prints
// its whole minified source: report failures here instead, in one line.
process.on('uncaughtException', (e) => {
  process.stderr.write(`tfjs-wasm-worker: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
  process.exit(1);
});

const args = parseWorkerArgs();
const config = JSON.parse(readFileSync(args.file, 'utf8')) as ModelConfig;

// The .wasm binaries sit next to the package's main file; a path prefix makes the backend read
// them from disk (no fetch from a CDN). The trailing separator is required: it is a prefix.
const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
setWasmPaths(join(dist, '/'));
setThreadsCount(args.threads);
if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-wasm-worker: the wasm backend failed to initialise');
await tf.ready();
const threads = getThreadsCount();
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');

const rssBeforeModelBytes = peakRssBytes();
const t0 = performance.now();
const { model, notes } = tfjsLayersFromConfig(config);
const [c, h, w] = config.inputShape;
const inputs = new Map<number, tf.Tensor>();
for (const n of [1, args.batch]) inputs.set(n, tf.tensor4d(fillInput(n * c * h * w), [n, h, w, c]));
// The first predict sets up the backend's buffers for this graph: count it in session
// creation, as onnxruntime's session creation counts its own set-up.
tf.tidy(() => model.predict(inputs.get(1)!) as tf.Tensor).dispose();
const sessionCreateMs = performance.now() - t0;

// dataSync/await data() reads the result out of WASM memory, so the run is complete.
const timing = await timeInference(async (n) => {
  const y = tf.tidy(() => model.predict(inputs.get(n)!) as tf.Tensor);
  await y.data();
  y.dispose();
}, args);

const m: InferenceMeasurement = {
  engine: 'tfjs-wasm', version: version_wasm, model: args.model,
  threadsRequested: args.threads, threads, ...timing, sessionCreateMs,
  rssBeforeModelBytes, peakRssBytes: peakRssBytes(),
  notes: [`tfjs-layers predict, wasm backend (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`, ...notes],
};
process.stdout.write(`${JSON.stringify(m)}\n`);
