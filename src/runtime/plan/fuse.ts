/**
 * Graph rewrites before planning, each exact in real arithmetic:
 * - a BatchNorm whose input is a conv read by nothing else folds into that conv's weights and
 *   bias (w' = w · scale[oc], b' = b · scale + shift), so it costs nothing at run time;
 * - a ReLU or ReLU6 whose input is a conv, linear or residual add read by nothing else becomes
 *   that node's clamp epilogue;
 * - a 2x2 stride-2 MaxPool2d without padding whose input is a conv read by nothing else joins
 *   that conv (`pool`): kernels that take the window max on their accumulators never store the
 *   conv output, and the planner still times the conv then the pool as a candidate;
 * - Flatten is a view: NCHW is already the flattened order of each sample.
 * - (option `residual`) a two-input Add, one of whose inputs is a conv read by nothing else and
 *   planned last, joins that conv (`residual`): the add's other input is then computed before
 *   the conv runs (in ResNet, the block input or the shortcut conv), and kernels that read it in
 *   their epilogue never store the conv output; the planner still times the conv then the add.
 *   Where both inputs are such convs (a downsampling block's two branches), the one with the
 *   finer output grid joins it, planned after the other.
 *   A ReLU after the add becomes the node's clamp, after the add.
 * Fusion never crosses a quantized output: the quantization point must stay where training put it.
 * Max pooling keeps its input's grid, so it joins a quantized conv where it does not requantize.
 * The residual add is the one exception, and a bounded one: the conv's grid stays known
 * (`residual.convQuant`); the fused kernel clamps to its range but does not round onto it, which
 * it may do only where a conv step is at most an output step (qu8.ts), so the codes stay within
 * one step of the unfused pair's; conv then add, also timed, keeps the point exactly.
 */
import {
  weightValues, type ActivationQuant, type ConvNode, type DeployModel, type GraphNode, type LinearNode, type PoolNode, type WeightTensor,
} from '../graph.js';

export interface Clamp {
  min: number;
  max: number;
  /** The fused activation, for explain(). */
  name: string | null;
}

export const NO_CLAMP: Clamp = { min: -Infinity, max: Infinity, name: null };

/** A node of the planned graph: inputs and output are value ids (0: the model input). */
export interface PlanNode {
  node: GraphNode;
  inputs: number[];
  output: number;
  clamp: Clamp;
  /** The quantization of this node's (fused) output. */
  outputQuant: ActivationQuant | null;
  /** Names of the source nodes folded into this one, in order. */
  fused: string[];
  /**
   * A 2x2 stride-2 max pool folded into this conv: `output` is then the pooled value, and
   * `convOutput` the value id the conv alone would write (its shape is the conv's output).
   */
  pool: { node: PoolNode; convOutput: number } | null;
  /**
   * A residual Add folded into this conv: `inputs[1]` is the add's other input, `output` the
   * sum (after `clamp`), `convOutput` the value id the conv alone would write, on `convQuant`,
   * and `convIndex` which of the add's inputs the conv was.
   */
  residual: { node: GraphNode; convOutput: number; convQuant: ActivationQuant | null; convIndex: number } | null;
}

export interface FuseOptions {
  /** Fold residual adds into the conv that computes one of their inputs (see above). */
  residual: boolean;
}

export interface FusedGraph {
  nodes: PlanNode[];
  /** Value ids that alias another value (Flatten): id → the id holding the data. */
  aliasOf: Map<number, number>;
  /** The value the model outputs. */
  output: number;
}

function foldBn(conv: ConvNode, scale: Float32Array, shift: Float32Array): ConvNode {
  const w = conv.weight;
  const size = w.shape.reduce((a, b) => a * b, 1), inner = size / conv.outChannels;
  const vals = Float32Array.from(weightValues(w));
  for (let k = 0; k < vals.length; k++) {
    const oc = Math.floor((w.indices ? w.indices[k]! : k) / inner);
    vals[k] = vals[k]! * scale[oc]!;
  }
  const bias = Float32Array.from(scale, (s, oc) => (conv.bias?.[oc] ?? 0) * s + shift[oc]!);
  const weight: WeightTensor = { shape: w.shape, indices: w.indices, values: vals, codes: null, quant: null };
  return { ...conv, weight, bias };
}

/** MaxPool2d with kernel = stride = 2 and no padding (floor mode), the window the fused kernels take. */
function isMaxPool2x2(node: GraphNode): node is PoolNode {
  return node.op === 'MaxPool2d' && node.kernel.every((k) => k === 2) && node.stride.every((k) => k === 2) && node.pads.every((p) => p === 0);
}

function sameQuant(a: ActivationQuant | null, b: ActivationQuant | null): boolean {
  return a === b || (a !== null && b !== null && a.dtype === b.dtype && a.scale === b.scale && a.zeroPoint === b.zeroPoint);
}

export function fuseGraph(model: DeployModel, opts: FuseOptions = { residual: false }): FusedGraph {
  const readers = new Map<number, number>();
  for (const n of model.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const nodes: PlanNode[] = [];
  const aliasOf = new Map<number, number>();
  // Value id of each source node's output after rewriting (a folded node's id is its producer's).
  const valueOf = new Map<number, number>([[0, 0]]);
  const producer = new Map<number, PlanNode>();
  model.nodes.forEach((node, i) => {
    const id = i + 1;
    const inputs = node.inputs.map((v) => valueOf.get(v)!);
    const src = inputs[0]!;
    const prev = producer.get(src);
    const soleReader = node.inputs.length === 1 && readers.get(node.inputs[0]!) === 1;
    if (opts.residual && node.op === 'Add' && inputs.length === 2 && inputs[0] !== inputs[1]) {
      const takes = (p: PlanNode | undefined): p is PlanNode => p !== undefined && p.node.op === 'Conv2d' && p.pool === null && p.residual === null && p.clamp.name === null;
      const inputIndex = (p: PlanNode | undefined) => inputs.findIndex((v, j) => producer.get(v) === p && readers.get(node.inputs[j]!) === 1);
      // Both inputs from convs planned one after the other, neither reading the other (a
      // downsampling block's two branches): the finer conv takes the add, planned second. The
      // fused kernel applies only where the conv's step is at most the output's (qu8.ts).
      const [before, after] = [nodes.at(-2), nodes.at(-1)];
      if (takes(before) && takes(after) && inputIndex(before) >= 0 && inputIndex(after) >= 0 && !after.inputs.includes(before.output) &&
        before.outputQuant !== null && after.outputQuant !== null && before.outputQuant.scale < after.outputQuant.scale) {
        nodes.splice(-2, 2, after, before);
      }
      // The conv planned last: the add's other input was computed before it.
      const last = nodes.at(-1);
      const convIndex = inputIndex(last);
      if (takes(last) && convIndex >= 0) {
        last.residual = { node, convOutput: last.output, convQuant: last.outputQuant, convIndex };
        last.inputs.push(inputs[1 - convIndex]!);
        last.output = id;
        last.outputQuant = node.outputQuant;
        last.fused.push(node.name);
        producer.set(id, last);
        valueOf.set(id, id);
        return;
      }
    }
    // A pool that would requantize (its own, different grid) stays a node.
    if (prev && soleReader && isMaxPool2x2(node) && prev.node.op === 'Conv2d' && prev.pool === null && prev.residual === null && (node.outputQuant === null || sameQuant(node.outputQuant, prev.outputQuant))) {
      prev.pool = { node, convOutput: prev.output };
      prev.output = id;
      prev.fused.push(node.name);
      producer.set(id, prev);
      valueOf.set(id, id);
      return;
    }
    if (prev && soleReader && prev.outputQuant === null) {
      // Batch norm does not commute with a max (its scale may be negative): no fold past a pool.
      if (node.op === 'BatchNorm2d' && prev.node.op === 'Conv2d' && prev.clamp.name === null && prev.pool === null && prev.residual === null) {
        prev.node = foldBn(prev.node, node.scale, node.shift);
        prev.outputQuant = node.outputQuant;
        prev.fused.push(node.name);
        valueOf.set(id, src);
        return;
      }
      const fusable = node.op === 'Activation' && (node.kind === 'ReLU' || node.kind === 'ReLU6');
      if (fusable && (prev.node.op === 'Conv2d' || prev.node.op === 'Linear' || prev.node.op === 'Add') && prev.clamp.name === null) {
        prev.clamp = node.kind === 'ReLU' ? { min: 0, max: Infinity, name: 'ReLU' } : { min: 0, max: 6, name: 'ReLU6' };
        prev.outputQuant = node.outputQuant;
        prev.fused.push(node.name);
        valueOf.set(id, src);
        return;
      }
    }
    if (node.op === 'Flatten' && node.outputQuant === null) {
      aliasOf.set(id, aliasOf.get(src) ?? src);
      valueOf.set(id, id);
      return;
    }
    const plan: PlanNode = {
      node: node.op === 'Conv2d' || node.op === 'Linear' ? { ...node } as ConvNode | LinearNode : node,
      inputs, output: id, clamp: NO_CLAMP, outputQuant: node.outputQuant, fused: [], pool: null, residual: null,
    };
    nodes.push(plan);
    producer.set(id, plan);
    valueOf.set(id, id);
  });
  return { nodes, aliasOf, output: valueOf.get(model.nodes.length)! };
}
