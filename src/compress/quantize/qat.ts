/**
 * Quantization-aware training. A QatSession installs weight fake quantization on every conv
 * and linear weight (Param.transform), and optionally EMA-observed activation fake
 * quantization (output hooks); the caller trains with `fit` as usual, then `finish` folds
 * BatchNorm and turns the trained weights into integer ones.
 *
 * @example
 * const qat = new QatSession(model, { bits: 4, lsq: true, freezeEpoch: 2 });
 * const opt = new Sgd([...model.params(), ...qat.trainableParams()], { momentum: 0.9 });
 * await fit(model, train, opt, { epochs: 3, batchSize: 64, lr: 0.01, afterStep: () => qat.afterStep(),
 *   callbacks: { onEpochEnd: (r) => qat.onEpochEnd(r.epoch) } });
 * const { model: quantized, weights } = qat.finish();
 *
 * Pruning masks are kept, and the zero pattern stays exactly the mask: the optimizer kernels
 * hold masked weights at exact 0, fake quantization maps 0 to the zero point and back to
 * exactly 0, and a survivor never takes the zero-point code (in the forward pass and in the
 * final integers), so quantization adds no zeros of its own. With `roundSurvivorsToZero` a
 * survivor rounds like any weight instead (zero included), as the reference protocol does.
 */
import { BatchNorm2d, type Model, type Param } from '../../nn/index.js';
import { ActivationQuantizer, type ActivationDtype, type ActivationParams } from './activation-quant.js';
import { bnFactors, findConvBnPairs, foldBatchNorm } from './bn-fold.js';
import { QuantizationError } from './errors.js';
import { checkBits, weightSpec, type Granularity } from './quant-spec.js';
import type { QuantizedModel } from './quantized-model.js';
import { chooseParams, quantizeWithParams, dequantize, type QuantizedTensor } from './quantized-tensor.js';
import type { RangeOptions } from './range.js';
import { quantizableWeights, roundQuantizedBiases } from './weight-ptq.js';
import { WeightFakeQuant } from './weight-fake-quant.js';

export interface QatOptions {
  bits: number;
  /** Default true. */
  symmetric?: boolean;
  /** Default 'channel'. */
  granularity?: Granularity;
  /** How STE mode picks weight ranges at each step; default min-max. */
  range?: RangeOptions;
  /** Learn step sizes (LSQ) instead of deriving them from the weights. */
  lsq?: boolean;
  /** Quantize activations too, with EMA observers. */
  activations?: { dtype?: ActivationDtype; momentum?: number } | null;
  /** After this epoch (1-based) ends, activation ranges and BN statistics freeze; default never. */
  freezeEpoch?: number;
  /** Quantize conv weights as folded with the following BN (default true). */
  foldBn?: boolean;
  /**
   * Let the survivors of a pruning mask round to zero like any other weight, in training and
   * in the final codes (default false: the zero pattern stays exactly the mask).
   */
  roundSurvivorsToZero?: boolean;
}

/**
 * Quantization-aware training of `model` in place (see the file comment for the method).
 * @example
 * const qat = new QatSession(model, { bits: 4 });
 * await fit(model, train, new Sgd([...model.params(), ...qat.trainableParams()]), { epochs: 2, batchSize: 64, lr: 0.001, afterStep: () => qat.afterStep() });
 * saveQuantizedCheckpoint('lenet5-q4.pqck', qat.finish());
 */
export class QatSession {
  readonly weights = new Map<string, WeightFakeQuant>();
  readonly activations: ActivationQuantizer | null;
  private frozen = false;
  private finished = false;

  constructor(readonly model: Model, readonly opts: QatOptions) {
    checkBits(opts.bits, `QAT of ${model.name}`);
    const freeze = opts.freezeEpoch;
    if (freeze !== undefined && !(Number.isInteger(freeze) && freeze >= 0)) throw new QuantizationError(`QAT: freezeEpoch must be an integer >= 0, got ${freeze}`);
    const spec = weightSpec(opts.bits, opts.symmetric ?? true);
    const bnAfter = new Map(opts.foldBn === false ? [] : findConvBnPairs(model).map((p) => [`${p.conv.name}.weight`, p.bn.layer]));
    for (const [name, param] of quantizableWeights(model)) {
      const bn = bnAfter.get(name);
      this.weights.set(name, new WeightFakeQuant(`${model.name}/${name}`, param, {
        spec, granularity: opts.granularity ?? 'channel', range: opts.range ?? {}, lsq: opts.lsq ?? false,
        roundSurvivorsToZero: opts.roundSurvivorsToZero ?? false,
        ...(bn ? { bnFactors: () => bnFactors(bn) } : {}),
      }));
    }
    for (const w of this.weights.values()) w.install();
    this.activations = opts.activations ? new ActivationQuantizer(model, { dtype: opts.activations.dtype ?? 'uint8', observer: 'ema', momentum: opts.activations.momentum ?? 0.01 }) : null;
    if (this.activations) {
      this.activations.mode = 'qat';
      this.activations.install();
    }
    if (freeze === 0) this.freeze();
  }

  /** LSQ step sizes, for the optimizer (empty in STE mode). */
  trainableParams(): Param[] {
    return [...this.weights.values()].flatMap((w) => (w.stepSize ? [w.stepSize] : []));
  }

  /** Call after every optimizer step: `fit` zeroes only the model's own gradients. */
  afterStep(): void {
    for (const w of this.weights.values()) {
      w.stepSize?.zeroGrad();
      w.clampStepSize();
    }
  }

  onEpochEnd(epoch: number): void {
    if (this.opts.freezeEpoch !== undefined && epoch >= this.opts.freezeEpoch) this.freeze();
  }

  /** Freezes activation ranges and BatchNorm statistics (BN then uses its running ones in training too). */
  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    if (this.activations) {
      try {
        this.activations.freeze();
      } catch (e) {
        throw new QuantizationError(`QAT freeze: ${(e as Error).message} (freeze after at least one training step)`);
      }
    }
    for (const n of this.model.nodes) if (n.layer instanceof BatchNorm2d) n.layer.frozen = true;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /**
   * Ends QAT: freezes activations, removes the fake quantizers from the trained model, and
   * returns a new model with BN folded and integer weights (the trained model keeps its
   * float weights). Uses the step sizes (LSQ) or weight ranges the forward pass used.
   */
  finish(): QuantizedModel {
    if (this.finished) throw new QuantizationError('QAT: finish was already called');
    let actParams: Map<string, ActivationParams> | null = null;
    if (this.activations) actParams = this.activations.freeze();
    const chosen = new Map([...this.weights].map(([name, w]) => [name, w.currentParams()]));
    this.dispose();
    const { model, folded, renamed } = foldBatchNorm(this.model);
    const spec = weightSpec(this.opts.bits, this.opts.symmetric ?? true);
    const params = new Map(model.namedParams());
    const weights = new Map<string, QuantizedTensor>();
    for (const [name, chosenParams] of chosen) {
      const param = params.get(name)!;
      // A conv trained without BN-aware quantization (foldBn: false) changed when folded;
      // its folded weights get post-training ranges.
      const p = this.weights.get(name)!.opts.bnFactors || !folded.some((f) => `${f.conv}.weight` === name)
        ? chosenParams
        : chooseParams(param.value.view(), param.shape, spec, this.opts.granularity ?? 'channel', this.opts.range ?? {}, `QAT ${name}`);
      const survivors = this.opts.roundSurvivorsToZero ? null : param.mask?.view() ?? null;
      const q = quantizeWithParams(param.value.view(), param.shape, spec, p.axis, p.scales, p.zeroPoints, survivors);
      param.assign(dequantize(q));
      weights.set(name, q);
    }
    roundQuantizedBiases(model, weights);
    let activations: Map<string, ActivationParams> | null = null;
    if (actParams) {
      activations = new Map([...actParams].map(([node, a]) => [renamed.get(node) ?? node, a]));
      ActivationQuantizer.withParams(model, activations).install();
    }
    return { model, weights, activations, foldedBn: folded };
  }

  /** Removes the fake quantizers and frees the step sizes; the model computes in float again. */
  dispose(): void {
    if (this.finished) return;
    this.finished = true;
    for (const w of this.weights.values()) {
      w.remove();
      w.stepSize?.dispose();
    }
    this.activations?.remove();
  }
}
