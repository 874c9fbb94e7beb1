/** Runs models in onnxruntime-node, the reference our runtime and exporters are checked against. */
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, type OnnxModel } from '../../src/io/onnx/index.js';

export type OrtInputData = Float32Array | Int32Array | BigInt64Array | Int8Array | Uint8Array | Float64Array;

export interface OrtFeed {
  data: OrtInputData;
  dims: number[];
}

export interface OrtResult {
  /** Output values as float32, whatever the output's type (int64 goes through Number). */
  data: Float32Array;
  dims: number[];
  /** The output's ONNX Runtime type, e.g. 'float32', 'int64'. */
  type: string;
}

// One intra-op thread and sequential execution: reductions then happen in a fixed order, so
// reference outputs do not move between runs or machines with different core counts.
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  // Opset-6 test models draw warnings (legacy opset, transpose optimizer) that say nothing about us.
  logSeverityLevel: 3,
};

/** Runs `model` once on `feeds` and returns every output, keyed by name. */
export async function runOrt(
  model: OnnxModel | Uint8Array,
  feeds: Record<string, OrtFeed>,
): Promise<Record<string, OrtResult>> {
  const bytes = model instanceof Uint8Array ? model : encodeOnnxModel(model);
  const session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) inputs[name] = new ort.Tensor(feed.data, feed.dims);
    const outputs = await session.run(inputs);
    const result: Record<string, OrtResult> = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      const data = tensor.data;
      let values: Float32Array;
      if (data instanceof Float32Array) values = data.slice();
      else if (data instanceof BigInt64Array || data instanceof BigUint64Array) values = Float32Array.from(data, Number);
      else if (Array.isArray(data)) throw new Error(`runOrt: output '${name}' holds strings`);
      else values = Float32Array.from(data as ArrayLike<number>);
      result[name] = { data: values, dims: tensor.dims.map(Number), type: tensor.type };
      tensor.dispose();
    }
    return result;
  } finally {
    await session.release();
  }
}

export {
  loadConformanceCase, loadLightCase, conformanceRoot, conformanceSkip, listConformanceCases, listLightModels,
  restampAsOpset7,
} from './conformance.js';
export type { ConformanceCase } from './conformance.js';
