// onnxruntime-node (native CPU EP, MLAS with AVX2/FMA): the fastest anchor for
// `npm run bench:runtime`. Usage:
//   node --import tsx bench/lib/ort-node-worker.ts model.onnx --model NAME --threads 2 [--seconds 6 --batch 32 --runs 200]
// Loads the fp32 ONNX file (input 'input' [N, c, h, w]), times it with the shared protocol
// and prints one InferenceMeasurement JSON line.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { parseWorkerArgs, type InferenceMeasurement } from './inference-timing.js';
import { timeOrtSession } from './ort-timing.js';
import { peakRssBytes } from './measure.js';

const args = parseWorkerArgs();
const rssBeforeModelBytes = peakRssBytes();
const t0 = performance.now();
const session = await ort.InferenceSession.create(readFileSync(args.file), {
  executionProviders: ['cpu'],
  // One op at a time, each split over the intra-op pool: the graph is a chain (or nearly),
  // so an inter-op pool would only add threads that wait.
  intraOpNumThreads: args.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const sessionCreateMs = performance.now() - t0;

const timing = await timeOrtSession(session, (data, dims) => new ort.Tensor('float32', data, dims), args, 'ort-node-worker');
await session.release();

const m: InferenceMeasurement = {
  engine: 'onnxruntime-node', version: ort.env.versions.node ?? ort.env.versions.common, model: args.model,
  threadsRequested: args.threads, threads: args.threads, ...timing, sessionCreateMs,
  rssBeforeModelBytes, peakRssBytes: peakRssBytes(),
  notes: ['CPU EP, graphOptimizationLevel all (Conv+BN+ReLU fused), sequential, interOpNumThreads 1'],
};
process.stdout.write(`${JSON.stringify(m)}\n`);
