/** Output sizes and paddings of convolution and pooling windows, shared by both. */
import { ShapeError } from '../errors.js';

/** A number pads every side alike; [h, w] pads each axis on both sides; [top, left, bottom, right] pads
 * each side on its own (ONNX pads, caffe's ceil-mode pools); 'same' pads so that out = ceil(in / stride)
 * (TF and ONNX SAME_UPPER: extra padding goes at the end); 'valid' is 0. */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number] | 'same' | 'valid';

export interface WindowGeometry {
  oh: number; ow: number;
  /** Top and left padding; bottom and right follow from oh and ow. */
  ph: number; pw: number;
  /** Bottom and right padding, for exporters. */
  phEnd: number; pwEnd: number;
}

function axis(size: number, k: number, stride: number, dilation: number, padding: Padding, index: 0 | 1): [number, number, number] {
  const span = (k - 1) * dilation + 1;
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + span - size);
    return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  const pad = padding === 'valid' ? 0 : typeof padding === 'number' ? padding : padding[index]!;
  const end = typeof padding === 'object' && padding.length === 4 ? padding[index + 2]! : pad;
  return [Math.floor((size + pad + end - span) / stride) + 1, pad, end];
}

export function windowGeometry(
  op: string, h: number, w: number, kh: number, kw: number,
  stride: readonly [number, number], dilation: readonly [number, number], padding: Padding,
): WindowGeometry {
  for (const [name, v] of [['kernel', kh], ['kernel', kw], ['stride', stride[0]], ['stride', stride[1]], ['dilation', dilation[0]], ['dilation', dilation[1]]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${op}: ${name} must be a positive integer, got ${v}`);
  }
  if (typeof padding === 'number' || Array.isArray(padding)) {
    const pads = typeof padding === 'number' ? [padding] : padding;
    if (pads.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`${op}: padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  }
  const [oh, ph, phEnd] = axis(h, kh, stride[0], dilation[0], padding, 0);
  const [ow, pw, pwEnd] = axis(w, kw, stride[1], dilation[1], padding, 1);
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`${op}: a ${kh}x${kw} window (dilation ${dilation.join('x')}) does not fit a ${h}x${w} input with padding ${JSON.stringify(padding)}`);
  }
  return { oh, ow, ph, pw, phEnd, pwEnd };
}

export function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}
