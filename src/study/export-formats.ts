/**
 * Stage 6's other formats: each chosen model written beside its `.pqm` as ONNX (fp32, or int8
 * QDQ when its weights are quantized, which onnxruntime runs with integer kernels) and as a
 * TF.js Layers model, with their sizes on disk. A format that cannot express the model (TF.js
 * has no HardSwish, for one) is recorded with its reason rather than failing the study.
 */
import { saveOnnxInt8Model, saveOnnxModel, saveTfjsModel, finalActivationOf } from '../io/index.js';
import { loadCheckpoint } from '../nn/index.js';
import type { ModelExport } from '../report/index.js';
import { deployForm } from './train-step.js';
import type { QuantSpecConfig } from './trial-spec.js';

/**
 * Writes `<base>.onnx` (or `<base>.int8.onnx`) and `<base>.tfjs/model.json` from a trial's
 * checkpoint, in the form the trial deploys: a trial's checkpoint holds its float weights (the
 * ones a child trial continues from), and its spec says how they are quantized.
 * @example const exports = exportChosenModel('runs/x/trials/comb-s95-b3/model.pqck', 'runs/x/models/combined');
 */
export function exportChosenModel(checkpoint: string, base: string): ModelExport[] {
  const { model, meta } = loadCheckpoint(checkpoint);
  const quant = ((meta['trial'] ?? {}) as { quant?: QuantSpecConfig | null }).quant ?? null;
  const out: ModelExport[] = [];
  const attempt = (format: ModelExport['format'], path: string, write: () => number): void => {
    try {
      out.push({ format, path, bytes: write(), error: null });
    } catch (e) {
      out.push({ format, path: null, bytes: null, error: (e as Error).message });
    }
  };
  const deployed = deployForm(model, quant);
  try {
    const q = deployed.quantized;
    if (q !== null) attempt('onnx-int8', `${base}.int8.onnx`, () => saveOnnxInt8Model(`${base}.int8.onnx`, q, { meta }).sizeBytes);
    else attempt('onnx', `${base}.onnx`, () => saveOnnxModel(`${base}.onnx`, model, { meta }).sizeBytes);
    attempt('tfjs', `${base}.tfjs/model.json`, () => saveTfjsModel(deployed.model, `${base}.tfjs`, { finalActivation: finalActivationOf(meta, checkpoint) }).sizeBytes);
    return out;
  } finally {
    if (deployed.model !== model) deployed.model.dispose();
    model.dispose();
  }
}
