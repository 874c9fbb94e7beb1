/**
 * Runs a compressed model. Creating a session decodes and validates the file, packs every
 * layer's weights once into the form its chosen kernel reads (CSR for pruned layers, GEMM
 * panels for dense ones), and picks each layer's kernel by timing the candidates at the
 * session's batch size and thread count. `run` then only computes.
 */
import { KernelProgram, parallel, readModelBytes, setThreads, threadCount, wasm } from '../kernels/index.js';
import { SessionError } from './errors.js';
import type { DeployModel, Preprocessing } from './graph.js';
import { decodePqm } from './pqm/pqm-file.js';
import { buildPlan, type LayerChoice, type Plan } from './plan/plan.js';
import { toU8Grid, type Value } from './plan/values.js';
import './ops/conv-f32.js';
import './ops/pointwise-f32.js';
import './ops/qu8.js';

export interface SessionOptions {
  /** Kernel threads (process-wide, as setThreads). Default: leave the current setting. */
  threads?: number;
  /** Largest batch one call computes at once, and the batch kernels are timed at. Default 32. */
  batch?: number;
  /** 'time' (default) measures each candidate kernel per layer; 'first' takes the first that applies. */
  choose?: 'time' | 'first';
  /** Forces kernels: node name → a substring of the kernel name (see explain()). */
  kernels?: Record<string, string>;
  /** Timed runs per candidate; default 3. */
  timingRuns?: number;
  /**
   * For a model with quantized activations: hold them as uint8 codes ('u8'), or as float32 put on
   * their grids in place ('f32'); 'auto' (default) plans both and keeps the faster whole model.
   */
  activations?: 'auto' | 'u8' | 'f32';
  /** Names the model in errors when bytes are given. */
  name?: string;
  /**
   * Replay each batch size's kernel calls as one recorded pool job (default true), instead of
   * dispatching them one by one; the same calls, so the same results (see KernelProgram).
   */
  replay?: boolean;
}

/**
 * A compressed model ready to run: create once (decodes, packs, picks kernels), run many times.
 * @example
 * const session = await Session.create('lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]); // raw pixels in [0, 1]
 * await session.release();
 */
export class Session {
  private plan: Plan | null;
  /** Bytes the plan holds: activation buffers, packed weights and per-step scratch. */
  readonly memoryBytes: number;

  /** Recorded runs per batch size (a few: usually the capacity and 1). */
  private readonly programs = new Map<number, KernelProgram>();

  private constructor(readonly model: DeployModel, plan: Plan, memoryBytes: number, readonly capacity: number, private readonly replay: boolean) {
    this.plan = plan;
    this.memoryBytes = memoryBytes;
  }

  /**
   * @example const s = await Session.create('model.pqm', { threads: 2 });
   * const logits = await s.run(pixels, [n, 1, 28, 28]);
   */
  static async create(source: string | URL | Uint8Array | DeployModel, opts: SessionOptions = {}): Promise<Session> {
    let model: DeployModel;
    if (typeof source === 'string' || source instanceof URL) {
      // A path or file: URL in Node; an http(s) URL anywhere (fetched).
      const name = String(source);
      let bytes: Uint8Array;
      try {
        bytes = await readModelBytes(source);
      } catch (e) {
        throw new SessionError(`${name}: cannot read the model (${(e as Error).message})`);
      }
      model = decodePqm(bytes, name);
    } else if (source instanceof Uint8Array) {
      model = decodePqm(source, opts.name ?? '.pqm bytes');
    } else {
      model = source;
    }
    return Session.fromModel(model, opts);
  }

  /** Plans a decoded model synchronously. */
  static fromModel(model: DeployModel, opts: SessionOptions = {}): Session {
    if (opts.threads !== undefined) setThreads(opts.threads);
    const capacity = opts.batch ?? 32;
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new SessionError(`Session: batch must be a positive integer, got ${capacity}`);
    const quantized = model.inputQuant !== null || model.nodes.some((n) => n.outputQuant !== null);
    const wanted = opts.activations ?? 'auto';
    const modes: ('u8' | 'f32')[] = !quantized ? ['f32'] : wanted === 'auto' ? ['u8', 'f32'] : [wanted];
    const plan = fastest(modes.map((activations) => () => buildPlan(model, {
      capacity, choose: opts.choose ?? 'time', kernels: opts.kernels ?? {}, timingRuns: opts.timingRuns ?? 3, activations,
    }, (input) => writeSampleInput(input, capacity))), capacity);
    // What the session holds: its activation buffers and each chosen step's packed weights and
    // scratch. The per-thread GEMM scratch is shared by every session, so it is not counted.
    const memory = plan.values.reduce((s, v) => s + v.stride * capacity, 0) + plan.steps.reduce((s, x) => s + x.step.bytes, 0);
    return new Session(model, plan, memory, capacity, opts.replay ?? true);
  }

  get inputShape(): [number, number, number] {
    return this.model.inputShape;
  }

  get preprocessing(): Preprocessing {
    return this.model.preprocessing;
  }

  /** Values per sample in the output (classes, for a classifier). */
  get outputSize(): number {
    return this.live().output.size;
  }

  private live(): Plan {
    if (this.plan === null) throw new SessionError('Session: used after release()');
    return this.plan;
  }

  /**
   * Runs the model on raw pixels (in the range the preprocessing names, [0, 1] for our
   * datasets); the session standardizes them. Returns n × outputSize floats.
   */
  async run(input: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    return this.runSync(input, shape);
  }

  /** `run` without the promise, for Node callers that measure latency. */
  runSync(input: Float32Array, shape: readonly number[]): Float32Array {
    const plan = this.live();
    const [c, h, w] = this.model.inputShape;
    const nhwc = this.model.preprocessing.layout === 'nhwc';
    const want = nhwc ? [h, w, c] : [c, h, w];
    if (shape.length !== 4 || shape[1] !== want[0] || shape[2] !== want[1] || shape[3] !== want[2] || !Number.isInteger(shape[0]) || shape[0]! < 0) {
      throw new SessionError(`Session.run: shape [${shape.join(', ')}], the model takes [n, ${want.join(', ')}] (${nhwc ? 'NHWC' : 'NCHW'})`);
    }
    const n = shape[0]!, per = c * h * w;
    if (input.length !== n * per) throw new SessionError(`Session.run: ${input.length} values for shape [${shape.join(', ')}] (${n * per} expected)`);
    if (nhwc) input = nhwcToNchw(input, n, c, h * w);
    const outSize = plan.output.size;
    const result = new Float32Array(n * outSize);
    for (let start = 0; start < n; start += this.capacity) {
      const m = Math.min(this.capacity, n - start);
      this.stageInput(input.subarray(start * per, (start + m) * per));
      this.runSteps(plan, m);
      result.set(wasm().heap.f32(this.outputFloats(), m * outSize), start * outSize);
    }
    return result;
  }

  /**
   * The input's preparation and the plan's steps at batch n: the first time as themselves,
   * recording their kernel calls, then as one replayed pool job.
   */
  private runSteps(plan: Plan, n: number): void {
    const recorded = this.programs.get(n);
    if (recorded?.valid) return recorded.run();
    recorded?.dispose();
    this.programs.delete(n);
    const body = () => {
      this.prepareInput(n);
      for (const { step } of plan.steps) step.run(n);
      const out = plan.output;
      if (out.dtype === 'u8') parallel('qu8_dequantize', [out.ptr, this.outputFloats(), out.grid!.scale, out.grid!.zeroPoint], n * out.size, { grain: 16, minPerThread: 1 << 14 });
    };
    if (!this.replay) return body();
    const program = KernelProgram.record(body);
    if (program === null) return;
    if (this.programs.size >= 4) {
      const [oldest, p] = this.programs.entries().next().value!;
      p.dispose();
      this.programs.delete(oldest);
    }
    this.programs.set(n, program);
  }

  /**
   * Copies a batch of raw pixels into the session's staging buffer: the input value itself when
   * it holds float32, else a float32 scratch that `prepareInput` quantizes from.
   */
  private stageInput(pixels: Float32Array): void {
    const v = this.live().input;
    const staging = v.dtype === 'f32' ? v.ptr : this.inputScratchPtr(pixels.length);
    wasm().heap.f32(staging, pixels.length).set(pixels);
  }

  /**
   * Standardizes the staged batch, and puts it on the input's grid when the model quantizes its
   * input. Kernel calls only, so a recorded run replays them with the steps. A quantized input
   * is standardized in float64 as the training batches were, (x − mean) · (1 / std) rounded to
   * float32 (f32_standardize), so it lands on the grid codes the simulation saw; then a kernel
   * puts it on its grid (the same division and rounding as quantizeValue).
   */
  private prepareInput(n: number): void {
    const v = this.live().input;
    const [c, h, w] = this.model.inputShape;
    const plane = h * w;
    const q = this.model.inputQuant;
    const { scale, shift, mean, invStd } = this.inputConstants();
    if (v.dtype === 'f32' && q === null) {
      parallel('f32_channel_affine', [v.ptr, scale, shift, v.ptr, n, c, plane], n * c, { minPerThread: 16 });
      return;
    }
    const g = toU8Grid(q!);
    const floats = v.dtype === 'f32' ? v.ptr : this.inputScratchPtr(n * c * plane);
    parallel('f32_standardize', [floats, mean, invStd, floats, c, plane], n * c, { minPerThread: 16 });
    const kernel = v.dtype === 'f32' ? 'qu8_fake_quantize' : 'qu8_quantize';
    parallel(kernel, [floats, v.ptr, g.scale, g.zeroPoint], n * v.size, { grain: 16, minPerThread: 1 << 14 });
  }

  /** Where a run's float32 output is: the output value, or a buffer its uint8 codes are dequantized into. */
  private outputFloats(): number {
    const out = this.live().output;
    if (out.dtype === 'f32') return out.ptr;
    if (this.outputScratch === 0) this.outputScratch = wasm().heap.alloc(4 * this.capacity * out.size);
    return this.outputScratch;
  }

  private outputScratch = 0;
  private inputScratch = 0;
  private inputScratchPtr(elements: number): number {
    const need = this.capacity * this.model.inputShape.reduce((a, b) => a * b, 1);
    if (elements > need) throw new SessionError(`Session: ${elements} input values for a batch capacity of ${this.capacity}`);
    if (this.inputScratch === 0) this.inputScratch = wasm().heap.alloc(4 * need);
    return this.inputScratch;
  }

  /** Per channel, written once: float32 1/std and −mean/std, float64 mean and 1/std. */
  private constants = 0;
  private inputConstants(): { scale: number; shift: number; mean: number; invStd: number } {
    const c = this.model.inputShape[0];
    const { mean, std } = this.model.preprocessing;
    const heap = wasm().heap;
    if (this.constants === 0) {
      this.constants = heap.alloc(24 * c);
      const f32 = heap.f32(this.constants, 2 * c);
      const f64 = new Float64Array(heap.memory.buffer, this.constants + 8 * c, 2 * c);
      for (let ch = 0; ch < c; ch++) {
        f32[ch] = 1 / std[ch]!;
        f32[c + ch] = -mean[ch]! / std[ch]!;
        f64[ch] = mean[ch]!;
        f64[c + ch] = 1 / std[ch]!;
      }
    }
    return { scale: this.constants, shift: this.constants + 4 * c, mean: this.constants + 8 * c, invStd: this.constants + 16 * c };
  }

  /**
   * Kernel threads this session runs on now, as the browser Session reports it. In Node the
   * pool is process-wide, so another session's `threads` option or setThreads changes it.
   */
  get threads(): number {
    return threadCount();
  }

  /** How this session holds quantized activations (see SessionOptions.activations). */
  get activations(): 'u8' | 'f32' {
    return this.live().activations;
  }

  /** Per layer: shapes, sparsity, bits, the candidate kernels with their timings, and the choice. */
  explain(): LayerChoice[] {
    return this.live().layers;
  }

  /** explain() as a table for a terminal. */
  explainText(): string {
    const rows = this.explain().map((l) => {
      const w = l.weights;
      const weights = w ? `${(100 * w.sparsity).toFixed(1)}% zero, ${w.bits === null ? 'f32' : `${w.bits}-bit`}` : '';
      const cands = l.candidates.map((c) => `${c.kernel}${c.ms === null ? '' : ` ${c.ms.toFixed(3)} ms`}`).join('; ');
      return `${l.node.padEnd(10)} ${l.op.padEnd(13)} [${l.inputShape.join('x')}] -> [${l.outputShape.join('x')}] ${l.fused.length ? `+${l.fused.join('+')} ` : ''}${weights}\n    candidates: ${cands}\n    chosen: ${l.chosen}`;
    });
    const acts = this.model.inputQuant !== null || this.model.nodes.some((n) => n.outputQuant !== null) ? `, quantized activations held as ${this.activations === 'u8' ? 'uint8 codes' : 'float32 on their grids'}` : '';
    return `batch ${this.capacity}, ${threadCount()} thread(s)${acts}\n${rows.join('\n')}`;
  }

  /** Frees the packed weights and buffers; the session cannot run afterwards. */
  async release(): Promise<void> {
    this.dispose();
  }

  dispose(): void {
    for (const p of this.programs.values()) p.dispose();
    this.programs.clear();
    this.plan?.dispose();
    this.plan = null;
    if (this.constants !== 0) wasm().heap.free(this.constants);
    this.constants = 0;
    if (this.inputScratch !== 0) wasm().heap.free(this.inputScratch);
    this.inputScratch = 0;
    if (this.outputScratch !== 0) wasm().heap.free(this.outputScratch);
    this.outputScratch = 0;
  }
}

/**
 * Builds each plan, times whole batches through them by turns (as the planner times kernels),
 * keeps the fastest and frees the others.
 */
function fastest(builders: (() => Plan)[], capacity: number): Plan {
  const plans: Plan[] = [];
  try {
    for (const build of builders) plans.push(build());
  } catch (e) {
    for (const p of plans) p.dispose();
    throw e;
  }
  if (plans.length === 1) return plans[0]!;
  const best = plans.map(() => Infinity);
  for (let r = 0; r < 3; r++) {
    plans.forEach((plan, i) => {
      const t0 = performance.now();
      for (const { step } of plan.steps) step.run(capacity);
      best[i] = Math.min(best[i]!, performance.now() - t0);
    });
  }
  const k = best.indexOf(Math.min(...best));
  plans.forEach((p, i) => i !== k && p.dispose());
  return plans[k]!;
}

/** A deterministic batch in [0, 1] for timing the kernels on realistic activations. */
function writeSampleInput(input: Value, capacity: number): void {
  const heap = wasm().heap;
  let s = 0x9e3779b9;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const count = capacity * input.size;
  if (input.dtype === 'f32') {
    const v = heap.f32(input.ptr, count);
    for (let i = 0; i < count; i++) v[i] = next() * 2 - 0.5;
  } else {
    const v = heap.u8(input.ptr, count);
    for (let i = 0; i < count; i++) v[i] = Math.floor(next() * 256);
  }
}

/** Samples given as [n, h, w, c] in the graph's [n, c, h, w] order. */
function nhwcToNchw(x: Float32Array, n: number, c: number, plane: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    const base = i * c * plane;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = x[base + p * c + k]!;
  }
  return out;
}
