/**
 * Activation observers: they watch a node's outputs batch after batch and say which real
 * range its quantizer should cover.
 * - min-max: the extremes seen over all batches;
 * - percentile: the (100 − p)-th and p-th percentiles of a seeded uniform sample of every
 *   value seen (reservoir sampling, so memory stays bounded however many batches pass);
 * - EMA: an exponential moving average of each batch's min and max (the first batch sets
 *   them), the observer QAT uses because it follows activations as weights move.
 */
import { createRng, type Rng } from '../../tensor/index.js';
import { assertFinite, QuantizationError } from './errors.js';
import { checkPercentile, minMaxRange, percentileOfSorted, type RealRange } from './range.js';

export type ObserverKind = 'minmax' | 'percentile' | 'ema';

export interface Observer {
  readonly kind: ObserverKind;
  /** Batches observed so far. */
  readonly batches: number;
  observe(values: ArrayLike<number>): void;
  /** The range to quantize to; an error before the first batch. */
  range(): RealRange;
}

export interface ObserverOptions {
  /** Percentile observer: upper percentile in (0, 100]; default 99.99. */
  percentile?: number;
  /** Percentile observer: values kept in the sample; default 2^18. */
  sampleSize?: number;
  /** EMA observer: weight of the newest batch, in (0, 1]; default 0.01. */
  momentum?: number;
  seed?: number;
  /** Node name for error messages. */
  name?: string;
}

abstract class BaseObserver implements Observer {
  abstract readonly kind: ObserverKind;
  batches = 0;
  constructor(protected readonly name: string) {}
  observe(values: ArrayLike<number>): void {
    assertFinite(values, `${this.kind} observer at '${this.name}'`);
    if (values.length === 0) return;
    this.update(values);
    this.batches++;
  }
  range(): RealRange {
    if (this.batches === 0) throw new QuantizationError(`${this.kind} observer at '${this.name}': no batches observed yet; calibrate first`);
    return this.current();
  }
  protected abstract update(values: ArrayLike<number>): void;
  protected abstract current(): RealRange;
}

export class MinMaxObserver extends BaseObserver {
  readonly kind = 'minmax';
  private lo = Infinity;
  private hi = -Infinity;
  protected update(values: ArrayLike<number>): void {
    const r = minMaxRange(values);
    this.lo = Math.min(this.lo, r.lo);
    this.hi = Math.max(this.hi, r.hi);
  }
  protected current(): RealRange {
    return { lo: this.lo, hi: this.hi };
  }
}

export class EmaObserver extends BaseObserver {
  readonly kind = 'ema';
  private lo = 0;
  private hi = 0;
  constructor(name: string, readonly momentum: number) {
    super(name);
    if (!(momentum > 0 && momentum <= 1)) throw new QuantizationError(`ema observer at '${name}': momentum must be in (0, 1], got ${momentum}`);
  }
  protected update(values: ArrayLike<number>): void {
    const r = minMaxRange(values);
    const m = this.batches === 0 ? 1 : this.momentum;
    this.lo += m * (r.lo - this.lo);
    this.hi += m * (r.hi - this.hi);
  }
  protected current(): RealRange {
    return { lo: this.lo, hi: this.hi };
  }
}

export class PercentileObserver extends BaseObserver {
  readonly kind = 'percentile';
  private readonly sample: Float32Array;
  private seen = 0;
  private readonly rng: Rng;
  constructor(name: string, readonly percentile: number, readonly sampleSize: number, seed: number) {
    super(name);
    checkPercentile(percentile, `percentile observer at '${name}'`);
    if (!(Number.isInteger(sampleSize) && sampleSize >= 1)) throw new QuantizationError(`percentile observer at '${name}': sampleSize must be a positive integer, got ${sampleSize}`);
    this.sample = new Float32Array(sampleSize);
    this.rng = createRng(seed);
  }
  protected update(values: ArrayLike<number>): void {
    // Algorithm R: after t values, each has been kept with probability sampleSize / t.
    for (let i = 0; i < values.length; i++, this.seen++) {
      if (this.seen < this.sampleSize) this.sample[this.seen] = values[i]!;
      else {
        const j = this.rng.int(this.seen + 1);
        if (j < this.sampleSize) this.sample[j] = values[i]!;
      }
    }
  }
  protected current(): RealRange {
    const sorted = Float64Array.from(this.sample.subarray(0, Math.min(this.seen, this.sampleSize))).sort();
    return { lo: percentileOfSorted(sorted, 100 - this.percentile), hi: percentileOfSorted(sorted, this.percentile) };
  }
}

export function makeObserver(kind: ObserverKind, opts: ObserverOptions = {}): Observer {
  const name = opts.name ?? 'activation';
  if (kind === 'minmax') return new MinMaxObserver(name);
  if (kind === 'ema') return new EmaObserver(name, opts.momentum ?? 0.01);
  if (kind === 'percentile') return new PercentileObserver(name, opts.percentile ?? 99.99, opts.sampleSize ?? 1 << 18, opts.seed ?? 0);
  throw new QuantizationError(`observer: unknown kind '${String(kind)}'; known: minmax, percentile, ema`);
}
