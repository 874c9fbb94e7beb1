/**
 * The runtime's kernel registry (STYLE.md §3): each entry implements one op for one activation
 * dtype and one weight format. Planning a node asks for every entry that applies to it, builds
 * each (packing its weights once), times them, and keeps the fastest; so the per-layer choice
 * is a lookup and a measurement, not an `if` chain inside the op.
 */
import type { OpType } from '../graph.js';
import type { PlanNode } from '../plan/fuse.js';
import type { Value } from '../plan/values.js';
import type { FrameUse } from '../plan/frames.js';

export interface StepContext {
  plan: PlanNode;
  inputs: Value[];
  output: Value;
  /** Samples the value buffers hold; `run(n)` takes n ≤ capacity. */
  capacity: number;
}

/** A built kernel for one node: packed weights and scratch, ready to run. */
export interface Step {
  kernel: string;
  run(n: number): void;
  dispose(): void;
  /** Bytes of weights (packed) and scratch this step holds. */
  bytes: number;
  /** The step computes a whole framed plane as one row (qu8.ts, flatApplies). */
  flat?: boolean;
}

export interface KernelEntry {
  op: OpType;
  /** Kernel name as explain() prints it, e.g. 'f32 sparse direct (f32_spmm_32x1)'. */
  name: string;
  dtype: 'f32' | 'qu8';
  weights: 'dense' | 'sparse' | 'none';
  /**
   * The entry computes a conv with its fused 2x2 max pool (PlanNode.pool) in one kernel; it is a
   * candidate only for such nodes, and the other conv entries only for the rest.
   */
  pool2x2?: boolean;
  /**
   * The entry computes a conv with its fused residual add (PlanNode.residual, the add's other
   * input as inputs[1]); likewise a candidate only for such nodes.
   */
  residual?: boolean;
  /** What the entry's kernels can read and write inside halo frames (plan/frames.ts); none if absent. */
  frames?: FrameUse;
  applies(ctx: StepContext): boolean;
  build(ctx: StepContext): Step;
}

const registry: KernelEntry[] = [];

/** Adds an entry; a second entry with the same op and name is a programming error. */
export function registerKernel(entry: KernelEntry): void {
  if (registry.some((e) => e.op === entry.op && e.name === entry.name)) throw new Error(`runtime: kernel '${entry.name}' for ${entry.op} is registered twice`);
  registry.push(entry);
}

export function candidatesFor(ctx: StepContext): KernelEntry[] {
  const pooled = ctx.plan.pool !== null, added = ctx.plan.residual !== null;
  return registry.filter((e) => e.op === ctx.plan.node.op && (e.pool2x2 ?? false) === pooled && (e.residual ?? false) === added && e.applies(ctx));
}
