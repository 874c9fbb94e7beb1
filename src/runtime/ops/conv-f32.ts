/**
 * Float32 convolution and linear kernels of the runtime, dense and sparse. Dense weights are
 * packed into GEMM panels once, at build; sparse weights become CSR rows whose offsets address
 * the activation layout each variant reads (see csr.ts), so one SpMM kernel runs them all:
 * - sparse direct: stride-1 convs over the (zero-padded) image itself, no im2col;
 * - sparse im2col: any stride, through a column matrix per image;
 * - sparse linear: a batch transposed to features-major, so SIMD lanes run over samples.
 */
import { call, parallel } from '../../kernels/index.js';
import { denseWeight, hasInt8Codes, weightDensity, windowOut, type ConvNode, type LinearNode, type WeightTensor } from '../graph.js';
import { clampPass } from './pointwise-f32.js';
import { buildCsr, directConvCsr, poolCommutes, type Csr } from './csr.js';
import { registerKernel, type Step, type StepContext } from './registry.js';
import { Scratch } from '../plan/values.js';

const f32Only = (ctx: StepContext) => ctx.inputs[0]!.dtype === 'f32' && ctx.output.dtype === 'f32';
const convOf = (ctx: StepContext) => ctx.plan.node as ConvNode;
const linearOf = (ctx: StepContext) => ctx.plan.node as LinearNode;

/** Geometry of a conv step from its input value and attributes (oh x ow: the conv's own output, before a fused pool). */
function convDims(ctx: StepContext) {
  const node = convOf(ctx);
  const [c, h, w] = ctx.inputs[0]!.shape, oc = node.outChannels;
  const [kh, kw] = node.kernel, [sh, sw] = node.stride, [dh, dw] = node.dilation, [pt, pl, pb, pr] = node.pads;
  const oh = windowOut(h, kh, sh, dh, pt, pb), ow = windowOut(w, kw, sw, dw, pl, pr);
  return { node, c, h, w, oc, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups: node.groups };
}

/**
 * How a sparse layer's non-zeros are held: float32 values, or (weights stored as codes of at most
 * 8 bits) int8 codes with one scale per row, so a low-bit model is never widened to float32.
 */
type SparseValues = 'f32' | 'qc8w';
const SPMM_KERNEL = { f32: 'f32_spmm_32x1', qc8w: 'f32_qc8w_spmm_32x1' } as const;

/** Int8-codable weights (symmetric, at most 8 bits) keep their codes; others are float. */
function valuesOf(w: WeightTensor): SparseValues {
  return hasInt8Codes(w) ? 'qc8w' : 'f32';
}

type SpmmShape = [rows: number, outRows: number, outCols: number, inRowStride: number];
type SpmmData = [biasPtr: number, minV: number, maxV: number, xPtr: number, xBatchStride: number, yPtr: number, ldy: number, yBatchStride: number];

/**
 * Puts a CSR in the heap once; returns the call that runs the SpMM kernel its values need, or
 * with pool2x2 its variant that max-pools the direct conv 2x2 (shape stays the conv's).
 */
function spmmLauncher(csr: Csr, w: WeightTensor, scratch: Scratch, pool2x2 = false): (shape: SpmmShape, data: SpmmData, units: number, minPerThread: number) => void {
  const rowPtr = scratch.put(csr.rowPtr), offsets = scratch.put(csr.offsets);
  if (valuesOf(w) === 'qc8w') {
    const codes = scratch.put(csr.codes!);
    const q = w.quant!;
    const scales = scratch.put(Float32Array.from({ length: csr.rows }, (_, r) => q.scales[q.scales.length === 1 ? 0 : r]!));
    const kernel = pool2x2 ? 'f32_qc8w_spmm_32x1_maxpool2x2' : 'f32_qc8w_spmm_32x1';
    return (shape, data, units, minPerThread) => parallel(kernel, [...shape, rowPtr, offsets, codes, scales, ...data], units, { minPerThread });
  }
  const values = scratch.put(csr.values);
  const kernel = pool2x2 ? 'f32_spmm_32x1_maxpool2x2' : 'f32_spmm_32x1';
  return (shape, data, units, minPerThread) => parallel(kernel, [...shape, rowPtr, offsets, values, ...data], units, { minPerThread });
}

/**
 * A pruned weight stored as codes of at most 8 bits stays off the dense float32 kernels: those
 * would widen every code to a float32 panel, and at half or more zeros the sparse kernel is the
 * faster one anyway (the cost model that stands in for timing them).
 */
function staysCoded(w: WeightTensor): boolean {
  if (valuesOf(w) !== 'qc8w') return false;
  const { nonzero, size } = weightDensity(w);
  return nonzero <= size / 2;
}

/** Registers one sparse entry per value format: the same layout, a different kernel (its pooling variant with pool2x2). */
function registerSparse(op: 'Conv2d' | 'Linear', layout: string, applies: (ctx: StepContext) => boolean, build: (ctx: StepContext, name: string) => Step, pool2x2 = false): void {
  for (const values of ['f32', 'qc8w'] as const) {
    const name = `f32 sparse ${layout}(${SPMM_KERNEL[values]}${pool2x2 ? '_maxpool2x2' : ''})`;
    const weightOf = (ctx: StepContext) => (ctx.plan.node as ConvNode | LinearNode).weight;
    registerKernel({ op, name, dtype: 'f32', weights: 'sparse', pool2x2, applies: (ctx) => applies(ctx) && valuesOf(weightOf(ctx)) === values, build: (ctx) => build(ctx, name) });
  }
}

function biasPtr(bias: Float32Array | null, scratch: Scratch): number {
  return bias ? scratch.put(bias) : 0;
}

registerKernel({
  op: 'Conv2d', name: 'f32 dense gemm (f32_conv2d_prepacked)', dtype: 'f32', weights: 'dense',
  applies: (ctx) => f32Only(ctx) && convOf(ctx).groups === 1 && !staysCoded(convOf(ctx).weight),
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

/**
 * The direct sparse conv: stride 1, over the (padded) image itself. With pool2x2 the kernel also
 * takes the node's fused 2x2 max pool, writing only the pooled output.
 */
function directStep(ctx: StepContext, name: string, pool2x2: boolean): Step {
  const d = convDims(ctx);
  const { csr, hp, wp, padded } = directConvCsr(d.node, ctx.inputs[0]!.shape);
  const scratch = new Scratch();
  const spmm = spmmLauncher(csr, d.node.weight, scratch, pool2x2);
  const bias = biasPtr(d.node.bias, scratch);
  const x = ctx.inputs[0]!, y = ctx.output;
  const src = padded ? scratch.alloc(4 * ctx.capacity * d.c * hp * wp) : x.ptr;
  const { min, max } = ctx.plan.clamp;
  const ldy = y.size / d.oc;
  return {
    kernel: name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
    run: (n) => {
      if (padded) parallel('xx_pad2d', [x.ptr, src, d.h, d.w, 4, d.pt, d.pl, d.pb, d.pr, 0], n * d.c, { minPerThread: 8 });
      spmm([d.oc, d.oh, d.ow, wp], [bias, min, max, src, d.c * hp * wp, y.ptr, ldy, y.size], n * d.oc, 2);
    },
  };
}

const stride1 = (ctx: StepContext) => convOf(ctx).stride[0] === 1 && convOf(ctx).stride[1] === 1;
registerSparse('Conv2d', 'direct ', (ctx) => f32Only(ctx) && stride1(ctx), (ctx, name) => directStep(ctx, name, false));
registerSparse('Conv2d', 'direct+maxpool2x2 ', (ctx) => f32Only(ctx) && stride1(ctx) && poolCommutes(convOf(ctx).weight), (ctx, name) => directStep(ctx, name, true), true);

registerSparse('Conv2d', 'im2col ', (ctx) => f32Only(ctx) && convOf(ctx).groups === 1 && !stride1(ctx), (ctx, name) => {
  const d = convDims(ctx);
  const k = d.c * d.kh * d.kw, cols = d.oh * d.ow;
  const csr = buildCsr(d.node.weight, (_row, inner) => inner * cols);
  const scratch = new Scratch();
  const spmm = spmmLauncher(csr, d.node.weight, scratch);
  const bias = biasPtr(d.node.bias, scratch);
  const col = scratch.alloc(4 * ctx.capacity * k * cols);
  const x = ctx.inputs[0]!, y = ctx.output;
  const { min, max } = ctx.plan.clamp;
  return {
    kernel: name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
    run: (n) => {
      parallel('f32_im2col_batch', [x.ptr, x.size, d.c, d.h, d.w, d.kh, d.kw, d.sh, d.sw, d.pt, d.pl, d.dh, d.dw, d.oh, d.ow, col, k * cols], n);
      spmm([d.oc, 1, cols, cols], [bias, min, max, col, k * cols, y.ptr, cols, y.size], n * d.oc, 2);
    },
  };
});

registerKernel({
  op: 'Linear', name: 'f32 dense gemm (f32_linear_prepacked)', dtype: 'f32', weights: 'dense',
  applies: (ctx) => f32Only(ctx) && !staysCoded(linearOf(ctx).weight),
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

registerSparse('Linear', '', f32Only, (ctx, name) => {
  const node = linearOf(ctx);
  const out = node.outFeatures, inF = ctx.inputs[0]!.size, cap = ctx.capacity;
  const csr = buildCsr(node.weight, (_row, inner) => inner * cap);
  const scratch = new Scratch();
  const spmm = spmmLauncher(csr, node.weight, scratch);
  const bias = biasPtr(node.bias, scratch);
  const xT = scratch.alloc(4 * inF * cap), yT = scratch.alloc(4 * out * cap);
  const { min, max } = ctx.plan.clamp;
  const x = ctx.inputs[0]!, y = ctx.output;
  return {
    kernel: name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
    run: (n) => {
      parallel('x32_transpose', [x.ptr, inF, xT, cap, inF], n, { grain: 4, minPerThread: 8 });
      spmm([out, 1, n, 0], [bias, min, max, xT, 0, yT, cap, 0], out, 4);
      parallel('x32_transpose', [yT, cap, y.ptr, out, n], out, { grain: 4, minPerThread: 16 });
    },
  };
});
