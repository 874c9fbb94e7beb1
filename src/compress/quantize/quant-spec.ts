/**
 * What a quantizer produces: the integer code range for a bit width and scheme, and the
 * scale and zero point that map a real range onto it with zero represented exactly.
 *
 * Code ranges (our choice, written down once):
 * - symmetric, signed: [−(2^(b−1) − 1), 2^(b−1) − 1] with zero point 0. The "narrow" range
 *   drops −2^(b−1) so that +x and −x quantize to ±q alike (and a 2-bit weight is ternary).
 * - symmetric, unsigned: [0, 2^b − 1] with zero point 0, for data known to be ≥ 0.
 * - asymmetric, unsigned: [0, 2^b − 1] (uint8 for 8 bits); asymmetric, signed:
 *   [−2^(b−1), 2^(b−1) − 1] (int8). The zero point is an integer in the range.
 */
import { roundToF16 } from '../../kernels/index.js';
import { QuantizationError } from './errors.js';

export const MIN_BITS = 2;
export const MAX_BITS = 16;

export interface QuantSpec {
  /** Bits per code, in [2, 16]. */
  bits: number;
  symmetric: boolean;
  /** Signed codes (int8-like) or unsigned (uint8-like); see the table above. */
  signed: boolean;
}

export type Granularity = 'tensor' | 'channel';

export interface CodeRange {
  qmin: number;
  qmax: number;
}

/** Rejects a bit width outside [2, 16], naming where it came from. */
export function checkBits(bits: number, where: string): void {
  if (!(Number.isInteger(bits) && bits >= MIN_BITS && bits <= MAX_BITS)) {
    throw new QuantizationError(`${where}: bits must be an integer in [${MIN_BITS}, ${MAX_BITS}], got ${bits}`);
  }
}

/** The default weight spec: symmetric codes are signed, asymmetric ones unsigned. */
export function weightSpec(bits: number, symmetric: boolean): QuantSpec {
  return { bits, symmetric, signed: symmetric };
}

export function codeRange(spec: QuantSpec): CodeRange {
  const { bits, symmetric, signed } = spec;
  checkBits(bits, 'quantization spec');
  if (!signed) return { qmin: 0, qmax: 2 ** bits - 1 };
  const half = 2 ** (bits - 1);
  return symmetric ? { qmin: -(half - 1), qmax: half - 1 } : { qmin: -half, qmax: half - 1 };
}

// Below this, x / scale could overflow float32 for representable x, and a range this small
// is a constant channel in all but name; float32's smallest normal is 2^−126.
const MIN_SCALE = 2 ** -126;
// An all-zero range has no scale of its own; any positive one maps 0 to the zero point exactly.
const FALLBACK_SCALE = 1;

export interface ScaleZeroPoint {
  scale: number;
  zeroPoint: number;
}

/**
 * Scale and zero point for the real range [lo, hi]. The range is first widened to include
 * 0, so 0 has an exact integer code (pruned weights stay exactly 0, ReLU zeros stay 0).
 * Scales are rounded to float32, the precision they are stored and used in.
 */
export function paramsFromRange(lo: number, hi: number, spec: QuantSpec, where = 'quantizer'): ScaleZeroPoint {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) throw new QuantizationError(`${where}: invalid range [${lo}, ${hi}]`);
  const { qmin, qmax } = codeRange(spec);
  const low = Math.min(lo, 0), high = Math.max(hi, 0);
  if (spec.symmetric) {
    const bound = spec.signed ? Math.max(-low, high) : high;
    if (!spec.signed && low < 0) throw new QuantizationError(`${where}: unsigned symmetric codes cannot hold the negative range [${lo}, ${hi}]`);
    return { scale: safeScale(bound / qmax), zeroPoint: 0 };
  }
  const scale = safeScale((high - low) / (qmax - qmin));
  // zero point = the code of 0; rounding keeps it an integer, clamping keeps it in range.
  const zp = Math.round(qmin - low / scale);
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zp)) };
}

function safeScale(raw: number): number {
  if (raw === 0) return FALLBACK_SCALE;
  const s = Math.fround(Math.max(raw, MIN_SCALE));
  return Number.isFinite(s) ? s : Math.fround(3.4e38);
}

// float16's smallest normal and largest finite values.
const F16_MIN_NORMAL = 2 ** -14;
const F16_MAX = 65504;

/**
 * A weight scale (or a bias) moved to the nearest float16 value when it lies in float16's
 * normal range, else left as it is. Why: the `.pqm` file stores a tensor's scales and biases in
 * 2 bytes instead of 4 when every one is exact in float16, and on a pruned low-bit LeNet-5
 * they are a third of the file. The relative change is at most 2^−11, far below one
 * quantization step, and the model is evaluated with the rounded values, so the accuracy we
 * report is the file's.
 * @example onF16Grid(0.1) === 0.0999755859375; onF16Grid(1e-6) === 1e-6
 */
export function onF16Grid(value: number): number {
  const a = Math.abs(value);
  return a >= F16_MIN_NORMAL && a <= F16_MAX ? roundToF16(value) : value;
}
