/**
 * Where quantized models keep their integers across save/load: the checkpoint's `meta`, under
 * the key 'quantization' (QUANT_META_KEY). Params in the checkpoint hold the dequantized
 * float32 weights, so any reader (eval, export) runs the quantized model as-is; the meta
 * adds, per weight, bits, scheme, axis, float32 scales, integer zero points and the codes
 * bit-packed (bit-pack.ts) as base64, plus the activation parameters per node. Loading checks
 * that each param equals its dequantized codes bit for bit, so a stale sidecar cannot pass.
 */
import { loadCheckpoint, saveCheckpoint, type Model } from '../../nn/index.js';
import { ActivationQuantizer, type ActivationParams } from './activation-quant.js';
import { packCodes, unpackCodes } from './bit-pack.js';
import { QuantizationError } from './errors.js';
import type { QuantizedModel } from './quantized-model.js';
import { dequantize, type QuantizedTensor } from './quantized-tensor.js';

/** The checkpoint meta key of a quantized model's integers; `.pqm` export reads it from the meta it is given. */
export const QUANT_META_KEY = 'quantization';
const FORMAT = 'prunequant-quant';
const VERSION = 1;

/** A QuantizedTensor as JSON: typed arrays become number lists, codes a packed string. */
type StoredTensor = Omit<QuantizedTensor, 'scales' | 'zeroPoints' | 'values'> & {
  scales: number[];
  zeroPoints: number[];
  /** Codes minus qmin, `bits` each, least significant bit first, base64. */
  codes: string;
};

export interface QuantizationMeta {
  format: typeof FORMAT;
  version: number;
  weights: Record<string, StoredTensor>;
  activations: Record<string, ActivationParams> | null;
  foldedBn: { conv: string; bn: string }[];
}

/**
 * A quantized model's integers as JSON, for a checkpoint's meta under QUANT_META_KEY.
 * @example savePqm('m.pqm', q.model, { meta: { [QUANT_META_KEY]: quantizationMeta(q) } });
 */
export function quantizationMeta(q: QuantizedModel): QuantizationMeta {
  const weights: Record<string, StoredTensor> = {};
  for (const [name, t] of q.weights) {
    weights[name] = {
      shape: t.shape, bits: t.bits, scheme: t.scheme, signed: t.signed, axis: t.axis, qmin: t.qmin, qmax: t.qmax,
      scales: Array.from(t.scales), zeroPoints: Array.from(t.zeroPoints), codes: Buffer.from(packCodes(t.values, t.bits, t.qmin)).toString('base64'),
    };
  }
  return { format: FORMAT, version: VERSION, weights, activations: q.activations ? Object.fromEntries(q.activations) : null, foldedBn: q.foldedBn };
}

function decodeTensor(s: StoredTensor, where: string): QuantizedTensor {
  const n = s.shape.reduce((a, b) => a * b, 1);
  const Codes = s.bits <= 8 ? (s.signed ? Int8Array : Uint8Array) : s.signed ? Int16Array : Uint16Array;
  const values = unpackCodes(new Uint8Array(Buffer.from(s.codes, 'base64')), s.bits, s.qmin, new Codes(n));
  if (s.scales.length !== s.zeroPoints.length || s.scales.length !== (s.axis === 0 ? s.shape[0] : 1)) {
    throw new QuantizationError(`${where}: ${s.scales.length} scales and ${s.zeroPoints.length} zero points do not fit shape [${s.shape.join(', ')}], axis ${s.axis}`);
  }
  return { ...s, shape: [...s.shape], scales: Float32Array.from(s.scales), zeroPoints: Int32Array.from(s.zeroPoints), values };
}

/** Parses meta.quantization; null when the checkpoint is not quantized. */
export function readQuantizationMeta(meta: Record<string, unknown>, where = 'checkpoint'): Omit<QuantizedModel, 'model'> | null {
  const m = meta[QUANT_META_KEY] as QuantizationMeta | undefined;
  if (m === undefined) return null;
  if (m.format !== FORMAT || m.version !== VERSION) throw new QuantizationError(`${where}: quantization meta is ${m.format} v${m.version}, this reader knows ${FORMAT} v${VERSION}`);
  const weights = new Map(Object.entries(m.weights).map(([k, s]) => [k, decodeTensor(s, `${where}, weight ${k}`)]));
  return { weights, activations: m.activations ? new Map(Object.entries(m.activations)) : null, foldedBn: m.foldedBn ?? [] };
}

/** Checks the model's weights against the stored codes and installs the activation quantizers. */
export function restoreQuantizedModel(model: Model, meta: Record<string, unknown>, where = 'checkpoint'): QuantizedModel | null {
  const parsed = readQuantizationMeta(meta, where);
  if (parsed === null) return null;
  const params = new Map(model.namedParams());
  for (const [name, q] of parsed.weights) {
    const p = params.get(name);
    if (p === undefined) throw new QuantizationError(`${where}: quantized weight '${name}' is not a param of model ${model.name}`);
    const expected = dequantize(q), actual = p.value.view();
    if (expected.length !== actual.length) throw new QuantizationError(`${where}: '${name}' has ${expected.length} codes, the param ${actual.length} values`);
    for (let i = 0; i < expected.length; i++) {
      if (expected[i] !== actual[i]) {
        throw new QuantizationError(`${where}: param '${name}' [${i}] is ${actual[i]}, its codes dequantize to ${expected[i]}; the weights and the quantization meta disagree`);
      }
    }
  }
  if (parsed.activations) ActivationQuantizer.withParams(model, parsed.activations).install();
  return { model, ...parsed };
}

/**
 * Saves a quantized model (atomically, as every checkpoint) with its integer form in the meta.
 * @example saveQuantizedCheckpoint('lenet5-int8.pqck', postTrainingQuantize(model, { weights: { bits: 8 } }), { normalization });
 */
export function saveQuantizedCheckpoint(path: string, q: QuantizedModel, meta: Record<string, unknown> = {}): void {
  saveCheckpoint(path, q.model, { meta: { ...meta, [QUANT_META_KEY]: quantizationMeta(q) } });
}

/**
 * Loads a checkpoint; when it is quantized, checks it and reinstalls activation quantization.
 * @example const { model, quantized } = loadQuantizedCheckpoint('lenet5-int8.pqck'); // quantized null: a float checkpoint
 */
export function loadQuantizedCheckpoint(path: string): { quantized: QuantizedModel | null; model: Model; meta: Record<string, unknown> } {
  const { model, meta } = loadCheckpoint(path);
  return { quantized: restoreQuantizedModel(model, meta, path), model, meta };
}
