import { add, concat, dropout, flatten, type Tensor } from '../../tensor/index.js';
import { Layer, expectInputs, type ForwardContext, type LayerConfig } from '../layer.js';

export class Flatten extends Layer {
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 1);
    return flatten(inputs[0]!);
  }
  config(): LayerConfig {
    return { type: 'Flatten' };
  }
}

/** Inverted dropout in training, identity in evaluation. */
export class Dropout extends Layer {
  constructor(readonly p: number) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
  }
  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    expectInputs(this, inputs, 1);
    return ctx.training ? dropout(inputs[0]!, this.p, ctx.rng) : inputs[0]!;
  }
  config(): LayerConfig {
    return { type: 'Dropout', p: this.p };
  }
}

/** Elementwise sum of its inputs: the residual join. */
export class Add extends Layer {
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 'many');
    return inputs.slice(1).reduce((acc, t) => add(acc, t), inputs[0]!);
  }
  config(): LayerConfig {
    return { type: 'Add' };
  }
}

/** Concatenation along channels (axis 1), for branching nets. */
export class Concat extends Layer {
  constructor(readonly axis = 1) {
    super();
  }
  forward(inputs: readonly Tensor[]): Tensor {
    expectInputs(this, inputs, 'many');
    return concat(inputs, this.axis);
  }
  config(): LayerConfig {
    return { type: 'Concat', axis: this.axis };
  }
}
