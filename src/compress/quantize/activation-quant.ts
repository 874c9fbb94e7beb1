/**
 * Activation quantization through model output hooks. Each quantization point (see
 * quant-points.ts) gets an observer and a hook that, depending on the mode,
 * - 'calibrate': only observes (PTQ calibration passes);
 * - 'qat': observes training batches (forward passes with gradients on; evaluation runs
 *   under noGrad and leaves the observers alone) and fake-quantizes with the current range;
 * - 'fixed': fake-quantizes with frozen parameters (after calibration or QAT freezing).
 * The model input is not a node and has no hook, so its quantizer wraps `model.forward` on
 * the instance; `remove` restores it.
 */
import { INPUT, type BatchSource, type Model } from '../../nn/index.js';
import { Tensor, fakeQuantize, isGradEnabled, noGrad, scope } from '../../tensor/index.js';
import { QuantizationError } from './errors.js';
import { makeObserver, type Observer, type ObserverKind } from './observers.js';
import { activationQuantPoints } from './quant-points.js';
import { codeRange, paramsFromRange, type QuantSpec } from './quant-spec.js';

export type ActivationDtype = 'int8' | 'uint8';

export interface ActivationQuantOptions {
  /** Default 'uint8'. Either is asymmetric with an integer zero point. */
  dtype?: ActivationDtype;
  /** Default 'minmax' for calibration; QAT uses 'ema'. */
  observer?: ObserverKind;
  percentile?: number;
  momentum?: number;
  seed?: number;
}

export interface ActivationParams {
  dtype: ActivationDtype;
  scale: number;
  zeroPoint: number;
  qmin: number;
  qmax: number;
}

export type ActivationMode = 'calibrate' | 'qat' | 'fixed';

export function activationSpec(dtype: ActivationDtype): QuantSpec {
  if (dtype !== 'int8' && dtype !== 'uint8') throw new QuantizationError(`activations: dtype must be 'int8' or 'uint8', got '${String(dtype)}'`);
  return { bits: 8, symmetric: false, signed: dtype === 'int8' };
}

/**
 * Observes, then fake-quantizes, the activations at the model's quantization points
 * (the input and each layer output an integer runtime would requantize).
 * @example const q = new ActivationQuantizer(model, { dtype: 'uint8' }).install(); const params = calibrateActivations(q, calibrationSource);
 */
export class ActivationQuantizer {
  mode: ActivationMode = 'calibrate';
  readonly points: string[];
  private readonly observers = new Map<string, Observer>();
  private fixed = new Map<string, ActivationParams>();
  private installed = false;
  private readonly spec: QuantSpec;
  private readonly dtype: ActivationDtype;

  constructor(readonly model: Model, opts: ActivationQuantOptions = {}, points = activationQuantPoints(model)) {
    this.dtype = opts.dtype ?? 'uint8';
    this.spec = activationSpec(this.dtype);
    this.points = points;
    points.forEach((name, i) => {
      if (name !== INPUT && model.node(name) === undefined) throw new QuantizationError(`activations: model ${model.name} has no node '${name}'`);
      this.observers.set(name, makeObserver(opts.observer ?? 'minmax', { ...opts, seed: (opts.seed ?? 0) + i, name }));
    });
  }

  /** A quantizer that only applies given parameters (a loaded checkpoint). */
  static withParams(model: Model, params: ReadonlyMap<string, ActivationParams>): ActivationQuantizer {
    const first = params.values().next().value as ActivationParams | undefined;
    const q = new ActivationQuantizer(model, { dtype: first?.dtype ?? 'uint8' }, [...params.keys()]);
    q.fixed = new Map(params);
    q.mode = 'fixed';
    return q;
  }

  install(): this {
    if (this.installed) return this;
    for (const name of this.points) if (name !== INPUT) this.model.setOutputHook(name, (y) => this.apply(name, y));
    if (this.points.includes(INPUT)) {
      const original = this.model.forward;
      this.model.forward = (x, ctx) => original.call(this.model, this.apply(INPUT, x), ctx);
    }
    this.installed = true;
    return this;
  }

  remove(): void {
    if (!this.installed) return;
    for (const name of this.points) if (name !== INPUT) this.model.setOutputHook(name, null);
    delete (this.model as { forward?: unknown }).forward; // uncovers the prototype's method
    this.installed = false;
  }

  /** Fixes the parameters from what the observers saw; from then on hooks only quantize. */
  freeze(): Map<string, ActivationParams> {
    if (this.mode !== 'fixed') {
      this.fixed = new Map(this.points.map((name) => [name, this.fromObserver(name)]));
      this.mode = 'fixed';
    }
    return this.params();
  }

  params(): Map<string, ActivationParams> {
    return new Map(this.fixed);
  }

  private fromObserver(name: string): ActivationParams {
    const { lo, hi } = this.observers.get(name)!.range();
    const { scale, zeroPoint } = paramsFromRange(lo, hi, this.spec, `activation '${name}'`);
    return { dtype: this.dtype, scale, zeroPoint, ...codeRange(this.spec) };
  }

  private apply(name: string, y: Tensor): Tensor {
    const observer = this.observers.get(name)!;
    if (this.mode === 'calibrate' || (this.mode === 'qat' && isGradEnabled())) observer.observe(y.view());
    if (this.mode === 'calibrate') return y;
    if (this.mode === 'qat' && observer.batches === 0) return y; // nothing seen yet: no range to use
    const p = this.mode === 'fixed' ? this.fixed.get(name)! : this.fromObserver(name);
    return fakeQuantize(y, { scales: [p.scale], zeroPoints: [p.zeroPoint], qmin: p.qmin, qmax: p.qmax, name: `activation '${name}'` });
  }
}

export interface CalibrationOptions {
  /** Batches to observe; default 100. */
  batches?: number;
  batchSize?: number;
  /** Shuffle seed, so calibration sees a mix of classes. */
  seed?: number;
}

/**
 * Runs `batches` evaluation-mode forward passes with the quantizer observing, then freezes it.
 * @example const q = new ActivationQuantizer(model, { dtype: 'uint8' }).install(); calibrateActivations(q, batchSource(train));
 */
export function calibrateActivations(quantizer: ActivationQuantizer, source: BatchSource, opts: CalibrationOptions = {}): Map<string, ActivationParams> {
  const batches = opts.batches ?? 100, batchSize = opts.batchSize ?? 64;
  if (source.count === 0) throw new QuantizationError('calibration: the dataset has no samples; activation ranges need at least one batch');
  if (!(Number.isInteger(batches) && batches >= 1)) throw new QuantizationError(`calibration: batches must be a positive integer, got ${batches}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new QuantizationError(`calibration: batchSize must be a positive integer, got ${batchSize}`);
  quantizer.install();
  quantizer.mode = 'calibrate';
  let seen = 0;
  for (const batch of source.batches(batchSize, opts.seed ?? 0)) {
    scope(() => {
      noGrad(() => quantizer.model.forward(Tensor.from(batch.images, batch.shape), { training: false }));
    });
    if (++seen >= batches) break;
  }
  return quantizer.freeze();
}
