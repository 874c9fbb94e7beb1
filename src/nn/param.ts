/**
 * A trainable tensor with its role and an optional pruning mask. The role decides what
 * compression may touch: only 'weight' params are pruned or quantized; biases and
 * BatchNorm parameters never are.
 */
import { wasm } from '../kernels/index.js';
import { Tensor, keep } from '../tensor/index.js';

export type ParamRole = 'weight' | 'bias' | 'norm';

/** One byte per weight in the shared memory (1 keep, 0 pruned), so kernels can read it. */
export class Mask {
  readonly ptr: number;
  constructor(readonly size: number, init?: ArrayLike<number>) {
    this.ptr = wasm().heap.alloc(Math.max(size, 1));
    const v = this.view();
    if (init) v.set(init);
    else v.fill(1);
  }
  view(): Uint8Array {
    return wasm().heap.u8(this.ptr, this.size);
  }
  /** Fraction of zeros, in [0, 1]. */
  sparsity(): number {
    let zeros = 0;
    for (const b of this.view()) if (b === 0) zeros++;
    return this.size === 0 ? 0 : zeros / this.size;
  }
  dispose(): void {
    wasm().heap.free(this.ptr);
  }
}

/** Maps a param's stored value to the tensor the forward pass uses (fake quantization in QAT). */
export type ParamTransform = (value: Tensor) => Tensor;

export class Param {
  mask: Mask | null = null;
  /** When set, layers compute with transform(value) instead of value; gradients flow through it. */
  transform: ParamTransform | null = null;

  constructor(readonly value: Tensor, readonly role: ParamRole) {
    keep(value);
    value.requiresGrad = true;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get size(): number {
    return this.value.size;
  }

  /** The tensor layers compute with: the value, or its transform when one is installed. */
  forwardValue(): Tensor {
    return this.transform ? this.transform(this.value) : this.value;
  }

  /** Overwrites the values in place (checkpoint load, compression). */
  assign(data: ArrayLike<number>): void {
    if (data.length !== this.value.size) {
      throw new RangeError(`param: ${data.length} values for shape [${this.value.shape.join(', ')}]`);
    }
    this.value.view().set(data);
  }

  /** Installs a mask and zeroes the masked values at once. */
  setMask(mask: Mask | null): void {
    this.mask?.dispose();
    this.mask = mask;
    if (mask) {
      const v = this.value.view(), m = mask.view();
      for (let i = 0; i < v.length; i++) if (m[i] === 0) v[i] = 0;
    }
  }

  zeroGrad(): void {
    this.value.grad?.dispose();
    this.value.grad = null;
  }

  dispose(): void {
    this.value.dispose();
    this.mask?.dispose();
  }
}
