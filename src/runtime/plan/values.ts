/**
 * The buffers a plan computes into. Every value (the input, each node's output) gets one block
 * of the shared heap sized for the session's batch capacity, allocated when the plan is built
 * and never during `run`. A value at a quantization point holds uint8 codes; int8 codes are
 * stored shifted by 128 (code + 128 with zero point + 128), which dequantizes to the same reals,
 * so every integer kernel sees one dtype.
 */
import { parallel, wasm } from '../../kernels/index.js';
import type { ActivationQuant, Chw } from '../graph.js';

/** Vector loads in the kernels may read this far past the last element they use. */
export const SLACK_BYTES = 64;

/** A uint8 grid: real = (q − zeroPoint) · scale, q in [0, 255]. */
export interface U8Grid {
  scale: number;
  zeroPoint: number;
}

/**
 * A halo of pads around every plane of a uint8 value, filled once with its zero point: the value
 * is then [C][h][w] per sample with its [C][H][W] inside, at row `top`, column `left`; the
 * w - W halo columns of each row serve as the right halo of the row above too (frames.ts). A
 * direct conv reads such a value as its padded input, so it needs no padding pass, and the kernel
 * that computes it writes only the inside (plan/frames.ts decides where frames pay).
 */
export interface Frame {
  top: number;
  left: number;
  /** Rows and columns of a framed plane. */
  h: number;
  w: number;
}

export interface Value {
  id: number;
  shape: Chw;
  /** Elements per sample of the value itself (C*H*W, with or without a frame). */
  size: number;
  dtype: 'f32' | 'u8';
  /** Set when dtype is 'u8'. */
  grid: U8Grid | null;
  ptr: number;
  /** Bytes per sample in the buffer (a framed value's include its halo). */
  stride: number;
  /** Set for a uint8 value held inside a halo (see Frame). */
  frame?: Frame | null;
}

/**
 * Where a value's element (sample 0, channel 0, row 0, column 0) is, in bytes, and its strides in
 * elements: between planes (channels), rows, and samples. A dense value is planes of H*W.
 */
export function planesOf(v: Value): { ptr: number; ld: number; ldRow: number; batch: number } {
  const [c, h, w] = v.shape, f = v.frame;
  if (!f) return { ptr: v.ptr, ld: h * w, ldRow: w, batch: v.size };
  return { ptr: v.ptr + f.top * f.w + f.left, ld: f.h * f.w, ldRow: f.w, batch: c * f.h * f.w };
}

/** Puts n samples of v's codes, dense at src, into v's frame (xx_pad2d with the halo as pads). */
export function copyIntoFrame(src: number, v: Value, n: number): void {
  const f = v.frame!, [c, h, w] = v.shape;
  parallel('xx_pad2d', [src, v.ptr, h, w, 1, f.top, f.left, f.h - f.top - h, f.w - f.left - w, v.grid!.zeroPoint], n * c, { minPerThread: 8 });
}

/** Takes n samples of v's codes out of its frame, dense at dst (xx_crop2d). */
export function copyOutOfFrame(v: Value, dst: number, n: number): void {
  const f = v.frame!, [c, h, w] = v.shape;
  parallel('xx_crop2d', [v.ptr, dst, h, w, 1, f.top, f.left, f.h, f.w], n * c, { minPerThread: 8 });
}

export function toU8Grid(q: ActivationQuant): U8Grid {
  return q.dtype === 'uint8' ? { scale: q.scale, zeroPoint: q.zeroPoint } : { scale: q.scale, zeroPoint: q.zeroPoint + 128 };
}

/**
 * Allocates a value's block for `capacity` samples, with slack for overrunning vector loads; a
 * frame (uint8 values only) is filled with the zero point, which no kernel overwrites.
 */
export function allocValue(id: number, shape: Chw, grid: U8Grid | null, capacity: number, frame: Frame | null = null): Value {
  const size = shape[0] * shape[1] * shape[2];
  const dtype = grid === null ? 'f32' : 'u8';
  if (frame !== null && grid === null) throw new Error('runtime: only uint8 values take a frame');
  const stride = dtype === 'f32' ? 4 * size : frame ? shape[0] * frame.h * frame.w : size;
  const ptr = wasm().heap.alloc(stride * capacity + SLACK_BYTES);
  // The slack is read, never used: zero it so a NaN pattern there can never reach a result. A
  // framed value's is the last row's right halo (frames.ts, frameOf): the zero point, as the halo.
  if (frame) wasm().heap.u8(ptr, stride * capacity + SLACK_BYTES).fill(grid!.zeroPoint);
  else wasm().heap.u8(ptr + stride * capacity, SLACK_BYTES).fill(0);
  return { id, shape, size, dtype, grid, ptr, stride, frame };
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
