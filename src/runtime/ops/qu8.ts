/**
 * The 8-bit kernels of the runtime: uint8 activations on the grids training fixed, int8 weight
 * codes (symmetric, per output channel), int32 accumulation, and one epilogue that either
 * requantizes to the next uint8 grid or dequantizes to float32 (assembly/qu8-misc). A layer is
 * int8 only where its model was trained with activation quantization; its quantization points
 * are the planner's uint8 values, and these kernels map grid to grid with the arithmetic
 * the simulation used (up to where float32 rounding breaks a tie: one step at most).
 */
import { call, parallel, type ParallelKernelParams } from '../../kernels/index.js';
import { hasInt8Codes, type ConvNode, type LinearNode, type PoolNode, type WeightTensor } from '../graph.js';
import { planesOf, Scratch, toU8Grid, type Value } from '../plan/values.js';
import { buildCsr, directConvCsr, poolCommutes, type Csr } from './csr.js';
import { registerKernel, type Step, type StepContext } from './registry.js';
import { haloIs, sameFrame, type FrameUse } from '../plan/frames.js';

/** Per-row multiplier and offset, and the clamp, of the qu8 epilogue for a layer's output. */
function epilogue(ctx: StepContext, weightScales: Float32Array, bias: Float32Array | null, rows: number) {
  const x = ctx.inputs[0]!.grid!, y = ctx.output;
  const ws = (r: number) => weightScales[weightScales.length === 1 ? 0 : r]!;
  const multiplier = new Float32Array(rows), offset = new Float32Array(rows);
  const { clamp } = ctx.plan;
  if (y.dtype === 'u8') {
    const g = y.grid!;
    for (let r = 0; r < rows; r++) {
      multiplier[r] = (x.scale * ws(r)) / g.scale;
      offset[r] = (bias?.[r] ?? 0) / g.scale + g.zeroPoint;
    }
    const lo = clamp.name === null ? 0 : Math.max(0, g.zeroPoint);
    const hi = clamp.name === 'ReLU6' ? Math.min(255, g.zeroPoint + Math.round(6 / g.scale)) : 255;
    return { multiplier, offset, outKind: 0, lo, hi };
  }
  for (let r = 0; r < rows; r++) {
    multiplier[r] = x.scale * ws(r);
    offset[r] = bias?.[r] ?? 0;
  }
  return { multiplier, offset, outKind: 1, lo: clamp.min, hi: clamp.max };
}

const u8In = (ctx: StepContext) => ctx.inputs[0]!.dtype === 'u8';

/**
 * A conv with a residual add fused (PlanNode.residual) runs on uint8 codes: its input, the add's
 * other input (same shape) and the output. The fused kernel adds in the real domain without
 * first rounding the conv's output onto its own grid (qu8_spmm_add): within half a conv step of
 * the unfused pair, so it applies only where the conv's step is at most the output's, where the
 * codes stay within one step of it (ResNets' block outputs span more than the conv's branch).
 * ReLU6 stays unfused, as for qu8_add.
 */
function residualApplies(ctx: StepContext): boolean {
  const r = ctx.plan.residual, b = ctx.inputs[1], y = ctx.output;
  return r !== null && r.convQuant !== null && b !== undefined && b.dtype === 'u8' && y.dtype === 'u8' &&
    b.shape.join() === y.shape.join() && ctx.plan.clamp.name !== 'ReLU6' && r.convQuant.scale <= y.grid!.scale;
}

/**
 * How a conv kernel ends: its epilogue, and for a fused residual add the constants block of
 * qu8_spmm_add. With an add, the epilogue maps the conv's accumulators onto the node's output
 * grid with the node's (the add's) clamp, and the block holds the conv's own grid range there
 * (where its codes would saturate) and the other input's codes to output steps.
 */
function convEpilogue(ctx: StepContext, node: ConvNode, scratch: Scratch) {
  const e = epilogue(ctx, node.weight.quant!.scales, node.bias, node.outChannels);
  const r = ctx.plan.residual;
  if (r === null) return { e, addParams: 0 };
  const c = toU8Grid(r.convQuant!), b = ctx.inputs[1]!.grid!, y = ctx.output.grid!;
  const addParams = scratch.alloc(call('qu8_add_params_bytes'));
  const steps = c.scale / y.scale, bMult = b.scale / y.scale;
  call('qu8_add_params', addParams, -c.zeroPoint * steps + y.zeroPoint, (255 - c.zeroPoint) * steps + y.zeroPoint, bMult, -b.zeroPoint * bMult);
  return { e, addParams };
}

function csrSlots(csr: Csr, scratch: Scratch) {
  return { rowPtr: scratch.put(csr.rowPtr), offsets: scratch.put(csr.offsets), values: scratch.put(csr.codes!), rowSum: scratch.put(csr.codeSums!) };
}

function maxRowNnz(csr: Csr): number {
  let m = 0;
  for (let r = 0; r < csr.rows; r++) m = Math.max(m, csr.rowPtr[r + 1]! - csr.rowPtr[r]!);
  return m;
}

const convOf = (ctx: StepContext) => ctx.plan.node as ConvNode;

/** What a sparse int8 conv kernel computes after the conv: nothing, a fused 2x2 max pool, a fused residual add. */
type Fused = 'none' | 'pool2x2' | 'add';

/** A value's planes as the qu8_spmm family takes them: pointer, plane, row and sample strides. */
function planeArgs(v: Value): [ptr: number, ld: number, ldRow: number, batchStride: number] {
  const p = planesOf(v);
  return [p.ptr, p.ld, p.ldRow, p.batch];
}

/**
 * Runs the qu8_spmm family kernel for `fused` over units of n images: the entry points share
 * their arguments up to y's strides; the pooled one takes the window max on the accumulators,
 * the add one reads the residual input (with its own strides) in its epilogue and has uint8
 * outputs. y (and the residual) may be framed: the kernels write and read only their insides.
 */
function spmmCall(
  fused: Fused, head: SpmmHead, e: { outKind: number; lo: number; hi: number }, x: [ptr: number, batchStride: number],
  y: Value, res: Value | undefined, addParams: number, units: number, scratchBytes: number, mask = 0,
): void {
  const opts = { minPerThread: 2, scratchBytes };
  if (fused === 'add') parallel('qu8_spmm_add', [...head, e.lo, e.hi, ...x, ...planeArgs(y), mask, ...planeArgs(res!), addParams], units, opts);
  else if (fused === 'pool2x2') parallel('qu8_spmm_maxpool2x2', [...head, e.outKind, e.lo, e.hi, ...x, ...planeArgs(y)], units, opts);
  else parallel('qu8_spmm', [...head, e.outKind, e.lo, e.hi, ...x, ...planeArgs(y), mask], units, opts);
}

/** rows, outRows, outCols, inRowStride, the CSR (rowPtr, offsets, values, rowSum), x's zero point, multipliers, offsets. */
type SpmmHead = [number, number, number, number, number, number, number, number, number, number, number];

/**
 * The conv's CSR, epilogue and (with a fused add) add constants in scratch, as a qu8_spmm-family
 * call's head over outRows x outCols outputs read inRowStride bytes apart, or with `flat` over
 * each framed output plane as one row, and its mask (0 unless flat); scratchBytes per thread.
 */
function spmmSetup(ctx: StepContext, csr: Csr, scratch: Scratch, outRows: number, outCols: number, inRowStride: number, flat = false) {
  const node = convOf(ctx), y = ctx.output;
  const { e, addParams } = convEpilogue(ctx, node, scratch);
  const s = csrSlots(csr, scratch);
  const [rows, cols, stride] = flat ? [1, flatRow(y), 0] : [outRows, outCols, inRowStride];
  const head: SpmmHead = [
    node.outChannels, rows, cols, stride, s.rowPtr, s.offsets, s.values, s.rowSum,
    ctx.inputs[0]!.grid!.zeroPoint, scratch.put(e.multiplier), scratch.put(e.offset),
  ];
  return { e, addParams, head, scratchBytes: Math.max(16, qu8ScratchBytes(csr)), mask: flat ? flatMask(y, scratch) : 0 };
}

/** Both values framed alike around planes of the same rows and columns. */
const framedAlike = (a: Value | undefined, b: Value) =>
  !!a?.frame && !!b.frame && sameFrame(a.frame, b.frame) && a.shape[1] === b.shape[1] && a.shape[2] === b.shape[2];

/**
 * Whether a direct conv runs "flat": input and output (and a fused add's other input) framed alike,
 * halo = pads, so output (oy, ox) and every tap it reads sit at the same offsets from the start of
 * their planes' frames for all pixels, and the whole plane is one row of (H-1)*w + W outputs: the
 * halo's columns between rows are computed too and put back to the zero point by a mask. One row
 * walks the pairs once per 24 outputs with no ragged tile at each row's end; rows narrower than 8
 * stay on their stacked tiles, which read half-vectors but compute no halo.
 */
function flatApplies(ctx: StepContext, fused: Fused): boolean {
  const x = ctx.inputs[0]!, y = ctx.output, f = x.frame;
  if (fused === 'pool2x2' || !f || !framedAlike(x, y) || (fused === 'add' && !framedAlike(ctx.inputs[1], y))) return false;
  return haloIs(f, x.shape, convOf(ctx).pads) && flatRow(y) >= 16;
}

/** Outputs in a flat conv's one row per plane: every row of the frame but the last one's halo. */
const flatRow = (y: Value) => (y.shape[1] - 1) * y.frame!.w + y.shape[2];

/** The mask of a flat conv's one row of (H-1)*w + W outputs: 16 fill bytes (the zero point), then 0xff inside, 0 on the halo. */
function flatMask(y: Value, scratch: Scratch): number {
  const f = y.frame!, w = y.shape[2], n = flatRow(y);
  const bytes = new Uint8Array(16 + n).fill(y.grid!.zeroPoint, 0, 16);
  for (let p = 0; p < n; p++) bytes[16 + p] = (p + f.left) % f.w >= f.left && (p + f.left) % f.w < f.left + w ? 0xff : 0;
  return scratch.put(bytes) + 16;
}

/**
 * The direct sparse int8 conv: stride 1, over the image padded with the activation zero point:
 * a copy padded per run, or, for a framed input (whose halo covers the pads), the value itself,
 * flat where it can be (flatApplies).
 * With pool2x2 the kernel also takes the node's fused 2x2 max pool on its accumulators, with
 * add the node's fused residual add in its epilogue.
 */
function directStep(ctx: StepContext, name: string, fused: Fused): Step {
  const node = convOf(ctx), x = ctx.inputs[0]!, y = ctx.output;
  const [c, h, w] = x.shape, oc = node.outChannels;
  const [pt, pl, pb, pr] = node.pads;
  const f = x.frame ?? null;
  // Right of a row: the rest of it, then the next row's left halo (frames.ts, frameOf).
  if (f !== null && (f.top < pt || f.left < pl || f.h - f.top - h < pb || f.w - w < pr)) {
    throw new Error(`runtime: the frame of the input of '${node.name}' does not cover its pads`);
  }
  const { csr, hp, wp, padded } = directConvCsr(node, x.shape, f ?? undefined);
  const oh = hp - node.dilation[0] * (node.kernel[0] - 1), ow = wp - node.dilation[1] * (node.kernel[1] - 1);
  const scratch = new Scratch();
  const copy = padded && f === null;
  const flat = flatApplies(ctx, fused);
  const rowStride = f ? f.w : wp;
  const { e, addParams, head, scratchBytes, mask } = spmmSetup(ctx, csr, scratch, oh, ow, rowStride, flat);
  // Where the padded image starts: the copy, or inside the frame, pads above and left of x.
  const src = copy ? scratch.alloc(ctx.capacity * c * hp * wp) : f ? x.ptr + (f.top - pt) * f.w + (f.left - pl) : x.ptr;
  const srcStride = f ? c * f.h * f.w : c * hp * wp;
  const zx = x.grid!.zeroPoint;
  return {
    kernel: name, flat, bytes: scratch.bytes, dispose: () => scratch.dispose(),
    run: (n) => {
      if (copy) parallel('xx_pad2d', [x.ptr, src, h, w, 1, pt, pl, pb, pr, zx], n * c, { minPerThread: 8 });
      spmmCall(fused, head, e, [src, srcStride], y, ctx.inputs[1], addParams, n * oc, scratchBytes, mask);
    },
  };
}

const directApplies = (ctx: StepContext) => u8In(ctx) && hasInt8Codes(convOf(ctx).weight) && convOf(ctx).stride[0] === 1 && convOf(ctx).stride[1] === 1;

/**
 * A sparse int8 conv layout as two entries: the conv alone, and the conv with a fused residual add
 * (PlanNode.residual) computed by the same step in qu8_spmm_add. Every layout writes into a frame
 * and the add reads its other input from one; `input` says how the layout reads the conv's input.
 */
function registerSparseConv(
  layout: string, input: FrameUse['inputs'][number], applies: (ctx: StepContext) => boolean, step: (ctx: StepContext, name: string, fused: Fused) => Step,
): void {
  registerKernel({
    op: 'Conv2d', name: `qu8 sparse ${layout} (qu8_spmm)`, dtype: 'qu8', weights: 'sparse', applies,
    frames: { inputs: [input], output: true },
    build(ctx) {
      return step(ctx, this.name, 'none');
    },
  });
  registerKernel({
    op: 'Conv2d', name: `qu8 sparse ${layout}+add (qu8_spmm_add)`, dtype: 'qu8', weights: 'sparse', residual: true,
    frames: { inputs: [input, 'any'], output: true },
    applies: (ctx) => applies(ctx) && residualApplies(ctx),
    build(ctx) {
      return step(ctx, this.name, 'add');
    },
  });
}

registerSparseConv('direct', 'pads', directApplies, directStep);

registerKernel({
  op: 'Conv2d', name: 'qu8 sparse direct+maxpool2x2 (qu8_spmm_maxpool2x2)', dtype: 'qu8', weights: 'sparse', pool2x2: true,
  frames: { inputs: ['pads'], output: true },
  // The multipliers are x scale * weight scale / y scale: positive where the weight scales are.
  applies: (ctx) => directApplies(ctx) && poolCommutes(convOf(ctx).weight),
  build(ctx) {
    return directStep(ctx, this.name, 'pool2x2');
  },
});

/**
 * Strided convs, which the direct kernel cannot walk: a uint8 column matrix per image
 * ([c*kh*kw][oh*ow], padding at the zero point), then the same kernel on that layout, where
 * its loads are aligned runs of columns. A quarter of the bytes of the float32 im2col.
 */
function im2colStep(ctx: StepContext, name: string, fused: Fused): Step {
  const node = convOf(ctx), x = ctx.inputs[0]!, y = ctx.output;
  const [c, h, w] = x.shape, [oc, oh, ow] = y.shape;
  const [kh, kw] = node.kernel, [sh, sw] = node.stride, [dh, dw] = node.dilation, [pt, pl] = node.pads;
  const k = c * kh * kw, cols = oh * ow;
  const csr = buildCsr(node.weight, (_row, inner) => inner * cols);
  const scratch = new Scratch();
  // One row of all the columns, or (into a framed output, or with a fused add's other input framed)
  // the output's rows, of the same columns.
  const rows = y.frame || (fused === 'add' && ctx.inputs[1]!.frame) ? oh : 1;
  const { e, addParams, head, scratchBytes } = spmmSetup(ctx, csr, scratch, rows, cols / rows, cols / rows);
  const col = scratch.alloc(ctx.capacity * k * cols);
  const zx = x.grid!.zeroPoint;
  // x dense, or inside a frame: the column matrix takes its padding from the zero point either way.
  const xp = planesOf(x);
  return {
    kernel: name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
    run: (n) => {
      parallel('u8_im2col_batch', [xp.ptr, xp.batch, c, h, w, xp.ldRow, xp.ld, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow, zx, col, k * cols], n);
      spmmCall(fused, head, e, [col, k * cols], y, ctx.inputs[1], addParams, n * oc, scratchBytes);
    },
  };
}

const im2colApplies = (ctx: StepContext) => u8In(ctx) && hasInt8Codes(convOf(ctx).weight) && convOf(ctx).groups === 1 && !(convOf(ctx).stride[0] === 1 && convOf(ctx).stride[1] === 1);

registerSparseConv('im2col', 'any', im2colApplies, im2colStep);

/**
 * Stride-2 convs as stride-1 ones: the input padded with the zero point and split into its 2x2
 * phases (u8_pad2d_phases), where each tap reads a contiguous run of an output row, so the
 * direct kernel walks them with no im2col (whose matrix is 9/4 of the input for a 3x3 conv).
 */
function phasesStep(ctx: StepContext, name: string, fused: Fused): Step {
  const node = convOf(ctx), x = ctx.inputs[0]!, y = ctx.output;
  const [c, h, w] = x.shape, [oc, oh, ow] = y.shape;
  const [kh, kw] = node.kernel, [pt, pl, pb, pr] = node.pads;
  const hp = h + pt + pb, wp = w + pl + pr, PH = (hp + 1) >> 1, PW = (wp + 1) >> 1, taps = kh * kw;
  // Into a framed output (and with a fused add, its other input framed alike), phase rows as far
  // apart as the frame's rows make output (oy, ox) and its taps the same offsets apart for every
  // pixel: the conv then runs flat over each plane, as a direct one does (flatApplies).
  const g = y.frame;
  const flat = !!g && g.w >= PW && flatRow(y) >= 16 && (fused === 'none' || (fused === 'add' && framedAlike(ctx.inputs[1], y)));
  const QS = flat ? g!.w : PW;
  const csr = buildCsr(node.weight, (_row, inner) => {
    const ic = Math.floor(inner / taps), ky = Math.floor((inner % taps) / kw), kx = inner % kw;
    return ((ic * 4 + (ky & 1) * 2 + (kx & 1)) * PH + (ky >> 1)) * QS + (kx >> 1);
  });
  const scratch = new Scratch();
  const { e, addParams, head, scratchBytes, mask } = spmmSetup(ctx, csr, scratch, oh, ow, PW, flat);
  const image = c * 4 * PH * QS;
  const phases = scratch.alloc(ctx.capacity * image);
  const splitBytes = call('u8_pad2d_phases_scratch_bytes', wp);
  const zx = x.grid!.zeroPoint;
  // x dense, or inside a frame (its planes the same distance apart from image to image); a frame
  // whose halo is the pads is the padded image itself, split with no padding to add: each padded
  // row is read wp long from its halo on, its right pad from the next row's left halo (frameOf).
  const xp = planesOf(x), f = x.frame;
  const split: ParallelKernelParams['u8_pad2d_phases'] = f && haloIs(f, x.shape, node.pads)
    ? [x.ptr, phases, hp, wp, f.w, f.h * f.w, 0, 0, 0, 0, zx, QS]
    : [xp.ptr, phases, h, w, xp.ldRow, xp.ld, pt, pl, pb, pr, zx, QS];
  return {
    kernel: name, flat, bytes: scratch.bytes, dispose: () => scratch.dispose(),
    run: (n) => {
      parallel('u8_pad2d_phases', split, n * c, { minPerThread: 8, scratchBytes: splitBytes });
      spmmCall(fused, head, e, [phases, image], y, ctx.inputs[1], addParams, n * oc, scratchBytes, mask);
    },
  };
}

const phasesApplies = (ctx: StepContext) => u8In(ctx) && hasInt8Codes(convOf(ctx).weight) && convOf(ctx).groups === 1 &&
  convOf(ctx).stride.every((v) => v === 2) && convOf(ctx).dilation.every((v) => v === 1);

registerSparseConv('phases', 'any', phasesApplies, phasesStep);

function qu8ScratchBytes(csr: Csr): number {
  return call('qu8_spmm_scratch_bytes', maxRowNnz(csr));
}

const linearOf = (ctx: StepContext) => ctx.plan.node as LinearNode;

/** Every code of a weight as dense int8 (zero where not stored: zero point 0), row-major. */
function denseCodes(w: WeightTensor): Int8Array {
  const out = new Int8Array(w.shape.reduce((a, b) => a * b, 1));
  const codes = w.codes!;
  if (w.indices === null) out.set(codes);
  else for (let k = 0; k < codes.length; k++) out[w.indices[k]!] = codes[k]!;
  return out;
}

/** Packs a weight's codes once into the int8 GEMM's paired panels (with their row sums). */
function packCodes(w: WeightTensor, rows: number, k: number, scratch: Scratch): number {
  const codes = scratch.put(denseCodes(w));
  const packed = scratch.alloc(call('qu8_gemm_packed_w_bytes', rows, k));
  call('qu8_gemm_pack_w', rows, k, codes, packed);
  return packed;
}

registerKernel({
  op: 'Conv2d', name: 'qu8 dense gemm (qu8_conv2d)', dtype: 'qu8', weights: 'dense',
  applies: (ctx) => u8In(ctx) && hasInt8Codes(convOf(ctx).weight) && convOf(ctx).groups === 1,
  build(ctx): Step {
    const node = convOf(ctx), x = ctx.inputs[0]!, y = ctx.output;
    const [c, h, w] = x.shape, [oc, oh, ow] = y.shape;
    const [kh, kw] = node.kernel, [sh, sw] = node.stride, [dh, dw] = node.dilation, [pt, pl] = node.pads;
    const e = epilogue(ctx, node.weight.quant!.scales, node.bias, oc);
    const scratch = new Scratch();
    const packed = packCodes(node.weight, oc, c * kh * kw, scratch);
    const mult = scratch.put(e.multiplier), off = scratch.put(e.offset);
    const scratchBytes = call('qu8_conv2d_scratch_bytes', c, oh, ow, kh, kw);
    const zx = x.grid!.zeroPoint;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => parallel('qu8_conv2d', [x.ptr, packed, y.ptr, c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, zx, mult, off, e.outKind, e.lo, e.hi], n, { scratchBytes }),
    };
  },
});

registerKernel({
  op: 'Linear', name: 'qu8 dense gemm (qu8_linear)', dtype: 'qu8', weights: 'dense',
  applies: (ctx) => u8In(ctx) && hasInt8Codes(linearOf(ctx).weight),
  build(ctx): Step {
    const node = linearOf(ctx), x = ctx.inputs[0]!, y = ctx.output;
    const out = node.outFeatures, inF = x.size;
    const e = epilogue(ctx, node.weight.quant!.scales, node.bias, out);
    const scratch = new Scratch();
    const packed = packCodes(node.weight, out, inF, scratch);
    const mult = scratch.put(e.multiplier), off = scratch.put(e.offset);
    const scratchBytes = Math.max(call('qu8_linear_scratch_bytes', ctx.capacity, inF), call('qu8_linear_scratch_bytes', 1, inF));
    const zx = x.grid!.zeroPoint;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => parallel('qu8_linear', [x.ptr, n, inF, out, packed, zx, mult, off, e.outKind, e.lo, e.hi, y.ptr], out, { minPerThread: 8, scratchBytes }),
    };
  },
});

registerKernel({
  op: 'Linear', name: 'qu8 sparse (qu8_spmm)', dtype: 'qu8', weights: 'sparse',
  applies: (ctx) => u8In(ctx) && hasInt8Codes(linearOf(ctx).weight),
  build(ctx): Step {
    const node = linearOf(ctx), x = ctx.inputs[0]!, y = ctx.output;
    const out = node.outFeatures, inF = x.size, cap = ctx.capacity;
    const csr = buildCsr(node.weight, (_row, inner) => inner * cap);
    const e = epilogue(ctx, node.weight.quant!.scales, node.bias, out);
    const scratch = new Scratch();
    const s = csrSlots(csr, scratch);
    const mult = scratch.put(e.multiplier), off = scratch.put(e.offset);
    const outBytes = y.dtype === 'u8' ? 1 : 4;
    const xT = scratch.alloc(inF * cap), yT = scratch.alloc(outBytes * out * cap);
    const scratchBytes = Math.max(16, qu8ScratchBytes(csr));
    const zx = x.grid!.zeroPoint;
    return {
      kernel: this.name, bytes: scratch.bytes, dispose: () => scratch.dispose(),
      run: (n) => {
        parallel('x8_transpose', [x.ptr, inF, xT, cap, inF], n, { minPerThread: 8 });
        parallel('qu8_spmm', [out, 1, n, 0, s.rowPtr, s.offsets, s.values, s.rowSum, zx, mult, off, e.outKind, e.lo, e.hi, xT, 0, yT, cap, n, 0, 0], out, { minPerThread: 4, scratchBytes });
        parallel(outBytes === 1 ? 'x8_transpose' : 'x32_transpose', [yT, cap, y.ptr, out, n], out, { minPerThread: 16 });
      },
    };
  },
});

registerKernel({
  op: 'MaxPool2d', name: 'u8 (u8_maxpool2d)', dtype: 'qu8', weights: 'none',
  // The output keeps the input's grid (plan.ts), so the codes pass through unchanged.
  applies: (ctx) => u8In(ctx) && ctx.output.dtype === 'u8' && ctx.output.grid === ctx.inputs[0]!.grid,
  build(ctx): Step {
    const node = ctx.plan.node as PoolNode, x = ctx.inputs[0]!, y = ctx.output;
    const [c, h, w] = x.shape, [, oh, ow] = y.shape;
    return {
      kernel: this.name, bytes: 0, dispose: () => {},
      run: (n) => parallel('u8_maxpool2d', [x.ptr, y.ptr, n * c, h, w, node.kernel[0], node.kernel[1], node.stride[0], node.stride[1], node.pads[0], node.pads[1], 1, 1, oh, ow], n * c, { minPerThread: 16 }),
    };
  },
});

registerKernel({
  op: 'Add', name: 'qu8 (qu8_add)', dtype: 'qu8', weights: 'none',
  applies: (ctx) => ctx.inputs.length === 2 && ctx.inputs.every((v) => v.dtype === 'u8') && ctx.output.dtype === 'u8' && ctx.plan.clamp.name !== 'ReLU6',
  build(ctx): Step {
    const [a, b] = ctx.inputs as [Value, Value], y = ctx.output;
    const g = y.grid!, qmin = ctx.plan.clamp.name === 'ReLU' ? Math.max(0, g.zeroPoint) : 0;
    return {
      kernel: this.name, bytes: 0, dispose: () => {},
      run: (n) => parallel('qu8_add', [a.ptr, a.grid!.scale, a.grid!.zeroPoint, b.ptr, b.grid!.scale, b.grid!.zeroPoint, y.ptr, g.scale, g.zeroPoint, qmin, 255], n * y.size, { grain: 16, minPerThread: 1 << 14 }),
    };
  },
});

registerKernel({
  op: 'GlobalAvgPool', name: 'qu8 (qu8_global_avgpool)', dtype: 'qu8', weights: 'none',
  // A framed plane sums to its inside's sum of (x - zero point): its halo holds the zero point.
  frames: { inputs: ['any'], output: false },
  applies: u8In,
  build(ctx): Step {
    const x = ctx.inputs[0]!, y = ctx.output;
    const [c, h, w] = x.shape, hw = h * w, gx = x.grid!;
    const plane = planesOf(x).ld;
    const [multiplier, offset, outKind] = y.dtype === 'u8' ? [gx.scale / (hw * y.grid!.scale), y.grid!.zeroPoint, 0] : [gx.scale / hw, 0, 1];
    const [lo, hi] = y.dtype === 'u8' ? [0, 255] : [-Infinity, Infinity];
    return {
      kernel: this.name, bytes: 0, dispose: () => {},
      run: (n) => parallel('qu8_global_avgpool', [x.ptr, n * c, plane, gx.zeroPoint, multiplier, offset, outKind, lo, hi, y.ptr], n * c, { minPerThread: 16 }),
    };
  },
});
