/**
 * Float32 tensors whose data lives in the kernels' shared WebAssembly memory.
 *
 * A tensor owns a reference to a refcounted storage block, so reshapes share bytes. Every
 * tensor is registered with the innermost memory scope (see scope.ts) and is freed when
 * that scope ends unless it is returned from it or kept: memory is released
 * deterministically, with no reliance on the garbage collector.
 */
import { call, wasm } from '../kernels/index.js';
import { ShapeError } from './errors.js';
import { register } from './scope.js';
import type { GradNode } from './autograd.js';

export type Shape = readonly number[];

class Storage {
  refs = 1;
  constructor(readonly ptr: number, readonly size: number) {}
  release(): void {
    if (--this.refs === 0) wasm().heap.free(this.ptr);
  }
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: Shape, where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${where}: shape [${shape.join(', ')}] has a dimension that is not a non-negative integer`);
  }
}

export class Tensor {
  /** Gradient accumulated by `backward`, for tensors that require one. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when autograd recorded one. */
  node: GradNode | null = null;
  private disposed = false;
  readonly size: number;

  private constructor(
    readonly shape: Shape,
    private storage: Storage,
    public requiresGrad = false,
  ) {
    this.size = sizeOf(shape);
    register(this);
  }

  /** Uninitialised tensor; kernels fill it. */
  static empty(shape: Shape): Tensor {
    checkShape(shape, 'Tensor.empty');
    const size = sizeOf(shape);
    return new Tensor([...shape], new Storage(wasm().heap.alloc(size * 4), size));
  }

  static zeros(shape: Shape): Tensor {
    return Tensor.full(shape, 0);
  }

  static full(shape: Shape, value: number): Tensor {
    const t = Tensor.empty(shape);
    call('f32_fill', t.ptr, t.size, value);
    return t;
  }

  /**
   * Copies `data` into a new tensor.
   * @example const x = Tensor.from([1, 2, 3, 4], [2, 2]);
   */
  static from(data: ArrayLike<number>, shape: Shape = [data.length]): Tensor {
    checkShape(shape, 'Tensor.from');
    if (sizeOf(shape) !== data.length) {
      throw new ShapeError(`Tensor.from: ${data.length} values do not fill shape [${shape.join(', ')}] (${sizeOf(shape)} elements)`);
    }
    const t = Tensor.empty(shape);
    t.view().set(data);
    return t;
  }

  /** Byte offset of the first element in the shared memory. */
  get ptr(): number {
    if (this.disposed) throw new Error(`tensor [${this.shape.join(', ')}] used after dispose`);
    return this.storage.ptr;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** A view of the data; valid until the memory grows, so use it at once. */
  view(): Float32Array {
    return wasm().heap.f32(this.ptr, this.size);
  }

  /** A copy of the data in ordinary JS memory. */
  toArray(): Float32Array {
    return this.view().slice();
  }

  /** The only element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item(): tensor has shape [${this.shape.join(', ')}], not a single element`);
    return this.view()[0]!;
  }

  /** Same bytes, new shape (no copy, no autograd; ops/reshape.ts records the gradient). */
  reshapeView(shape: Shape): Tensor {
    checkShape(shape, 'reshape');
    if (sizeOf(shape) !== this.size) {
      throw new ShapeError(`reshape: cannot view [${this.shape.join(', ')}] (${this.size} elements) as [${shape.join(', ')}]`);
    }
    this.storage.refs++;
    return new Tensor([...shape], this.storage);
  }

  /** A new tensor with a copy of the data. */
  clone(): Tensor {
    const t = Tensor.empty(this.shape);
    t.view().set(this.view());
    return t;
  }

  /** Frees the storage (when no other view shares it). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.storage.release();
    this.grad?.dispose();
    this.grad = null;
    this.node = null;
  }

  toString(): string {
    return `Tensor[${this.shape.join(', ')}]`;
  }
}
