/**
 * Range estimation: which real interval [lo, hi] a tensor (or one channel of it) is mapped
 * onto the codes. Min-max keeps every value in range; a percentile clips rare outliers; the
 * MSE search picks the clipping that minimises the squared quantization error, which at low
 * bit widths beats min-max by trading a few clipped outliers for a finer step.
 */
import { quantizeValue } from '../../tensor/index.js';
import { QuantizationError } from './errors.js';
import { codeRange, paramsFromRange, type QuantSpec } from './quant-spec.js';

export type RangeMethod = 'minmax' | 'percentile' | 'mse';

export interface RangeOptions {
  method?: RangeMethod;
  /** For 'percentile': the upper percentile in (0, 100], e.g. 99.99 (the lower one is 100 − p). */
  percentile?: number;
  /** For 'mse': clipping ratios tried, evenly spaced in (0, 1]; default 100. */
  mseSteps?: number;
}

export interface RealRange {
  lo: number;
  hi: number;
}

export function minMaxRange(values: ArrayLike<number>): RealRange {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return values.length === 0 ? { lo: 0, hi: 0 } : { lo, hi };
}

/** The p-th percentile (p in [0, 100]) of sorted values, interpolating linearly between ranks. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank), above = Math.ceil(rank);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

export function checkPercentile(p: number, where: string): void {
  if (!(p > 0 && p <= 100)) throw new QuantizationError(`${where}: percentile must be in (0, 100], got ${p}`);
}

/**
 * Symmetric specs clip |x| at its p-th percentile; asymmetric ones clip each tail, taking
 * the (100 − p)-th and p-th percentiles.
 */
export function percentileRange(values: ArrayLike<number>, spec: QuantSpec, p: number): RealRange {
  checkPercentile(p, 'percentile range');
  if (spec.symmetric && spec.signed) {
    const abs = Float64Array.from(values, Math.abs).sort();
    const a = percentileOfSorted(abs, p);
    return { lo: -a, hi: a };
  }
  const sorted = Float64Array.from(values).sort();
  return { lo: percentileOfSorted(sorted, 100 - p), hi: percentileOfSorted(sorted, p) };
}

/** Sum of squared errors of quantize-dequantize over `values` with the given range. */
export function quantizationSse(values: ArrayLike<number>, range: RealRange, spec: QuantSpec): number {
  const { qmin, qmax } = codeRange(spec);
  const { scale, zeroPoint } = paramsFromRange(range.lo, range.hi, spec);
  const s = Math.fround(scale);
  let sse = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const e = x - Math.fround((quantizeValue(x, s, zeroPoint, qmin, qmax) - zeroPoint) * s);
    sse += e * e;
  }
  return sse;
}

/**
 * Shrinks the min-max range by ratios k / steps (k = steps … 1) and keeps the ratio with
 * the least squared error; ratio 1 is min-max itself, so the result is never worse than it.
 */
export function mseRange(values: ArrayLike<number>, spec: QuantSpec, steps = 100): RealRange {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new QuantizationError(`mse range: steps must be a positive integer, got ${steps}`);
  const full = minMaxRange(values);
  let best = full, bestSse = quantizationSse(values, full, spec);
  for (let k = steps - 1; k >= 1; k--) {
    const r = k / steps;
    const candidate = { lo: full.lo * r, hi: full.hi * r };
    const sse = quantizationSse(values, candidate, spec);
    // Strictly less: ties keep the wider range, which clips fewer values.
    if (sse < bestSse) {
      best = candidate;
      bestSse = sse;
    }
  }
  return best;
}

export function estimateRange(values: ArrayLike<number>, spec: QuantSpec, opts: RangeOptions = {}): RealRange {
  const method = opts.method ?? 'minmax';
  if (method === 'minmax') return minMaxRange(values);
  if (method === 'percentile') return percentileRange(values, spec, opts.percentile ?? 99.99);
  if (method === 'mse') return mseRange(values, spec, opts.mseSteps ?? 100);
  throw new QuantizationError(`range: unknown method '${String(method)}'; known: minmax, percentile, mse`);
}
