/** Max and average pooling over NCHW planes, and global average pooling. */
import { parallel } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { pair, windowGeometry, type Padding } from './conv-geometry.js';

export interface Pool2dOptions {
  kernel: number | readonly [number, number];
  /** Defaults to the kernel size. */
  stride?: number | readonly [number, number];
  padding?: Padding;
  dilation?: number | readonly [number, number];
  /** Average pooling only: divide by the whole window, padding included (ONNX count_include_pad). */
  countIncludePad?: boolean;
  name?: string;
}

function geometry(op: string, x: Tensor, opts: Pool2dOptions) {
  const where = `${op}${opts.name ? ` (${opts.name})` : ''}`;
  assertShape(x.rank === 4, () => `${where}: input must be NCHW (rank 4), got [${x.shape.join(', ')}]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(opts.kernel);
  const stride = pair(opts.stride ?? opts.kernel);
  const dilation = pair(opts.dilation ?? 1);
  const g = windowGeometry(where, h, w, kh, kw, stride, dilation, opts.padding ?? 0);
  return { n, c, h, w, kh, kw, stride, dilation, ...g };
}

/** @example const y = maxPool2d(x, { kernel: 2 }); */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = geometry('maxPool2d', x, opts);
  const planes = g.n * g.c;
  const y = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  // Argmax indices are int32; a float tensor of the same size holds their bytes.
  const argmax = Tensor.empty([planes * g.oh * g.ow]);
  parallel('f32_maxpool2d_fwd', [x.ptr, y.ptr, argmax.ptr, planes, g.h, g.w, g.kh, g.kw, g.stride[0], g.stride[1], g.ph, g.pw, g.dilation[0], g.dilation[1], g.oh, g.ow], planes, { minPerThread: 16 });
  return record(y, 'MaxPool2d', [x], (dy) => {
    const dx = Tensor.empty(x.shape);
    parallel('f32_maxpool2d_bwd', [dy.ptr, argmax.ptr, dx.ptr, planes, g.h, g.w, g.oh, g.ow], planes, { minPerThread: 16 });
    return [dx];
  });
}

// The geometry arguments f32_avgpool2d_fwd and _bwd take after their two pointers.
type AvgPoolDims = [planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
  ph: number, pw: number, oh: number, ow: number, countIncludePad: number];

/** @example const y = avgPool2d(x, { kernel: 2 }); */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = geometry('avgPool2d', x, opts);
  assertShape(g.dilation[0] === 1 && g.dilation[1] === 1, () => `avgPool2d: dilation is not supported, got ${g.dilation.join('x')}`);
  const planes = g.n * g.c;
  const y = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  const dims: AvgPoolDims = [planes, g.h, g.w, g.kh, g.kw, g.stride[0], g.stride[1], g.ph, g.pw, g.oh, g.ow, opts.countIncludePad ? 1 : 0];
  parallel('f32_avgpool2d_fwd', [x.ptr, y.ptr, ...dims], planes, { minPerThread: 16 });
  return record(y, 'AvgPool2d', [x], (dy) => {
    const dx = Tensor.empty(x.shape);
    parallel('f32_avgpool2d_bwd', [dy.ptr, dx.ptr, ...dims], planes, { minPerThread: 16 });
    return [dx];
  });
}

/** Mean over each plane: [n, c, h, w] -> [n, c, 1, 1]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  assertShape(x.rank === 4, () => `globalAvgPool2d: input must be NCHW (rank 4), got [${x.shape.join(', ')}]`);
  return avgPool2d(x, { kernel: [x.shape[2]!, x.shape[3]!] });
}
