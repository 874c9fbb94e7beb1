/**
 * The buffers a plan computes into. Every value (the input, each node's output) gets one block
 * of the shared heap sized for the session's batch capacity, allocated when the plan is built
 * and never during `run`. A value at a quantization point holds uint8 codes; int8 codes are
 * stored shifted by 128 (code + 128 with zero point + 128), which dequantizes to the same reals,
 * so every integer kernel sees one dtype.
 */
import { wasm } from '../../kernels/index.js';
import type { ActivationQuant, Chw } from '../graph.js';

/** Vector loads in the kernels may read this far past the last element they use. */
export const SLACK_BYTES = 64;

/** A uint8 grid: real = (q − zeroPoint) · scale, q in [0, 255]. */
export interface U8Grid {
  scale: number;
  zeroPoint: number;
}

export interface Value {
  id: number;
  shape: Chw;
  /** Elements per sample. */
  size: number;
  dtype: 'f32' | 'u8';
  /** Set when dtype is 'u8'. */
  grid: U8Grid | null;
  ptr: number;
  /** Bytes per sample. */
  stride: number;
}

export function toU8Grid(q: ActivationQuant): U8Grid {
  return q.dtype === 'uint8' ? { scale: q.scale, zeroPoint: q.zeroPoint } : { scale: q.scale, zeroPoint: q.zeroPoint + 128 };
}

/** Allocates a value's block for `capacity` samples, with slack for overrunning vector loads. */
export function allocValue(id: number, shape: Chw, grid: U8Grid | null, capacity: number): Value {
  const size = shape[0] * shape[1] * shape[2];
  const dtype = grid === null ? 'f32' : 'u8';
  const stride = dtype === 'f32' ? 4 * size : size;
  const ptr = wasm().heap.alloc(stride * capacity + SLACK_BYTES);
  // The slack is read, never used: zero it so a NaN pattern there can never reach a result.
  wasm().heap.u8(ptr + stride * capacity, SLACK_BYTES).fill(0);
  return { id, shape, size, dtype, grid, ptr, stride };
}

/** A scratch block owned by one step, freed with the plan. */
export class Scratch {
  private readonly ptrs: number[] = [];
  /** Bytes asked for so far (packed weights, CSR arrays, padding and column buffers). */
  bytes = 0;

  alloc(bytes: number): number {
    const ptr = wasm().heap.alloc(Math.max(bytes, 1) + SLACK_BYTES);
    wasm().heap.u8(ptr, Math.max(bytes, 1) + SLACK_BYTES).fill(0);
    this.ptrs.push(ptr);
    this.bytes += bytes;
    return ptr;
  }

  /** Copies typed data into a new block; returns its offset. */
  put(data: Float32Array | Int32Array | Int8Array | Uint8Array): number {
    const ptr = this.alloc(data.byteLength);
    wasm().heap.u8(ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return ptr;
  }

  dispose(): void {
    for (const p of this.ptrs) wasm().heap.free(p);
    this.ptrs.length = 0;
  }
}
