/**
 * Builds an execution plan: fuse the graph, give every value a buffer, and for every node build
 * each registered kernel that applies, time it at the session's batch size and thread count on
 * the real activations of a sample batch (twice: as the node is reached, and once every node has
 * run, when the engine has optimized every kernel), and keep the fastest. Where no kernel takes a node's
 * dtypes (a uint8 value into an op that only has float32 kernels), the float32 kernel runs
 * between a dequantize and a quantize: the same arithmetic the quantized model was trained with.
 */
import { inferShapes, weightDensity, type Chw, type DeployModel, type GraphNode } from '../graph.js';
import { candidatesFor, type KernelEntry, type Step, type StepContext } from '../ops/registry.js';
import { SessionError } from '../errors.js';
import { fuseGraph, NO_CLAMP, type PlanNode } from './fuse.js';
import { allocValue, copyIntoFrame, copyOutOfFrame, toU8Grid, type U8Grid, type Value } from './values.js';
import { chooseFrames, unionUse, NO_FRAMES, type FrameUse } from './frames.js';
import { timeByTurns } from './timing.js';
import { parallel, wasm } from '../../kernels/index.js';

export interface CandidateTiming {
  kernel: string;
  /** Best time of the timed runs at the planning batch, milliseconds; null when not timed. */
  ms: number | null;
}

export interface LayerChoice {
  node: string;
  op: GraphNode['op'];
  /** Source nodes folded into this one (batch norm, activation, a 2x2 max pool after a conv). */
  fused: string[];
  inputShape: number[];
  outputShape: number[];
  /** For layers with weights: elements, fraction that is zero, bits (null: float32). */
  weights: { size: number; sparsity: number; bits: number | null } | null;
  activations: 'f32' | 'u8';
  candidates: CandidateTiming[];
  chosen: string;
  /**
   * Whether the node's first input and its output are held inside halo frames (frames.ts), and
   * if so whether its kernel reads or writes them in place or through a copy; and whether it
   * computes each framed plane as one row (qu8.ts).
   */
  frames: { input: FrameAccess; output: FrameAccess; flat: boolean };
}

/** How a step reaches a framed value: in place, through a copy out of or into its frame, or null (not framed). */
export type FrameAccess = 'in place' | 'copied' | null;

export interface PlanOptions {
  /** Samples per run the buffers hold and the timing uses. */
  capacity: number;
  /** 'time' measures every candidate; 'first' takes the first that applies (fast, for tests). */
  choose: 'time' | 'first';
  /** Forces a kernel per node: node name → a substring of the kernel name. */
  kernels: Record<string, string>;
  /** Timed runs per candidate (the best counts). */
  timingRuns: number;
  /**
   * How quantized activations are held: 'u8' as codes on their grids (integer kernels, float
   * kernels between conversions), 'f32' as float32 fake-quantized in place after each
   * quantization point (float kernels only, one pass per point). Both compute what training
   * simulated; which is faster depends on the model.
   */
  activations: 'u8' | 'f32';
  /**
   * Fold residual adds into a conv that computes one of their inputs (fuse.ts), where
   * activations are 'u8'; default true. The planner still times the conv then the add.
   */
  fuseResidual?: boolean;
  /**
   * Hold uint8 values that padded direct convs read inside halo frames, written in place by the
   * kernel that computes them, instead of padding a copy on every run (frames.ts); default true.
   */
  frames?: boolean;
}

export interface Plan {
  activations: PlanOptions['activations'];
  values: Value[];
  /** Per node: the built step, and the name of the candidate it is (the `kernels` option that forces it). */
  steps: { plan: PlanNode; step: Step; option: string }[];
  input: Value;
  output: Value;
  layers: LayerChoice[];
  dispose(): void;
}

/** Max pooling and flatten keep their input's grid: the codes need no requantization. */
function keepsGrid(node: GraphNode): boolean {
  return node.op === 'MaxPool2d' || node.op === 'Flatten';
}

function dequantizeInto(src: Value, dst: Value, n: number): void {
  parallel('qu8_dequantize', [src.ptr, dst.ptr, src.grid!.scale, src.grid!.zeroPoint], n * src.size, { grain: 16, minPerThread: 1 << 14 });
}

function quantizeInto(src: Value, dst: Value, n: number): void {
  parallel('qu8_quantize', [src.ptr, dst.ptr, dst.grid!.scale, dst.grid!.zeroPoint], n * src.size, { grain: 16, minPerThread: 1 << 14 });
}

/** Runs a float32 kernel for a node whose inputs or output are uint8 codes. */
function viaFloat(ctx: StepContext, entry: KernelEntry): Step {
  const temps: Value[] = [];
  const shadow = (v: Value): Value => {
    if (v.dtype === 'f32') return v;
    const t = allocValue(v.id, v.shape, null, ctx.capacity);
    temps.push(t);
    return t;
  };
  const inputs = ctx.inputs.map(shadow);
  const output = shadow(ctx.output);
  const inner = entry.build({ ...ctx, inputs, output });
  return {
    kernel: `${inner.kernel} via f32`,
    bytes: inner.bytes,
    run(n) {
      ctx.inputs.forEach((v, i) => v !== inputs[i] && dequantizeInto(v, inputs[i]!, n));
      inner.run(n);
      if (output !== ctx.output) quantizeInto(output, ctx.output, n);
    },
    dispose() {
      inner.dispose();
      for (const t of temps) wasm().heap.free(t.ptr);
    },
  };
}

/** A float32 step whose output is then put on its uint8 grid in place. */
function withFakeQuant(step: Step, y: Value, g: U8Grid): Step {
  return {
    ...step,
    kernel: `${step.kernel} + fake quant`,
    run(n) {
      step.run(n);
      parallel('qu8_fake_quantize', [y.ptr, y.ptr, g.scale, g.zeroPoint], n * y.size, { grain: 16, minPerThread: 1 << 14 });
    },
  };
}

/** A way to run a node, listed under its explain() name and built (packed) when timed. */
interface Option {
  name: string;
  build(ctx: StepContext): Step;
  frames: FrameUse;
}

/** How an option reaches input i (or the output, i = -1) of ctx, where it is framed. */
function access(option: Option, v: Value, i: number): FrameAccess {
  if (!v.frame) return null;
  return (i < 0 ? option.frames.output : (option.frames.inputs[i] ?? 'no') !== 'no') ? 'in place' : 'copied';
}

/**
 * Builds an option for ctx: as it is where it reads and writes every framed value in place;
 * otherwise behind copies, framed inputs taken out of their frames into buffers of its own
 * (xx_crop2d) and its output put into its frame after it (xx_pad2d with the halo as pads).
 */
function buildOption(option: Option, ctx: StepContext): Step {
  const copied = (v: Value, i: number) => access(option, v, i) === 'copied';
  if (!ctx.inputs.some(copied) && !copied(ctx.output, -1)) return option.build(ctx);
  const temps: Value[] = [];
  const dense = (v: Value): Value => {
    const t = allocValue(v.id, v.shape, v.grid, ctx.capacity);
    temps.push(t);
    return t;
  };
  const inputs = ctx.inputs.map((v, i) => (copied(v, i) ? dense(v) : v));
  const output = copied(ctx.output, -1) ? dense(ctx.output) : ctx.output;
  let inner: Step;
  try {
    inner = option.build({ ...ctx, inputs, output });
  } catch (e) {
    for (const t of temps) wasm().heap.free(t.ptr);
    throw e;
  }
  return {
    kernel: inner.kernel,
    bytes: inner.bytes + temps.reduce((b, t) => b + t.stride * ctx.capacity, 0),
    flat: inner.flat,
    run(n) {
      ctx.inputs.forEach((v, i) => inputs[i] !== v && copyOutOfFrame(v, inputs[i]!.ptr, n));
      inner.run(n);
      if (output !== ctx.output) copyIntoFrame(output.ptr, ctx.output, n);
    },
    dispose() {
      inner.dispose();
      for (const t of temps) wasm().heap.free(t.ptr);
    },
  };
}

/**
 * The registered kernels that take a node as it is, then (when its values are not all float32,
 * or nothing takes it directly) the float32 ones between conversions.
 */
function optionsFor(ctx: StepContext): Option[] {
  const direct = candidatesFor(ctx);
  const f32ctx: StepContext = {
    ...ctx,
    inputs: ctx.inputs.map((v) => (v.dtype === 'u8' ? { ...v, dtype: 'f32', grid: null } : v)),
    output: { ...ctx.output, dtype: 'f32', grid: null },
  };
  const fallbacks = direct.length > 0 && ctx.inputs.every((v) => v.dtype === 'f32') && ctx.output.dtype === 'f32' ? [] : candidatesFor(f32ctx);
  return [
    ...direct.map((e) => ({ name: e.name, build: (c: StepContext) => e.build(c), frames: e.frames ?? NO_FRAMES })),
    ...fallbacks.map((e) => ({ name: `${e.name} via f32`, build: (c: StepContext) => viaFloat(c, e), frames: NO_FRAMES })),
  ];
}

/**
 * For a conv with a node fused after it (a 2x2 max pool, PlanNode.pool, or a residual add,
 * PlanNode.residual): every way to run the conv alone into a buffer of its own, each followed by
 * the second node's first kernel, so the planner weighs the fused kernels against the two apart.
 * The conv's buffer is on the conv's own grid (for a pool, the pooled output's: a max pool keeps
 * its input's grid) and lives as long as the step.
 */
function unfusedOptions(ctx: StepContext, convShape: Chw, convGrid: U8Grid | null): Option[] {
  const { pool, residual } = ctx.plan;
  const split = pool !== null
    ? {
      mid: pool.convOutput,
      conv: { ...ctx.plan, output: pool.convOutput, pool: null },
      second: { node: pool.node, inputs: [pool.convOutput], output: ctx.plan.output, clamp: NO_CLAMP, outputQuant: null, fused: [], pool: null, residual: null },
    }
    : residual !== null
      ? {
        mid: residual.convOutput,
        conv: { ...ctx.plan, inputs: ctx.plan.inputs.slice(0, 1), output: residual.convOutput, outputQuant: residual.convQuant, clamp: NO_CLAMP, residual: null },
        second: {
          node: residual.node, inputs: residual.convIndex === 0 ? [residual.convOutput, ctx.plan.inputs[1]!] : [ctx.plan.inputs[1]!, residual.convOutput],
          output: ctx.plan.output, clamp: ctx.plan.clamp, outputQuant: ctx.plan.outputQuant, fused: [], pool: null, residual: null,
        },
      }
      : null;
  if (split === null) return [];
  const convPlan: PlanNode = split.conv, secondPlan: PlanNode = split.second;
  // The second node's inputs, the conv's buffer in its place (the add keeps its input order).
  const secondInputs = (c: StepContext, mid: Value) => secondPlan.inputs.map((v) => (v === split.mid ? mid : c.inputs[1]!));
  // Listing looks at shapes and dtypes only; each build gets a real buffer.
  const listed = allocValueInfo(split.mid, convShape, convGrid);
  const secondFirst = optionsFor({ ...ctx, plan: secondPlan, inputs: secondInputs(ctx, listed) })[0];
  if (secondFirst === undefined) return [];
  return optionsFor({ ...ctx, plan: convPlan, inputs: ctx.inputs.slice(0, 1), output: listed }).map((conv) => ({
    name: `${conv.name} + ${secondFirst.name}`,
    // The conv reads the node's first input; the second node, the rest and the output.
    frames: { inputs: [conv.frames.inputs[0] ?? 'no'], output: false },
    build(c: StepContext): Step {
      const mid = allocValue(split.mid, convShape, convGrid, c.capacity);
      let convStep: Step | null = null;
      try {
        convStep = conv.build({ ...c, plan: convPlan, inputs: c.inputs.slice(0, 1), output: mid });
        const secondStep = secondFirst.build({ ...c, plan: secondPlan, inputs: secondInputs(c, mid) });
        const first = convStep;
        return {
          kernel: `${first.kernel} + ${secondStep.kernel}`,
          bytes: first.bytes + secondStep.bytes + mid.stride * c.capacity,
          run(n) {
            first.run(n);
            secondStep.run(n);
          },
          dispose() {
            first.dispose();
            secondStep.dispose();
            wasm().heap.free(mid.ptr);
          },
        };
      } catch (e) {
        convStep?.dispose();
        wasm().heap.free(mid.ptr);
        throw e;
      }
    },
  }));
}

/** A value's description without a buffer (ptr 0), for listing the kernels that would take it. */
function allocValueInfo(id: number, shape: Chw, grid: U8Grid | null): Value {
  const size = shape[0] * shape[1] * shape[2];
  return { id, shape, size, dtype: grid === null ? 'f32' : 'u8', grid, ptr: 0, stride: grid === null ? 4 * size : size };
}

/**
 * Every way to run a node: its kernels, and for a conv with a node fused after it, the conv and
 * that node apart; only those matching `forced` (a substring of their names) when given.
 */
function nodeOptions(ctx: StepContext, shapes: Chw[], forced: string | undefined): Option[] {
  const plan = ctx.plan;
  const residualGrid = plan.residual?.convQuant ? toU8Grid(plan.residual.convQuant) : null;
  const options = [
    ...optionsFor(ctx),
    ...(plan.pool ? unfusedOptions(ctx, shapes[plan.pool.convOutput]!, ctx.output.grid) : []),
    ...(plan.residual ? unfusedOptions(ctx, shapes[plan.residual.convOutput]!, residualGrid) : []),
  ];
  return forced === undefined ? options : options.filter((o) => o.name.includes(forced));
}

/** Half or more of a node's weights are zeros (frames.ts: where sparse kernels, which use frames, are likely). */
function sparseWeights(node: GraphNode): boolean {
  if (node.op !== 'Conv2d' && node.op !== 'Linear') return false;
  const { nonzero, size } = weightDensity(node.weight);
  return 2 * nonzero <= size;
}

function weightInfo(node: GraphNode): LayerChoice['weights'] {
  if (node.op !== 'Conv2d' && node.op !== 'Linear') return null;
  const { nonzero, size } = weightDensity(node.weight);
  return { size, sparsity: size === 0 ? 0 : 1 - nonzero / size, bits: node.weight.quant?.bits ?? null };
}

/** `fillInput` writes a sample batch into the input buffer before planning measures anything. */
export function buildPlan(model: DeployModel, opts: PlanOptions, fillInput: (input: Value) => void): Plan {
  const shapes = inferShapes(model, (i) => `node ${i} (${model.nodes[i]!.name})`);
  const codes = opts.activations === 'u8';
  // Fused adds only where activations are codes: the float path puts values on their grids
  // after each step, which a step computing two nodes would skip for the first.
  const graph = fuseGraph(model, { residual: codes && (opts.fuseResidual ?? true) });
  const values = new Map<number, Value>();
  const owned: Value[] = [];
  const valueOf = (id: number): Value => {
    const alias = graph.aliasOf.get(id);
    if (alias === undefined) return values.get(id)!;
    const base = values.get(alias)!;
    // A flattened view: same bytes, its own shape.
    return { ...base, id, shape: shapes[id]! };
  };
  const steps: Plan['steps'] = [];
  const layers: LayerChoice[] = [];
  // Per node, while the plan is built: every candidate built, and the best time of each so far.
  const pending: { plan: PlanNode; output: Value; inputShape: number[]; tried: Option[]; built: Step[]; times: (number | null)[] }[] = [];
  const dispose = () => {
    for (const s of steps) s.step.dispose();
    for (const p of pending) for (const b of p.built) b.dispose();
    for (const v of owned) wasm().heap.free(v.ptr);
  };
  const fastestOf = (times: (number | null)[]) => times.reduce<number>((b, t, i) => (t !== null && t < times[b]! ? i : b), 0);
  const timeAll = (built: Step[]) => timeByTurns(built.map((b) => () => b.run(opts.capacity)), { runs: opts.timingRuns });
  // Each value's grid, and (where frames.ts gives it one) its frame, before any buffer exists.
  const grids = new Map<number, U8Grid | null>([[0, model.inputQuant && codes ? toU8Grid(model.inputQuant) : null]]);
  const gridOf = (id: number) => grids.get(graph.aliasOf.get(id) ?? id) ?? null;
  for (const plan of graph.nodes) {
    grids.set(plan.output, !codes ? null : plan.outputQuant ? toU8Grid(plan.outputQuant) : keepsGrid(plan.node) ? gridOf(plan.inputs[0]!) : null);
  }
  const info = (id: number) => allocValueInfo(id, shapes[id]!, gridOf(id));
  const frames = codes && (opts.frames ?? true)
    ? chooseFrames(graph.nodes.map((plan) => {
      const ctx: StepContext = { plan, inputs: plan.inputs.map(info), output: info(plan.output), capacity: opts.capacity };
      // Every candidate counts, forced or not: a session's other runners, which force the kernels
      // the first one chose, then hold the same frames.
      const use = unionUse(nodeOptions(ctx, shapes, undefined).map((o) => o.frames));
      return { plan, pads: plan.node.op === 'Conv2d' ? plan.node.pads : null, use, sparse: sparseWeights(plan.node) };
    }), info, new Set([graph.output, ...graph.aliasOf.values()]), [0])
    : new Map();
  // The input's frame, if any, is written by the runner (runner.ts), through a copy.
  const input = allocValue(0, model.inputShape, gridOf(0), opts.capacity, frames.get(0) ?? null);
  values.set(0, input);
  owned.push(input);
  try {
    fillInput(input);
    for (const plan of graph.nodes) {
      const inputs = plan.inputs.map(valueOf);
      const output = allocValue(plan.output, shapes[plan.output]!, gridOf(plan.output), opts.capacity, frames.get(plan.output) ?? null);
      values.set(plan.output, output);
      owned.push(output);
      const ctx: StepContext = { plan, inputs, output, capacity: opts.capacity };
      const where = `node '${plan.node.name}' (${plan.node.op})`;
      const forced = opts.kernels[plan.node.name];
      const options = nodeOptions(ctx, shapes, forced);
      if (forced !== undefined && options.length === 0) throw new SessionError(`${where}: no kernel matching '${forced}' applies`);
      if (options.length === 0) throw new SessionError(`${where}: no kernel takes ${inputs.map((v) => v.dtype).join(', ')} in and ${output.dtype} out`);
      const tried = opts.choose === 'first' ? options.slice(0, 1) : options;
      const node = { plan, output, inputShape: [...inputs[0]!.shape], tried, built: [] as Step[], times: [] as (number | null)[] };
      pending.push(node);
      for (const o of tried) node.built.push(buildOption(o, ctx));
      node.times = tried.length === 1 ? [null] : timeAll(node.built);
      // Later nodes are timed on what this one computes (up to a fake quantization, which does not steer the time).
      node.built[fastestOf(node.times)]!.run(opts.capacity);
    }
    // Time every node's candidates again, now that each kernel has run on the whole model: an
    // engine first runs a kernel on baseline code and swaps in optimized code only after some
    // calls (V8: about a dozen batches of a 16-channel 28x28 conv, at half the speed until then),
    // so the first layers that use a kernel timed it slow. Each keeps its best of both rounds.
    if (opts.choose === 'time') {
      for (const node of pending) {
        if (node.built.length < 2) continue;
        const again = timeAll(node.built);
        node.times = node.times.map((t, i) => Math.min(t!, again[i]!));
      }
    }
    while (pending.length > 0) {
      const { plan, output, inputShape, tried, built, times } = pending.shift()!;
      const fastest = fastestOf(times);
      built.forEach((b, i) => i !== fastest && b.dispose());
      const fakeQuant = !codes && plan.outputQuant !== null ? toU8Grid(plan.outputQuant) : null;
      const chosen = fakeQuant === null ? built[fastest]! : withFakeQuant(built[fastest]!, output, fakeQuant);
      steps.push({ plan, step: chosen, option: tried[fastest]!.name });
      const frameAccess = { input: access(tried[fastest]!, valueOf(plan.inputs[0]!), 0), output: access(tried[fastest]!, output, -1), flat: chosen.flat ?? false };
      layers.push({
        node: plan.node.name, op: plan.node.op, fused: plan.fused, inputShape, outputShape: [...output.shape],
        weights: weightInfo(plan.node), activations: output.dtype, candidates: tried.map((o, i) => ({ kernel: o.name, ms: times[i]! })), chosen: chosen.kernel,
        frames: frameAccess,
      });
    }
  } catch (e) {
    dispose();
    throw e;
  }
  return { activations: opts.activations, values: owned, steps, input, output: valueOf(graph.output), layers, dispose };
}
