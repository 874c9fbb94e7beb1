/**
 * 2-D convolution over NCHW input, with stride, padding, dilation and groups. Grouped
 * and dense convs run as im2col + GEMM per image; depthwise convs (one input channel per
 * group) use the direct depthwise kernels, where im2col would only add copies.
 */
import { call, parallel } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { pair, windowGeometry, type Padding } from './conv-geometry.js';

// The geometry arguments the im2col conv kernels and the depthwise kernels take, in order.
type ConvDims = [n: number, c: number, h: number, w: number, oc: number, oh: number, ow: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number];
type DepthwiseDims = [n: number, c: number, h: number, w: number, mult: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number];

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: Padding;
  dilation?: number | readonly [number, number];
  groups?: number;
  /** Names the layer in error messages. */
  name?: string;
}

/**
 * y = conv2d(x, w) + b, x: [n, c, h, w], w: [oc, c / groups, kh, kw], b: [oc] or null.
 * @example const y = conv2d(x, w, b, { stride: 2, padding: 'same' });
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const where = `conv2d${opts.name ? ` (${opts.name})` : ''}`;
  assertShape(x.rank === 4, () => `${where}: input must be NCHW (rank 4), got [${x.shape.join(', ')}]`);
  assertShape(w.rank === 4, () => `${where}: weight must be [oc, c/groups, kh, kw], got [${w.shape.join(', ')}]`);
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [oc, cg, kh, kw] = w.shape as [number, number, number, number];
  const groups = opts.groups ?? 1;
  assertShape(Number.isInteger(groups) && groups >= 1 && c % groups === 0 && oc % groups === 0, () =>
    `${where}: groups ${groups} must divide input channels ${c} and output channels ${oc}`);
  assertShape(cg * groups === c, () => `${where}: input has ${c} channels, weight expects ${cg * groups} (${cg} per group x ${groups} groups)`);
  assertShape(b === null || b.size === oc, () => `${where}: bias has ${b!.size} values, weight has ${oc} output channels`);
  const stride = pair(opts.stride ?? 1), dilation = pair(opts.dilation ?? 1);
  const g = windowGeometry(where, h, wd, kh, kw, stride, dilation, opts.padding ?? 0);
  const y = Tensor.empty([n, oc, g.oh, g.ow]);
  const dims: ConvDims = [n, c, h, wd, oc, g.oh, g.ow, kh, kw, stride[0], stride[1], g.ph, g.pw, dilation[0], dilation[1]];
  // A single-channel input (groups 1, c 1) also has cg 1, but im2col + GEMM serves it far better.
  const depthwise = cg === 1 && groups === c && groups > 1;
  if (depthwise) {
    const dwDims: DepthwiseDims = [n, c, h, wd, oc / c, kh, kw, stride[0], stride[1], g.ph, g.pw, dilation[0], dilation[1], g.oh, g.ow];
    parallel('f32_dwconv2d_fwd', [x.ptr, w.ptr, b?.ptr ?? 0, y.ptr, ...dwDims], n * c, { minPerThread: 4 });
    const inputs = b === null ? [x, w] : [x, w, b];
    return record(y, 'DepthwiseConv2d', inputs, (dy) => {
      const dx = x.requiresGrad ? Tensor.empty(x.shape) : null;
      if (dx) parallel('f32_dwconv2d_bwd_data', [dy.ptr, w.ptr, dx.ptr, ...dwDims], n * c, { minPerThread: 4 });
      const dw = w.requiresGrad ? Tensor.empty(w.shape) : null;
      const db = b !== null && b.requiresGrad ? Tensor.empty(b.shape) : null;
      if (dw || db) {
        const dwTmp = dw ?? Tensor.empty(w.shape);
        parallel('f32_dwconv2d_bwd_filter', [x.ptr, dy.ptr, dwTmp.ptr, db?.ptr ?? 0, ...dwDims], c, { minPerThread: 1 });
        if (!dw) dwTmp.dispose();
      }
      return [dx, dw, db];
    });
  }
  const fwdScratch = call('f32_conv2d_scratch_bytes', c, oc, g.oh, g.ow, kh, kw, groups, 0);
  parallel('f32_conv2d_fwd', [x.ptr, w.ptr, b?.ptr ?? 0, y.ptr, ...dims, groups], n, { scratchBytes: fwdScratch });
  const inputs = b === null ? [x, w] : [x, w, b];
  return record(y, 'Conv2d', inputs, (dy) => {
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = Tensor.empty(x.shape);
      parallel('f32_conv2d_bwd_data', [dy.ptr, w.ptr, dx.ptr, ...dims, groups], n, { scratchBytes: fwdScratch });
    }
    const wantBias = b !== null && b.requiresGrad;
    if (!w.requiresGrad && !wantBias) return [dx, null, null];
    return [dx, ...filterGrad(x, dy, dims, groups, oc, cg * kh * kw, wantBias)];
  });
}

// Images per dW partial. The batch is summed in fixed runs of this many images, whatever
// the thread count, and the partials are added in order, so training repeats bit for bit
// across thread counts. Threads split the batch at run boundaries, so a batch of n keeps at
// most ceil(n / 4) threads busy in this kernel.
const IMAGES_PER_PARTIAL = 4;

/** dW and dB: the kernel sums each run of images into its own partial; we add them up in order. */
function filterGrad(x: Tensor, dy: Tensor, dims: ConvDims, groups: number, oc: number, kg: number, wantBias: boolean): [Tensor, Tensor | null] {
  const [n, c, , , , oh, ow, kh, kw] = dims;
  const scratchBytes = call('f32_conv2d_scratch_bytes', c, oc, oh, ow, kh, kw, groups, 0);
  const partialFloats = oc * kg + oc;
  const runs = Math.ceil(n / IMAGES_PER_PARTIAL);
  const partials = Tensor.empty([runs * partialFloats]);
  parallel('f32_conv2d_bwd_filter', [x.ptr, dy.ptr, wantBias ? 1 : 0, partials.ptr, IMAGES_PER_PARTIAL, ...dims, groups], n,
    { grain: IMAGES_PER_PARTIAL, scratchBytes });
  const dw = Tensor.zeros([oc, c / groups, kh, kw]);
  const db = wantBias ? Tensor.zeros([oc]) : null;
  const dwv = dw.view(), dbv = db?.view(), all = partials.view();
  for (let r = 0; r < runs; r++) {
    const base = r * partialFloats;
    for (let i = 0; i < oc * kg; i++) dwv[i]! += all[base + i]!;
    if (dbv) for (let i = 0; i < oc; i++) dbv[i]! += all[base + oc * kg + i]!;
  }
  partials.dispose();
  return [dw, db];
}
