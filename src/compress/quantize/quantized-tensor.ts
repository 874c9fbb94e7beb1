/**
 * A quantized weight as integers: codes plus per-tensor or per-output-channel scales and zero
 * points. real ≈ (code − zeroPoint) · scale. This is what export and the runtime consume; the
 * fake-quantized floats a model computes with are `dequantize` of it.
 */
import { quantizeSurvivor, quantizeValue } from '../../tensor/index.js';
import { assertFinite, QuantizationError } from './errors.js';
import { checkBits, codeRange, onF16Grid, paramsFromRange, weightSpec, type Granularity, type QuantSpec } from './quant-spec.js';
import { estimateRange, type RangeOptions } from './range.js';

export type CodeArray = Int8Array | Uint8Array | Int16Array | Uint16Array;

export interface QuantizedTensor {
  shape: number[];
  bits: number;
  scheme: 'symmetric' | 'asymmetric';
  signed: boolean;
  /** 0: one scale per slice along axis 0 (output channel); null: one for the tensor. */
  axis: 0 | null;
  qmin: number;
  qmax: number;
  scales: Float32Array;
  zeroPoints: Int32Array;
  /** Codes in [qmin, qmax], in the smallest integer array that holds them. */
  values: CodeArray;
}

export interface QuantizeOptions extends RangeOptions {
  bits: number;
  /** Default true. */
  symmetric?: boolean;
  /** Default: signed when symmetric (see quant-spec.ts). */
  signed?: boolean;
  /** Default 'channel'. */
  granularity?: Granularity;
  /** Tensor or layer name for error messages. */
  name?: string;
  /**
   * A pruning mask over the elements (1 = survived): survivors never take the zero-point code
   * unless exactly 0, so the zeros of the codes are exactly the pruned weights (quantizeSurvivor
   * in src/tensor/ops/fake-quant.ts says which code they get and why). Absent: plain rounding.
   */
  survivors?: ArrayLike<number> | null;
}

export function specOf(opts: Pick<QuantizeOptions, 'bits' | 'symmetric' | 'signed'>): QuantSpec {
  const spec = weightSpec(opts.bits, opts.symmetric ?? true);
  return opts.signed === undefined ? spec : { ...spec, signed: opts.signed };
}

function codeArray(spec: QuantSpec, n: number): CodeArray {
  if (spec.bits <= 8) return spec.signed ? new Int8Array(n) : new Uint8Array(n);
  return spec.signed ? new Int16Array(n) : new Uint16Array(n);
}

/** Channels and elements per channel for a granularity; a rank-0 or empty tensor has one slice. */
export function channelGeometry(shape: readonly number[], granularity: Granularity): { channels: number; inner: number } {
  const size = shape.reduce((a, b) => a * b, 1);
  if (granularity === 'tensor' || shape.length === 0) return { channels: 1, inner: size };
  const channels = shape[0]!;
  return { channels, inner: channels === 0 ? 0 : size / channels };
}

/** Codes for `data` with given scales and zero points (learned ones, for example); `survivors` as in QuantizeOptions. */
export function quantizeWithParams(
  data: ArrayLike<number>, shape: readonly number[], spec: QuantSpec, axis: 0 | null, scales: ArrayLike<number>, zeroPoints: ArrayLike<number>,
  survivors: ArrayLike<number> | null = null,
): QuantizedTensor {
  const { qmin, qmax } = codeRange(spec);
  const { channels, inner } = channelGeometry(shape, axis === 0 ? 'channel' : 'tensor');
  if (scales.length !== channels || zeroPoints.length !== channels) {
    throw new QuantizationError(`quantize: ${scales.length} scales and ${zeroPoints.length} zero points for ${channels} channel(s) of [${shape.join(', ')}]`);
  }
  if (survivors !== null && survivors.length !== data.length) throw new QuantizationError(`quantize: a mask of ${survivors.length} entries for ${data.length} values of [${shape.join(', ')}]`);
  const values = codeArray(spec, data.length);
  const s32 = Float32Array.from(scales), z32 = Int32Array.from(zeroPoints);
  for (let c = 0; c < channels; c++) {
    const s = s32[c]!, z = z32[c]!;
    if (!(s > 0 && Number.isFinite(s)) || z < qmin || z > qmax) throw new QuantizationError(`quantize: channel ${c} has scale ${s}, zero point ${z}`);
    for (let i = c * inner; i < (c + 1) * inner; i++) {
      values[i] = survivors?.[i] ? quantizeSurvivor(data[i]!, s, z, qmin, qmax) : quantizeValue(data[i]!, s, z, qmin, qmax);
    }
  }
  return { shape: [...shape], bits: spec.bits, scheme: spec.symmetric ? 'symmetric' : 'asymmetric', signed: spec.signed, axis, qmin, qmax, scales: s32, zeroPoints: z32, values };
}

/**
 * Quantizes a weight tensor: per output channel (axis 0) or per tensor, with the range from
 * min-max, a percentile or the MSE search. Non-finite values are an error naming the tensor.
 * @example const q = quantizeTensor(w.toArray(), w.shape, { bits: 4, granularity: 'channel', name: 'conv0.weight' });
 */
export function quantizeTensor(data: ArrayLike<number>, shape: readonly number[], opts: QuantizeOptions): QuantizedTensor {
  const where = `quantize ${opts.name ?? 'tensor'}`;
  const spec = specOf(opts);
  checkBits(spec.bits, where);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new QuantizationError(`${where}: ${data.length} values for shape [${shape.join(', ')}]`);
  const { axis, scales, zeroPoints } = chooseParams(data, shape, spec, opts.granularity ?? 'channel', opts, where);
  if (opts.survivors && opts.survivors.length !== data.length) throw new QuantizationError(`${where}: a mask of ${opts.survivors.length} entries for ${data.length} values`);
  return quantizeWithParams(data, shape, spec, axis, scales, zeroPoints, opts.survivors ?? null);
}

export interface ChosenParams {
  axis: 0 | null;
  scales: Float32Array;
  zeroPoints: Int32Array;
}

/** Scales and zero points for `data` at a granularity, from the range method in `range`. */
export function chooseParams(
  data: ArrayLike<number>, shape: readonly number[], spec: QuantSpec, granularity: Granularity, range: RangeOptions, where: string,
): ChosenParams {
  if (granularity !== 'channel' && granularity !== 'tensor') throw new QuantizationError(`${where}: granularity must be 'channel' or 'tensor', got '${String(granularity)}'`);
  assertFinite(data, where);
  const { channels, inner } = channelGeometry(shape, granularity);
  const scales = new Float32Array(channels), zeroPoints = new Int32Array(channels);
  const view = data instanceof Float32Array ? data : Float32Array.from(data);
  for (let c = 0; c < channels; c++) {
    const r = estimateRange(view.subarray(c * inner, (c + 1) * inner), spec, range);
    const p = paramsFromRange(r.lo, r.hi, spec, channels > 1 ? `${where}, channel ${c}` : where);
    scales[c] = onF16Grid(p.scale);
    zeroPoints[c] = p.zeroPoint;
  }
  return { axis: granularity === 'channel' && shape.length > 0 ? 0 : null, scales, zeroPoints };
}

/** Back to float32: (code − zeroPoint) · scale, per channel. */
export function dequantize(q: QuantizedTensor): Float32Array {
  const out = new Float32Array(q.values.length);
  const channels = q.scales.length;
  const inner = channels === 0 ? 0 : q.values.length / channels;
  for (let c = 0; c < channels; c++) {
    const s = q.scales[c]!, z = q.zeroPoints[c]!;
    for (let i = c * inner; i < (c + 1) * inner; i++) out[i] = (q.values[i]! - z) * s;
  }
  return out;
}
