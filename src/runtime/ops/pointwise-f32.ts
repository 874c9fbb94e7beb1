/**
 * Float32 kernels for the ops that carry no weights to compress: activations, inference batch
 * norm, pooling, residual adds and channel concatenation. Each reuses the training kernels,
 * which already run over [start, end) ranges of planes or elements.
 */
import { UnaryOp, BinaryOp, parallel, writeDescriptor } from '../../kernels/index.js';
import type { ActivationNode, BatchNormNode, PoolNode } from '../graph.js';
import { Scratch } from '../plan/values.js';
import { registerKernel, type Step, type StepContext } from './registry.js';

const UNARY_CLAMP = { ReLU: UnaryOp.Relu, ReLU6: UnaryOp.Relu6 } as const;

/** Applies a fused clamp as its own pass, for kernels without an epilogue. */
export function clampPass(ctx: StepContext): (n: number) => void {
  const { clamp } = ctx.plan;
  if (clamp.name === null) return () => {};
  const op = UNARY_CLAMP[clamp.name as keyof typeof UNARY_CLAMP];
  const y = ctx.output;
  return (n) => parallel('f32_unary', [op, y.ptr, y.ptr, 0], n * y.size, { grain: 16, minPerThread: 1 << 14 });
}
const UNARY_OF = {
  ReLU: UnaryOp.Relu, ReLU6: UnaryOp.Relu6, LeakyReLU: UnaryOp.LeakyRelu, Sigmoid: UnaryOp.Sigmoid, Tanh: UnaryOp.Tanh, HardSwish: UnaryOp.HardSwish,
} as const;

const f32Only = (ctx: StepContext) => ctx.inputs.every((v) => v.dtype === 'f32') && ctx.output.dtype === 'f32';
const noWeights = (_ctx: StepContext, run: (n: number) => void, scratch?: Scratch): Step => ({ kernel: '', run, bytes: scratch?.bytes ?? 0, dispose: () => scratch?.dispose() });

registerKernel({
  op: 'Activation', name: 'f32 (f32_unary)', dtype: 'f32', weights: 'none', applies: f32Only,
  build(ctx) {
    const node = ctx.plan.node as ActivationNode;
    const x = ctx.inputs[0]!, y = ctx.output;
    return { ...noWeights(ctx, (n) => parallel('f32_unary', [UNARY_OF[node.kind], x.ptr, y.ptr, node.alpha], n * x.size, { grain: 16, minPerThread: 1 << 14 })), kernel: this.name };
  },
});

registerKernel({
  op: 'BatchNorm2d', name: 'f32 affine (f32_channel_affine)', dtype: 'f32', weights: 'none', applies: f32Only,
  build(ctx) {
    const node = ctx.plan.node as BatchNormNode;
    const scratch = new Scratch();
    const scale = scratch.put(node.scale), shift = scratch.put(node.shift);
    const x = ctx.inputs[0]!, y = ctx.output;
    const [c, h, w] = x.shape;
    return { ...noWeights(ctx, (n) => parallel('f32_channel_affine', [x.ptr, scale, shift, y.ptr, n, c, h * w], n * c, { minPerThread: 4 }), scratch), kernel: this.name };
  },
});

function poolDims(ctx: StepContext, node: Pick<PoolNode, 'kernel' | 'stride' | 'pads'>) {
  const [c, h, w] = ctx.inputs[0]!.shape, [, oh, ow] = ctx.output.shape;
  return { c, h, w, oh, ow, kh: node.kernel[0], kw: node.kernel[1], sh: node.stride[0], sw: node.stride[1], pt: node.pads[0], pl: node.pads[1] };
}

registerKernel({
  op: 'MaxPool2d', name: 'f32 (f32_maxpool2d_fwd)', dtype: 'f32', weights: 'none', applies: f32Only,
  build(ctx) {
    const d = poolDims(ctx, ctx.plan.node as PoolNode);
    const scratch = new Scratch();
    // The training kernel also writes each window's argmax; the runtime discards it.
    const argmax = scratch.alloc(4 * ctx.capacity * ctx.output.size);
    const x = ctx.inputs[0]!, y = ctx.output;
    return {
      ...noWeights(ctx, (n) => parallel('f32_maxpool2d_fwd', [x.ptr, y.ptr, argmax, n * d.c, d.h, d.w, d.kh, d.kw, d.sh, d.sw, d.pt, d.pl, 1, 1, d.oh, d.ow], n * d.c, { minPerThread: 16 }), scratch),
      kernel: this.name,
    };
  },
});

function avgPoolStep(ctx: StepContext, node: Pick<PoolNode, 'kernel' | 'stride' | 'pads' | 'countIncludePad'>): (n: number) => void {
  const d = poolDims(ctx, node);
  const x = ctx.inputs[0]!, y = ctx.output;
  return (n) => parallel('f32_avgpool2d_fwd', [x.ptr, y.ptr, n * d.c, d.h, d.w, d.kh, d.kw, d.sh, d.sw, d.pt, d.pl, d.oh, d.ow, node.countIncludePad ? 1 : 0], n * d.c, { minPerThread: 16 });
}

registerKernel({
  op: 'AvgPool2d', name: 'f32 (f32_avgpool2d_fwd)', dtype: 'f32', weights: 'none', applies: f32Only,
  build(ctx) {
    return { ...noWeights(ctx, avgPoolStep(ctx, ctx.plan.node as PoolNode)), kernel: this.name };
  },
});

registerKernel({
  op: 'GlobalAvgPool', name: 'f32 (f32_avgpool2d_fwd)', dtype: 'f32', weights: 'none', applies: f32Only,
  build(ctx) {
    const [, h, w] = ctx.inputs[0]!.shape;
    return { ...noWeights(ctx, avgPoolStep(ctx, { kernel: [h, w], stride: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false })), kernel: this.name };
  },
});

registerKernel({
  op: 'Add', name: 'f32 (f32_binary)', dtype: 'f32', weights: 'none', applies: f32Only,
  build(ctx) {
    const [first, ...rest] = ctx.inputs;
    const y = ctx.output;
    const clamp = clampPass(ctx);
    return {
      ...noWeights(ctx, (n) => {
        const total = n * y.size;
        // Same shapes: one dimension, unit strides on both sides.
        const desc = writeDescriptor([1, total, 1, 1]);
        let acc = first!.ptr;
        for (const v of rest) {
          parallel('f32_binary', [BinaryOp.Add, acc, v.ptr, y.ptr, desc], total, { grain: 16, minPerThread: 1 << 15 });
          acc = y.ptr;
        }
        clamp(n);
      }),
      kernel: this.name,
    };
  },
});

registerKernel({
  op: 'Concat', name: 'f32 (f32_copy_rows)', dtype: 'f32', weights: 'none', applies: f32Only,
  build(ctx) {
    const y = ctx.output;
    return {
      ...noWeights(ctx, (n) => {
        let offset = 0;
        for (const v of ctx.inputs) {
          parallel('f32_copy_rows', [v.ptr, v.size, y.ptr + 4 * offset, y.size, v.size], n, { minPerThread: 4 });
          offset += v.size;
        }
      }),
      kernel: this.name,
    };
  },
});
