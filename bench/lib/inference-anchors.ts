// The anchors the inference benchmark compares our runtime against, each run in its own
// process (thread pools and peak RSS are per process): onnxruntime-node (native), and the
// two WASM engines a browser app would otherwise use, onnxruntime-web and TF.js WASM.
//
//   const inputs = writeAnchorInputs(createModel('mnist-cnn', { seed: 0 }), dir);
//   const r = runOrtWeb(inputs, { threads: 2, seconds: 6 });
//   if (r.ok) console.log(r.value!.batchN.imagesPerSecond);
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeOnnxModel, exportOnnxModel } from '../../src/io/index.js';
import type { Model } from '../../src/nn/index.js';
import type { InferenceMeasurement } from './inference-timing.js';
import { runJsonChild, type ChildResult } from './measure.js';

export type { InferenceMeasurement } from './inference-timing.js';

/** The files every anchor reads for one model, written once per model and run. */
export interface AnchorInputs {
  model: string;
  /** fp32 ONNX from our exporter (input 'input' [N, c, h, w]), for both onnxruntimes. */
  onnxPath: string;
  onnxBytes: number;
  /** `Model.config()` as JSON, from which the TF.js worker builds the same layers. */
  configPath: string;
}

export interface InferenceRunOptions {
  threads: number;
  /** Timed seconds at batch `batch` (best window reported). */
  seconds: number;
  /** Default 32. */
  batch?: number;
  /** Timed batch-1 runs for the latency percentiles; default 200. */
  batch1Runs?: number;
}

export type AnchorEngine = 'onnxruntime-node' | 'onnxruntime-web' | 'tfjs-wasm';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Exports `model` as fp32 ONNX (masks applied: pruned weights are zeros) and its config as JSON, under `dir`. */
export function writeAnchorInputs(model: Model, dir: string, name = model.name): AnchorInputs {
  const onnx = encodeOnnxModel(exportOnnxModel(model));
  const onnxPath = join(dir, `${name}.onnx`);
  const configPath = join(dir, `${name}.config.json`);
  writeFileSync(onnxPath, onnx);
  writeFileSync(configPath, JSON.stringify(model.config()));
  return { model: name, onnxPath, onnxBytes: onnx.length, configPath };
}

function runWorker(worker: string, file: string, model: string, opts: InferenceRunOptions): ChildResult<InferenceMeasurement> {
  const { threads, seconds, batch = 32, batch1Runs = 200 } = opts;
  const args = [file, '--model', model, '--threads', String(threads), '--seconds', String(seconds), '--batch', String(batch), '--runs', String(batch1Runs)];
  // Generous: session creation, two warm-ups and 200 batch-1 runs of a slow engine come on top of `seconds`.
  return runJsonChild<InferenceMeasurement>(process.execPath, ['--import', 'tsx', here(worker), ...args], { timeoutSeconds: seconds * 4 + 180 });
}

/** onnxruntime-node, CPU EP, `threads` intra-op threads. */
export function runOrtNode(inputs: AnchorInputs, opts: InferenceRunOptions): ChildResult<InferenceMeasurement> {
  return runWorker('./ort-node-worker.ts', inputs.onnxPath, inputs.model, opts);
}

/** onnxruntime-web, WASM EP, `env.wasm.numThreads = threads` (honoured in Node: pthreads run as worker_threads). */
export function runOrtWeb(inputs: AnchorInputs, opts: InferenceRunOptions): ChildResult<InferenceMeasurement> {
  return runWorker('./ort-web-worker.ts', inputs.onnxPath, inputs.model, opts);
}

/** TF.js, WASM backend, tfjs-layers model built from the config. Runs on 1 thread in Node whatever `threads` asks. */
export function runTfjsWasm(inputs: AnchorInputs, opts: InferenceRunOptions): ChildResult<InferenceMeasurement> {
  return runWorker('./tfjs-wasm-worker.ts', inputs.configPath, inputs.model, opts);
}

export const ANCHORS: Record<AnchorEngine, (inputs: AnchorInputs, opts: InferenceRunOptions) => ChildResult<InferenceMeasurement>> = {
  'onnxruntime-node': runOrtNode,
  'onnxruntime-web': runOrtWeb,
  'tfjs-wasm': runTfjsWasm,
};
