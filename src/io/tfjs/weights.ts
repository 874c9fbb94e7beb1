/**
 * TF.js weight data: a manifest (groups of weights, each group stored in shard files read one
 * after another) and the bytes it describes. float32 weights are stored as they are; TF.js's
 * quantized forms store uint8 or uint16 codes read back as code · scale + min, or IEEE
 * half floats.
 */
import { f16BitsToF32, f32ToF16Bits } from '../../kernels/index.js';
import { TfjsFormatError } from './errors.js';

export type TfjsQuantization = 'uint8' | 'uint16' | 'float16';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8' | 'uint16'; min: number; scale: number; original_dtype?: 'float32' } | { dtype: 'float16'; original_dtype?: 'float32' };
}

export interface TfjsManifestGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { float32: 4, uint8: 1, uint16: 2, float16: 2 };

/**
 * The affine grid TF.js's converter uses: codes 0 … 2^b − 1 over [min, max], the range
 * widened to include 0 and nudged so that 0 is a code (a pruned weight stays exactly 0).
 */
function affineGrid(data: Float32Array, dtype: 'uint8' | 'uint16'): { min: number; scale: number } {
  let lo = 0, hi = 0;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const qmax = dtype === 'uint8' ? 255 : 65535;
  if (hi === lo) return { min: 0, scale: 1 };
  const scale = (hi - lo) / qmax;
  const zero = Math.round(-lo / scale);
  return { min: -zero * scale, scale };
}

/**
 * Encodes weights in order into one buffer, quantized if asked, and the specs that describe it.
 * @example const { specs, bytes } = encodeTfjsWeights([{ name: 'dense/kernel', shape: [4, 2], data }], 'uint8');
 */
export function encodeTfjsWeights(weights: readonly NamedWeight[], quantize?: TfjsQuantization): { specs: TfjsWeightSpec[]; bytes: Uint8Array } {
  const specs: TfjsWeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const w of weights) {
    const spec: TfjsWeightSpec = { name: w.name, shape: [...w.shape], dtype: 'float32' };
    if (quantize === undefined) {
      parts.push(new Uint8Array(Float32Array.from(w.data).buffer));
    } else if (quantize === 'float16') {
      spec.quantization = { dtype: 'float16', original_dtype: 'float32' };
      parts.push(new Uint8Array(Uint16Array.from(w.data, f32ToF16Bits).buffer));
    } else {
      const { min, scale } = affineGrid(w.data, quantize);
      const qmax = quantize === 'uint8' ? 255 : 65535;
      const codes = quantize === 'uint8' ? new Uint8Array(w.data.length) : new Uint16Array(w.data.length);
      w.data.forEach((v, i) => { codes[i] = Math.min(qmax, Math.max(0, Math.round((v - min) / scale))); });
      spec.quantization = { dtype: quantize, min, scale, original_dtype: 'float32' };
      parts.push(new Uint8Array(codes.buffer));
    }
    specs.push(spec);
  }
  return { specs, bytes: concatBytes(parts) };
}

/** The parts one after another, as shards are read. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks one manifest entry's fields, naming the weight. */
export function checkWeightSpec(raw: unknown, fileName: string, index: number): TfjsWeightSpec {
  if (!isObject(raw) || typeof raw['name'] !== 'string') throw new TfjsFormatError(fileName, `weightsManifest weight #${index}`, 'has no name');
  const name = raw['name'];
  const where = `weight '${name}'`;
  const shape = raw['shape'];
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) throw new TfjsFormatError(fileName, where, `shape ${JSON.stringify(shape)} is not a list of sizes`);
  if (raw['dtype'] !== 'float32') throw new TfjsFormatError(fileName, where, `dtype ${JSON.stringify(raw['dtype'])} is not supported; weights must be float32 (optionally quantized)`);
  const q = raw['quantization'];
  if (q === undefined || q === null) return { name, shape: shape as number[], dtype: 'float32' };
  if (!isObject(q)) throw new TfjsFormatError(fileName, where, 'quantization is not an object');
  if (q['dtype'] === 'float16') return { name, shape: shape as number[], dtype: 'float32', quantization: { dtype: 'float16' } };
  if (q['dtype'] === 'uint8' || q['dtype'] === 'uint16') {
    const min = q['min'], scale = q['scale'];
    if (typeof min !== 'number' || typeof scale !== 'number' || !Number.isFinite(min) || !Number.isFinite(scale)) {
      throw new TfjsFormatError(fileName, where, `${q['dtype']} quantization needs finite numbers min and scale, got min ${JSON.stringify(min)}, scale ${JSON.stringify(scale)}`);
    }
    return { name, shape: shape as number[], dtype: 'float32', quantization: { dtype: q['dtype'], min, scale } };
  }
  throw new TfjsFormatError(fileName, where, `quantization dtype ${JSON.stringify(q['dtype'])} is not one of uint8, uint16, float16`);
}

/** Bytes a weight takes in its shard. */
export function weightByteLength(spec: TfjsWeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1) * BYTES[spec.quantization?.dtype ?? spec.dtype]!;
}

/**
 * Decodes the weights of `specs` from `bytes` (a group's shards, concatenated). A buffer too
 * short for the specs, or one with bytes left over, is an error naming the weight or the group.
 */
export function decodeTfjsWeights(specs: readonly TfjsWeightSpec[], bytes: Uint8Array, fileName: string, group = 'weights'): NamedWeight[] {
  const out: NamedWeight[] = [];
  let at = 0;
  for (const spec of specs) {
    const length = weightByteLength(spec);
    if (at + length > bytes.length) {
      throw new TfjsFormatError(fileName, `weight '${spec.name}'`, `needs bytes ${at} to ${at + length} of ${group}, which hold only ${bytes.length} bytes (a shard is missing or short)`);
    }
    // Copied so that views are aligned whatever the offset.
    const raw = bytes.slice(at, at + length).buffer;
    at += length;
    let data: Float32Array;
    const q = spec.quantization;
    if (q === undefined) data = new Float32Array(raw);
    else if (q.dtype === 'float16') data = Float32Array.from(new Uint16Array(raw), f16BitsToF32);
    else {
      const codes = q.dtype === 'uint8' ? new Uint8Array(raw) : new Uint16Array(raw);
      data = Float32Array.from(codes, (c) => c * q.scale + q.min);
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new TfjsFormatError(fileName, `weight '${spec.name}'`, `value [${i}] is ${data[i]}`);
    }
    out.push({ name: spec.name, shape: spec.shape, data });
  }
  if (at !== bytes.length) throw new TfjsFormatError(fileName, group, `holds ${bytes.length} bytes, its weights use ${at}; the manifest and the shards disagree`);
  return out;
}
