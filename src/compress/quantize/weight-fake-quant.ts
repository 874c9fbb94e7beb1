/**
 * Weight fake quantization for QAT, installed as a Param.transform so layers compute with
 * quantized weights while the optimizer updates the float ones (the "shadow" weights).
 *
 * - STE mode: scales come from the current weights at every forward (min-max, percentile or
 *   MSE), held constant for the gradient; the weight gradient is the clipped STE.
 * - LSQ mode: the step sizes are a trainable Param (one per channel or per tensor),
 *   initialised from the MSE-optimal scales (min-max is far too coarse at 2-3 bits), with
 *   the LSQ gradient scaled by 1 / sqrt(n · Qp). Zero points stay where initialisation put
 *   them (0 for symmetric codes): LSQ learns the step only.
 *
 * BatchNorm-aware mode (a conv read only by a BN, `bnFactors` given): the quantizer sees the
 * folded weight w · γ/σ from the BN's running statistics and the layer gets
 * FQ(w · γ/σ) / (γ/σ), so conv-then-BN computes conv(x, FQ(w · γ/σ)) + folded bias: exactly
 * the folded integer conv once BN statistics are frozen (before that, the running statistics
 * approximate the batch statistics BN normalises with). γ/σ is a constant for the gradient.
 *
 * A param with a pruning mask passes it to the fake quantizer as `survivors`, read at every
 * forward (a mask may change between steps): survivors never quantize to zero, so the model
 * trains with exactly the zero pattern it will be exported with (unless `roundSurvivorsToZero`:
 * then a survivor may round to zero, and keeps training through the straight-through gradient).
 */
import { Param } from '../../nn/index.js';
import { Tensor, div, fakeQuantize, fakeQuantizeLsq, keep, mul } from '../../tensor/index.js';
import { codeRange, onF16Grid, type CodeRange, type Granularity, type QuantSpec } from './quant-spec.js';
import { chooseParams, channelGeometry, type ChosenParams } from './quantized-tensor.js';
import type { RangeOptions } from './range.js';

export interface WeightFakeQuantOptions {
  spec: QuantSpec;
  granularity: Granularity;
  range: RangeOptions;
  lsq: boolean;
  /** Survivors of a pruning mask round like any weight, to zero too (default false). */
  roundSurvivorsToZero?: boolean;
  /** Per-output-channel γ/σ of the BN that follows, read at every forward; absent: no BN. */
  bnFactors?: () => Float64Array;
}

export class WeightFakeQuant {
  /** LSQ step sizes, one per channel (or one); null in STE mode. */
  readonly stepSize: Param | null;
  private readonly zeroPoints: Int32Array;
  private readonly codes: CodeRange;
  private readonly axis: 0 | null;
  private readonly gradScale: number;

  constructor(readonly name: string, readonly param: Param, readonly opts: WeightFakeQuantOptions) {
    this.codes = codeRange(opts.spec);
    const init = chooseParams(this.foldedValues(), param.shape, opts.spec, opts.granularity, opts.lsq ? { method: 'mse' } : opts.range, `QAT ${name}`);
    this.axis = init.axis;
    this.zeroPoints = init.zeroPoints;
    // Role 'norm': a step size is trained but never pruned or quantized itself.
    this.stepSize = opts.lsq ? new Param(keep(Tensor.from(init.scales, [init.scales.length])), 'norm') : null;
    const { inner } = channelGeometry(param.shape, opts.granularity);
    this.gradScale = 1 / Math.sqrt(Math.max(inner, 1) * this.codes.qmax);
  }

  install(): void {
    this.param.transform = (w) => this.forward(w);
  }

  remove(): void {
    this.param.transform = null;
  }

  /** The weights the quantizer sees: the param, times γ/σ per output channel in BN-aware mode. */
  foldedValues(): Float32Array {
    const w = this.param.value.toArray();
    const f = this.opts.bnFactors?.();
    if (f) {
      const inner = w.length / f.length;
      for (let i = 0; i < w.length; i++) w[i] = w[i]! * safeFactor(f[Math.floor(i / inner)]!);
    }
    return w;
  }

  /** The scales and zero points the forward pass uses now (for finishing QAT). */
  currentParams(): ChosenParams {
    if (this.stepSize) return { axis: this.axis, scales: this.stepSize.value.toArray().map(onF16Grid), zeroPoints: this.zeroPoints.slice() };
    return chooseParams(this.foldedValues(), this.param.shape, this.opts.spec, this.opts.granularity, this.opts.range, `QAT ${this.name}`);
  }

  /** Keeps step sizes positive after an optimizer step (a step may overshoot below 0). */
  clampStepSize(): void {
    if (!this.stepSize) return;
    const v = this.stepSize.value.view();
    for (let i = 0; i < v.length; i++) if (!(v[i]! > 1e-8)) v[i] = 1e-8;
  }

  private forward(w: Tensor): Tensor {
    const f = this.opts.bnFactors?.();
    const factor = f ? Tensor.from(Array.from(f, safeFactor), [f.length, ...w.shape.slice(1).map(() => 1)]) : null;
    const x = factor ? mul(w, factor) : w;
    const { qmin, qmax } = this.codes;
    const name = this.name;
    // Copied: a view into WASM memory is not kept across the allocations below.
    const survivors = this.opts.roundSurvivorsToZero ? null : this.param.mask?.view().slice() ?? null;
    let q: Tensor;
    if (this.stepSize) {
      q = fakeQuantizeLsq(x, this.stepSize.value, { zeroPoints: this.zeroPoints, qmin, qmax, axis: this.axis, gradScale: this.gradScale, name, survivors });
    } else {
      const p = chooseParams(x.view(), x.shape, this.opts.spec, this.opts.granularity, this.opts.range, `QAT ${name}`);
      q = fakeQuantize(x, { scales: p.scales, zeroPoints: p.zeroPoints, qmin, qmax, axis: p.axis, name, survivors });
    }
    return factor ? div(q, factor) : q;
  }
}

/** A channel BN multiplies by 0 carries no signal; folding by 1 keeps its weights finite. */
function safeFactor(f: number): number {
  return f === 0 || !Number.isFinite(f) ? 1 : f;
}
