/**
 * Float32 convolution and linear kernels of the runtime, dense and sparse. Dense weights are
 * packed into GEMM panels once, at build; sparse weights become CSR rows whose offsets address
 * the activation layout each variant reads (see csr.ts), so one SpMM kernel runs them all:
 * - sparse direct: stride-1 convs over the (zero-padded) image itself, no im2col;
 * - sparse im2col: any stride, through a column matrix per image;
 * - sparse linear: a batch transposed to features-major, so SIMD lanes run over samples.
 */
import { call, parallel } from '../../kernels/index.js';
import { denseWeight, type ConvNode, type LinearNode } from '../graph.js';
import { clampPass } from './pointwise-f32.js';
import { buildCsr, type Csr } from './csr.js';
import { registerKernel, type Step, type StepContext } from './registry.js';
import { Scratch } from '../plan/values.js';

const f32Only = (ctx: StepContext) => ctx.inputs[0]!.dtype === 'f32' && ctx.output.dtype === 'f32';
const convOf = (ctx: StepContext) => ctx.plan.node as ConvNode;

/** Geometry of a conv step from its input and output values. */
function convDims(ctx: StepContext) {
  const node = convOf(ctx);
  const [c, h, w] = ctx.inputs[0]!.shape, [oc, oh, ow] = ctx.output.shape;
  const [kh, kw] = node.kernel, [sh, sw] = node.stride, [dh, dw] = node.dilation, [pt, pl, pb, pr] = node.pads;
  return { node, c, h, w, oc, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups: node.groups };
}

function csrSlots(csr: Csr, scratch: Scratch) {
  return { rowPtr: scratch.put(csr.rowPtr), offsets: scratch.put(csr.offsets), values: scratch.put(csr.values) };
}

function biasPtr(bias: Float32Array | null, scratch: Scratch): number {
  return bias ? scratch.put(bias) : 0;
}

registerKernel({
  op: 'Conv2d', name: 'f32 dense gemm (f32_conv2d_prepacked)', dtype: 'f32', weights: 'dense',
  applies: (ctx) => f32Only(ctx) && convOf(ctx).groups === 1,
  build(ctx): Step {
    const d = convDims(ctx);
    const k = d.c * d.kh * d.kw;
    const scratch = new Scratch();
    const w = scratch.put(denseWeight(d.node.weight));
    const packed = scratch.alloc(call('f32_gemm_prepack_a_bytes', d.oc, k));
    call('f32_gemm_prepack_a', d.oc, k, w, k, packed);
    const bias = biasPtr(d.node.bias, scratch);
    const scratchBytes = call('f32_conv2d_prepacked_scratch_bytes', d.c, d.oc, d.oh, d.ow, d.kh, d.kw);
    const { min, max } = ctx.plan.clamp;
    const x = ctx.inputs[0]!, y = ctx.output;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => parallel('f32_conv2d_prepacked', [x.ptr, packed, bias, min, max, y.ptr, n, d.c, d.h, d.w, d.oc, d.oh, d.ow, d.kh, d.kw, d.sh, d.sw, d.pt, d.pl, d.dh, d.dw], n, { scratchBytes }),
    };
  },
});

registerKernel({
  op: 'Conv2d', name: 'f32 depthwise direct (f32_dwconv2d_fwd)', dtype: 'f32', weights: 'dense',
  applies: (ctx) => f32Only(ctx) && convOf(ctx).groups === ctx.inputs[0]!.shape[0] && convOf(ctx).groups > 1,
  build(ctx): Step {
    const d = convDims(ctx);
    const scratch = new Scratch();
    const w = scratch.put(denseWeight(d.node.weight));
    const bias = biasPtr(d.node.bias, scratch);
    const x = ctx.inputs[0]!, y = ctx.output;
    const clamp = clampPass(ctx);
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => {
        parallel('f32_dwconv2d_fwd', [x.ptr, w, bias, y.ptr, n, d.c, d.h, d.w, d.oc / d.c, d.kh, d.kw, d.sh, d.sw, d.pt, d.pl, d.dh, d.dw, d.oh, d.ow], n * d.c, { minPerThread: 4 });
        clamp(n);
      },
    };
  },
});

registerKernel({
  op: 'Conv2d', name: 'f32 grouped gemm (f32_conv2d_fwd)', dtype: 'f32', weights: 'dense',
  applies: (ctx) => f32Only(ctx) && convOf(ctx).groups > 1 && convOf(ctx).groups !== ctx.inputs[0]!.shape[0],
  build(ctx): Step {
    const d = convDims(ctx);
    const scratch = new Scratch();
    const w = scratch.put(denseWeight(d.node.weight));
    const bias = biasPtr(d.node.bias, scratch);
    const scratchBytes = call('f32_conv2d_scratch_bytes', d.c, d.oc, d.oh, d.ow, d.kh, d.kw, d.groups, 0);
    const x = ctx.inputs[0]!, y = ctx.output;
    const clamp = clampPass(ctx);
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => {
        parallel('f32_conv2d_fwd', [x.ptr, w, bias, y.ptr, n, d.c, d.h, d.w, d.oc, d.oh, d.ow, d.kh, d.kw, d.sh, d.sw, d.pt, d.pl, d.dh, d.dw, d.groups], n, { scratchBytes });
        clamp(n);
      },
    };
  },
});

registerKernel({
  op: 'Conv2d', name: 'f32 sparse direct (f32_spmm_32x1)', dtype: 'f32', weights: 'sparse',
  applies: (ctx) => f32Only(ctx) && convOf(ctx).stride[0] === 1 && convOf(ctx).stride[1] === 1,
  build(ctx): Step {
    const d = convDims(ctx);
    const padded = d.pt + d.pl + d.pb + d.pr > 0;
    const hp = d.h + d.pt + d.pb, wp = d.w + d.pl + d.pr;
    const cg = d.c / d.groups, ocg = d.oc / d.groups, taps = d.kh * d.kw;
    const csr = buildCsr(d.node.weight, (row, inner) => {
      const ic = Math.floor(row / ocg) * cg + Math.floor(inner / taps);
      const t = inner % taps;
      return (ic * hp + Math.floor(t / d.kw) * d.dh) * wp + (t % d.kw) * d.dw;
    });
    const scratch = new Scratch();
    const s = csrSlots(csr, scratch);
    const bias = biasPtr(d.node.bias, scratch);
    const x = ctx.inputs[0]!, y = ctx.output;
    const src = padded ? scratch.alloc(4 * ctx.capacity * d.c * hp * wp) : x.ptr;
    const { min, max } = ctx.plan.clamp;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => {
        if (padded) parallel('xx_pad2d', [x.ptr, src, d.h, d.w, 4, d.pt, d.pl, d.pb, d.pr, 0], n * d.c, { minPerThread: 8 });
        parallel('f32_spmm_32x1', [d.oc, d.oh, d.ow, wp, s.rowPtr, s.offsets, s.values, bias, min, max, src, d.c * hp * wp, y.ptr, d.oh * d.ow, y.size], n * d.oc, { minPerThread: 2 });
      },
    };
  },
});

registerKernel({
  op: 'Conv2d', name: 'f32 sparse im2col (f32_spmm_32x1)', dtype: 'f32', weights: 'sparse',
  applies: (ctx) => f32Only(ctx) && convOf(ctx).groups === 1 && !(convOf(ctx).stride[0] === 1 && convOf(ctx).stride[1] === 1),
  build(ctx): Step {
    const d = convDims(ctx);
    const k = d.c * d.kh * d.kw, cols = d.oh * d.ow;
    const csr = buildCsr(d.node.weight, (_row, inner) => inner * cols);
    const scratch = new Scratch();
    const s = csrSlots(csr, scratch);
    const bias = biasPtr(d.node.bias, scratch);
    const col = scratch.alloc(4 * ctx.capacity * k * cols);
    const x = ctx.inputs[0]!, y = ctx.output;
    const { min, max } = ctx.plan.clamp;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => {
        parallel('f32_im2col_batch', [x.ptr, x.size, d.c, d.h, d.w, d.kh, d.kw, d.sh, d.sw, d.pt, d.pl, d.dh, d.dw, d.oh, d.ow, col, k * cols], n);
        parallel('f32_spmm_32x1', [d.oc, 1, cols, cols, s.rowPtr, s.offsets, s.values, bias, min, max, col, k * cols, y.ptr, cols, y.size], n * d.oc, { minPerThread: 2 });
      },
    };
  },
});

const linearOf = (ctx: StepContext) => ctx.plan.node as LinearNode;

registerKernel({
  op: 'Linear', name: 'f32 dense gemm (f32_linear_prepacked)', dtype: 'f32', weights: 'dense',
  applies: f32Only,
  build(ctx): Step {
    const node = linearOf(ctx);
    const out = node.outFeatures, inF = ctx.inputs[0]!.size;
    const scratch = new Scratch();
    const w = scratch.put(denseWeight(node.weight));
    const packed = scratch.alloc(call('f32_gemm_prepack_a_bytes', out, inF));
    call('f32_gemm_prepack_a', out, inF, w, inF, packed);
    const bias = biasPtr(node.bias, scratch);
    const units = call('f32_linear_prepacked_units', out);
    const scratchBytes = call('f32_linear_prepacked_scratch_bytes', ctx.capacity, inF, out);
    const { min, max } = ctx.plan.clamp;
    const x = ctx.inputs[0]!, y = ctx.output;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => parallel('f32_linear_prepacked', [x.ptr, packed, bias, min, max, y.ptr, n, inF, out], units, { scratchBytes }),
    };
  },
});

registerKernel({
  op: 'Linear', name: 'f32 sparse (f32_spmm_32x1)', dtype: 'f32', weights: 'sparse',
  applies: f32Only,
  build(ctx): Step {
    const node = linearOf(ctx);
    const out = node.outFeatures, inF = ctx.inputs[0]!.size, cap = ctx.capacity;
    const csr = buildCsr(node.weight, (_row, inner) => inner * cap);
    const scratch = new Scratch();
    const s = csrSlots(csr, scratch);
    const bias = biasPtr(node.bias, scratch);
    const xT = scratch.alloc(4 * inF * cap), yT = scratch.alloc(4 * out * cap);
    const { min, max } = ctx.plan.clamp;
    const x = ctx.inputs[0]!, y = ctx.output;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => {
        parallel('x32_transpose', [x.ptr, inF, xT, cap, inF], n, { grain: 4, minPerThread: 8 });
        parallel('f32_spmm_32x1', [out, 1, n, 0, s.rowPtr, s.offsets, s.values, bias, min, max, xT, 0, yT, cap, 0], out, { minPerThread: 4 });
        parallel('x32_transpose', [yT, cap, y.ptr, out, n], out, { grain: 4, minPerThread: 16 });
      },
    };
  },
});
