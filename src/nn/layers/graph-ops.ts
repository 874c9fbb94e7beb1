/**
 * Layers that imported ONNX graphs need beyond the zoo's: PRelu, elementwise arithmetic (on two
 * values, or on a value and a stored constant), shape changes that keep the batch axis first
 * (Reshape, Transpose, Pad), Softmax inside a graph, and LRN. Shapes in configs leave out the batch.
 */
import { Tensor, add, div, keep, lrn, mul, pad, prelu, reshape, softmaxAxis, sub, transpose } from '../../tensor/index.js';
import { Layer, expectInputs, type LayerConfig } from '../layer.js';
import { Param } from '../param.js';

/** x ≥ 0 ? x : slope · x with a trainable slope of `slopeShape`, broadcast against [n, …]. */
export class PRelu extends Layer {
  readonly slope: Param;
  constructor(readonly slopeShape: number[]) {
    super();
    // Role 'norm': a slope per channel is not a weight to prune or quantize.
    this.slope = new Param(Tensor.full(slopeShape, 0.25), 'norm');
  }
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return prelu(inputs[0]!, this.slope.forwardValue());
  }
  override params(): Record<string, Param> {
    return { slope: this.slope };
  }
  config(): LayerConfig {
    return { type: 'PRelu', slopeShape: this.slopeShape };
  }
}

export type ArithmeticOp = 'Add' | 'Sub' | 'Mul' | 'Div';
const ARITHMETIC = { Add: add, Sub: sub, Mul: mul, Div: div } as const;

/**
 * a op b for two graph values, or x op c (c op x with `constantFirst`) for one value and a
 * constant kept as a buffer (`constantShape` broadcasts against [n, …], as ONNX broadcasts it).
 */
export class Arithmetic extends Layer {
  readonly constant: Tensor | null;
  constructor(readonly op: ArithmeticOp, readonly constantShape: number[] | null = null, readonly constantFirst = false) {
    super();
    if (!(op in ARITHMETIC)) throw new RangeError(`Arithmetic: unknown op '${op}'; known: ${Object.keys(ARITHMETIC).join(', ')}`);
    this.constant = constantShape === null ? null : keep(Tensor.zeros(constantShape));
  }
  forward(inputs: readonly Tensor[]): Tensor {
    const f = ARITHMETIC[this.op];
    if (this.constant === null) {
      expectInputs(this, inputs, 2);
      return f(inputs[0]!, inputs[1]!);
    }
    expectInputs(this, inputs, 1);
    return this.constantFirst ? f(this.constant, inputs[0]!) : f(inputs[0]!, this.constant);
  }
  override buffers(): Record<string, Tensor> {
    return this.constant === null ? {} : { constant: this.constant };
  }
  config(): LayerConfig {
    return { type: 'Arithmetic', op: this.op, constantShape: this.constantShape, constantFirst: this.constantFirst };
  }
}

/** Same data, per-sample shape `shape`: [n, …] → [n, …shape]. */
export class Reshape extends Layer {
  constructor(readonly shape: number[]) {
    super();
  }
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    const x = inputs[0]!;
    return reshape(x, [x.shape[0]!, ...this.shape]);
  }
  config(): LayerConfig {
    return { type: 'Reshape', shape: this.shape };
  }
}

/** Permutes the axes after the batch: `perm` is over the whole tensor and keeps axis 0 first. */
export class Transpose extends Layer {
  constructor(readonly perm: number[]) {
    super();
    if (perm[0] !== 0) throw new RangeError(`Transpose: perm [${perm.join(', ')}] moves the batch axis`);
  }
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return transpose(inputs[0]!, this.perm);
  }
  config(): LayerConfig {
    return { type: 'Transpose', perm: this.perm };
  }
}

/** Constant padding, ONNX pads over the whole tensor (the batch axis' entries are 0). */
export class Pad extends Layer {
  constructor(readonly pads: number[], readonly value = 0) {
    super();
    if (pads[0] !== 0 || pads[pads.length / 2] !== 0) throw new RangeError(`Pad: pads [${pads.join(', ')}] pad the batch axis`);
  }
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return pad(inputs[0]!, this.pads, this.value);
  }
  config(): LayerConfig {
    return { type: 'Pad', pads: this.pads, value: this.value };
  }
}

/** Softmax or log-softmax along `axis` of the whole tensor; `coerce2d` is ONNX's rule before opset 13. */
export class Softmax extends Layer {
  constructor(readonly axis: number, readonly log = false, readonly coerce2d = false) {
    super();
  }
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return softmaxAxis(inputs[0]!, this.axis, this.log, this.coerce2d);
  }
  config(): LayerConfig {
    return { type: 'Softmax', axis: this.axis, log: this.log, coerce2d: this.coerce2d };
  }
}

export interface LrnConfig {
  size: number;
  alpha?: number;
  beta?: number;
  bias?: number;
}

/** Local response normalization across channels (AlexNet, GoogLeNet). */
export class Lrn extends Layer {
  constructor(readonly cfg: LrnConfig) {
    super();
    if (!Number.isInteger(cfg.size) || cfg.size < 1) throw new RangeError(`LRN: size must be a positive integer, got ${cfg.size}`);
  }
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return lrn(inputs[0]!, this.cfg.size, this.cfg.alpha, this.cfg.beta, this.cfg.bias);
  }
  config(): LayerConfig {
    return { type: 'LRN', ...this.cfg };
  }
}
