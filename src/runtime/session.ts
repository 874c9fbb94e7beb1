/**
 * Runs a compressed model. Creating a session decodes and validates the file, packs every
 * layer's weights once into the form its chosen kernel reads (CSR for pruned layers, GEMM
 * panels for dense ones), and picks each layer's kernel by timing the candidates at the
 * session's batch size and thread count. `run` then only computes.
 */
import { KernelProgram, readModelBytes, setThreads, threadCount, wasm } from '../kernels/index.js';
import { SessionError } from './errors.js';
import type { DeployModel, Preprocessing } from './graph.js';
import { decodePqm } from './pqm/pqm-file.js';
import { buildPlan, type LayerChoice, type Plan } from './plan/plan.js';
import { PlanRunner } from './plan/runner.js';
import { samplePixels, timeByTurns, writeSampleInput } from './plan/timing.js';
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
  /**
   * How a batch is shared among the threads: 'layers' splits every kernel call, with a barrier
   * after each; 'images' gives each thread its own share of the images to take through the whole
   * model in its own buffers (the same kernels, packed once per thread), with no barrier at all;
   * 'auto' (default) times both on a full batch and keeps the faster. One thread, a batch
   * smaller than two per thread, or `replay: false` is always 'layers'.
   */
  split?: 'auto' | 'layers' | 'images';
  /**
   * With uint8 activations, run a residual add inside the conv that computes one of its inputs
   * (default true; the planner still times the conv then the add). The fused kernel adds before
   * rounding the conv's output onto its grid: a block's codes within one step of the unfused ones.
   */
  fuseResidual?: boolean;
  /**
   * With uint8 activations, hold the values that padded direct convs read inside a halo of their
   * zero point, written in place by the kernel that computes them, so no run pads a copy
   * (default true; the same kernels and codes either way).
   */
  frames?: boolean;
}

/**
 * A compressed model ready to run: create once (decodes, packs, picks kernels), run many times.
 * @example
 * const session = await Session.create('lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]); // raw pixels in [0, 1]
 * await session.release();
 */
export class Session {
  private runners: PlanRunner[] | null;
  /** Recorded runs per split and batch size (a few: usually the capacity and 1). */
  private readonly programs = new Map<string, KernelProgram[]>();
  private splitMode: 'layers' | 'images' = 'layers';

  private constructor(readonly model: DeployModel, runners: PlanRunner[], readonly capacity: number, private readonly replay: boolean) {
    this.runners = runners;
  }

  /** Bytes the session holds: activation buffers, packed weights and per-step scratch, per runner (0 once released). */
  get memoryBytes(): number {
    return this.runners?.reduce((s, r) => s + r.bytes, 0) ?? 0;
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
    const split = opts.split ?? 'auto';
    if (!['auto', 'layers', 'images'].includes(split)) throw new SessionError(`Session: split must be 'auto', 'layers' or 'images', got '${String(split)}'`);
    const quantized = model.inputQuant !== null || model.nodes.some((n) => n.outputQuant !== null);
    const wanted = opts.activations ?? 'auto';
    const modes: ('u8' | 'f32')[] = !quantized ? ['f32'] : wanted === 'auto' ? ['u8', 'f32'] : [wanted];
    const sessions: Session[] = [];
    try {
      for (const activations of modes) sessions.push(Session.planned(model, activations, capacity, split, opts));
    } catch (e) {
      for (const s of sessions) s.dispose();
      throw e;
    }
    return Session.fastest(sessions);
  }

  /**
   * The faster of sessions planned on uint8 and on float32 activations, timed as they will run
   * (all threads, their split) by turns; the others are released. Whole sessions, not single
   * plans on one thread: LeNet-5 at 95% int8 took 0.124 ms a batch on one thread either way, but
   * split over two threads the float32 plan ran 1.3x faster. Rounds until 300 ms have passed (at
   * least 5, at most 40): a small model's batch takes a fraction of a millisecond, and in a fresh
   * process the engine swaps in optimized code for each kernel only after some calls.
   */
  private static fastest(sessions: Session[]): Session {
    if (sessions.length === 1) return sessions[0]!;
    let best: number[];
    try {
      best = timeByTurns(sessions.map((s) => s.sampleBatch()), { runs: 5, maxRuns: 40, budgetMs: 300 });
    } catch (e) {
      for (const s of sessions) s.dispose();
      throw e;
    }
    const k = best.indexOf(Math.min(...best));
    sessions.forEach((s, i) => i !== k && s.dispose());
    return sessions[k]!;
  }

  /** A session on one kind of activations: its plan, a runner per thread and its split. */
  private static planned(model: DeployModel, activations: 'u8' | 'f32', capacity: number, split: 'auto' | 'layers' | 'images', opts: SessionOptions): Session {
    const planOptions = { choose: opts.choose ?? 'time', kernels: opts.kernels ?? {}, timingRuns: opts.timingRuns ?? 3, fuseResidual: opts.fuseResidual ?? true, frames: opts.frames ?? true } as const;
    const plan = buildPlan(model, { ...planOptions, capacity, activations }, (input) => writeSampleInput(input, capacity));
    const session = new Session(model, [new PlanRunner(plan, model, capacity)], capacity, opts.replay ?? true);
    const threads = threadCount();
    if (split !== 'layers' && session.replay && threads > 1 && capacity >= 2 * threads) {
      // One more runner per thread, for its share of a batch, with the kernels just chosen.
      const share = Math.ceil(capacity / threads);
      const kernels = Object.fromEntries(plan.steps.map((s) => [s.plan.node.name, s.option]));
      try {
        for (let t = 1; t < threads; t++) {
          const p = buildPlan(model, { ...planOptions, choose: 'first', kernels, timingRuns: 1, capacity: share, activations }, (input) => writeSampleInput(input, share));
          session.runners!.push(new PlanRunner(p, model, share));
        }
      } catch (e) {
        session.dispose();
        throw e;
      }
      session.splitMode = 'images';
      if (split === 'auto') session.splitMode = session.fasterSplit();
      if (session.splitMode === 'layers') {
        for (const r of session.runners!.splice(1)) r.dispose();
        session.dropPrograms();
      }
    }
    return session;
  }

  /** One full batch of sample pixels through the session as it will run (threads, split). */
  private sampleBatch(): () => void {
    const pixels = samplePixels(this.capacity * this.model.inputShape.reduce((a, b) => a * b, 1));
    const out = new Float32Array(this.capacity * this.outputSize);
    return () => this.runChunk(pixels, this.capacity, out, 0);
  }

  /** Times full batches of sample pixels split by layers and by images, by turns; the faster. */
  private fasterSplit(): 'layers' | 'images' {
    const batch = this.sampleBatch();
    const run = (mode: 'layers' | 'images') => () => {
      this.splitMode = mode;
      batch();
    };
    const [layers, images] = timeByTurns([run('layers'), run('images')], { runs: 5, maxRuns: 40, budgetMs: 300 });
    return images! < layers! ? 'images' : 'layers';
  }

  /** How batches are shared among threads now: see SessionOptions.split. */
  get split(): 'layers' | 'images' {
    return this.splitMode;
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
    if (this.runners === null) throw new SessionError('Session: used after release()');
    return this.runners[0]!.plan;
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
    const result = new Float32Array(n * plan.output.size);
    for (let start = 0; start < n; start += this.capacity) {
      const m = Math.min(this.capacity, n - start);
      this.runChunk(input.subarray(start * per, (start + m) * per), m, result, start);
    }
    return result;
  }

  /**
   * Runs m ≤ capacity samples and writes their outputs into `result` from sample `at` on. Split
   * by images, thread t takes its share through runner t; by layers, runner 0 takes them all.
   * Each (split, m) is recorded on its first run and replayed from then on.
   */
  private runChunk(pixels: Float32Array, m: number, result: Float32Array, at: number): void {
    const runners = this.runners!;
    const outSize = runners[0]!.plan.output.size, per = pixels.length / m;
    const byImages = this.splitMode === 'images' && m >= runners.length;
    const shares = byImages ? runners.map((_, t) => Math.floor(m / runners.length) + (t < m % runners.length ? 1 : 0)) : [m];
    const firsts = shares.map((_, t) => shares.slice(0, t).reduce((a, b) => a + b, 0));
    shares.forEach((k, t) => runners[t]!.stage(pixels.subarray(firsts[t]! * per, (firsts[t]! + k) * per)));
    const key = `${byImages ? 'images' : 'layers'} ${m}`;
    const recorded = this.programs.get(key);
    if (recorded !== undefined && recorded.every((p) => p.valid)) {
      if (byImages) KernelProgram.runPerThread(recorded);
      else recorded[0]!.run();
    } else {
      recorded?.forEach((p) => p.dispose());
      this.programs.delete(key);
      if (!this.replay) {
        shares.forEach((k, t) => runners[t]!.run(k));
      } else {
        const programs = shares.map((k, t) => KernelProgram.record(() => runners[t]!.run(k), byImages ? { threads: 1 } : {}));
        if (programs.every((p) => p !== null)) this.keepPrograms(key, programs as KernelProgram[]);
        else programs.forEach((p) => p?.dispose());
      }
    }
    const heap = wasm().heap;
    shares.forEach((k, t) => result.set(heap.f32(runners[t]!.outputPtr(), k * outSize), (at + firsts[t]!) * outSize));
  }

  private keepPrograms(key: string, programs: KernelProgram[]): void {
    if (this.programs.size >= 8) {
      const [oldest, ps] = this.programs.entries().next().value!;
      ps.forEach((p) => p.dispose());
      this.programs.delete(oldest);
    }
    this.programs.set(key, programs);
  }

  private dropPrograms(): void {
    for (const ps of this.programs.values()) ps.forEach((p) => p.dispose());
    this.programs.clear();
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
      const framed = [l.frames.input ? 'input read in place' : '', l.frames.output ? 'output written in place' : '', l.frames.flat ? 'planes as one row' : '']
        .filter((t) => t).join(', ');
      return `${l.node.padEnd(10)} ${l.op.padEnd(13)} [${l.inputShape.join('x')}] -> [${l.outputShape.join('x')}] ${l.fused.length ? `+${l.fused.join('+')} ` : ''}${weights}\n    candidates: ${cands}\n    chosen: ${l.chosen}${framed ? `\n    frames: ${framed}` : ''}`;
    });
    const acts = this.model.inputQuant !== null || this.model.nodes.some((n) => n.outputQuant !== null) ? `, quantized activations held as ${this.activations === 'u8' ? 'uint8 codes' : 'float32 on their grids'}` : '';
    const split = this.split === 'images' ? ', each thread its own share of a batch' : '';
    return `batch ${this.capacity}, ${threadCount()} thread(s)${split}${acts}\n${rows.join('\n')}`;
  }

  /** Frees the packed weights and buffers; the session cannot run afterwards. */
  async release(): Promise<void> {
    this.dispose();
  }

  dispose(): void {
    this.dropPrograms();
    this.runners?.forEach((r) => r.dispose());
    this.runners = null;
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
