/**
 * A model is a DAG of named layers over one input; a sequential model is the chain case.
 * Nodes are kept in topological order (checked when the model is built), so forward is a
 * single pass.
 */
import { Tensor, createRng } from '../tensor/index.js';
import { Layer, type ForwardContext, type LayerConfig } from './layer.js';
import { layerFromConfig } from './layers/registry.js';
import type { Param } from './param.js';

export const INPUT = 'input';

export interface ModelNode {
  name: string;
  layer: Layer;
  /** Names of earlier nodes, or INPUT. */
  inputs: string[];
  /** Applied to the node's output before later nodes read it (activation fake quantization, observers). */
  outputHook?: ((y: Tensor) => Tensor) | undefined;
}

export interface ModelConfig {
  name: string;
  /** [c, h, w] of one sample. */
  inputShape: [number, number, number];
  nodes: { name: string; layer: LayerConfig; inputs: string[] }[];
}

export class Model {
  private readonly byName = new Map<string, ModelNode>();

  constructor(readonly name: string, readonly inputShape: [number, number, number], readonly nodes: ModelNode[]) {
    if (nodes.length === 0) throw new Error(`model ${name}: has no layers`);
    const seen = new Set([INPUT]);
    // One layer instance in two nodes would share (and double-count) its params and hold one name.
    const owner = new Map<Layer, string>();
    for (const node of nodes) {
      if (seen.has(node.name)) throw new Error(`model ${name}: duplicate node name '${node.name}'`);
      const first = owner.get(node.layer);
      if (first !== undefined) {
        throw new Error(`model ${name}: node '${node.name}' uses the same ${node.layer.constructor.name} instance as node '${first}'; give each node its own layer`);
      }
      owner.set(node.layer, node.name);
      for (const i of node.inputs) {
        if (!seen.has(i)) throw new Error(`model ${name}: node '${node.name}' reads '${i}', which is not an earlier node or '${INPUT}'`);
      }
      if (node.inputs.length === 0) throw new Error(`model ${name}: node '${node.name}' has no inputs`);
      seen.add(node.name);
      node.layer.name = node.name;
      this.byName.set(node.name, node);
    }
  }

  /**
   * Chains layers, naming them by index.
   * @example const m = Model.sequential('tiny', [1, 28, 28], [new Flatten(), new Linear({ inFeatures: 784, outFeatures: 10 })]);
   */
  static sequential(name: string, inputShape: [number, number, number], layers: Layer[]): Model {
    return new Model(name, inputShape, layers.map((layer, i) => ({ name: String(i), layer, inputs: [i === 0 ? INPUT : String(i - 1)] })));
  }

  static fromConfig(config: ModelConfig): Model {
    return new Model(config.name, config.inputShape, config.nodes.map((n) => ({ name: n.name, inputs: n.inputs, layer: layerFromConfig(n.layer, `model ${config.name}, node '${n.name}'`) })));
  }

  config(): ModelConfig {
    return { name: this.name, inputShape: this.inputShape, nodes: this.nodes.map((n) => ({ name: n.name, layer: n.layer.config(), inputs: n.inputs })) };
  }

  /** Installs (or with null removes) a hook on a node's output. */
  setOutputHook(name: string, hook: ((y: Tensor) => Tensor) | null): void {
    const node = this.byName.get(name);
    if (node === undefined) throw new Error(`model ${this.name}: no node named '${name}'`);
    node.outputHook = hook ?? undefined;
  }

  node(name: string): ModelNode | undefined {
    return this.byName.get(name);
  }

  /** Runs the graph on a batch [n, c, h, w]; returns the last node's output. */
  forward(x: Tensor, ctx: Partial<ForwardContext> = {}): Tensor {
    const [c, h, w] = this.inputShape;
    if (x.rank !== 4 || x.shape[1] !== c || x.shape[2] !== h || x.shape[3] !== w) {
      throw new Error(`model ${this.name}: input has shape [${x.shape.join(', ')}], expected [n, ${c}, ${h}, ${w}]`);
    }
    const full: ForwardContext = { training: ctx.training ?? false, rng: ctx.rng ?? createRng(0) };
    const values = new Map<string, Tensor>([[INPUT, x]]);
    let out = x;
    for (const node of this.nodes) {
      out = node.layer.forward(node.inputs.map((i) => values.get(i)!), full);
      if (node.outputHook) out = node.outputHook(out);
      values.set(node.name, out);
    }
    return out;
  }

  /** Params by path ('<node>.<param>'), in a stable order. */
  namedParams(): [string, Param][] {
    return this.nodes.flatMap((n) => Object.entries(n.layer.params()).map(([k, p]) => [`${n.name}.${k}`, p] as [string, Param]));
  }

  params(): Param[] {
    return this.namedParams().map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    return this.nodes.flatMap((n) => Object.entries(n.layer.buffers()).map(([k, b]) => [`${n.name}.${k}`, b] as [string, Tensor]));
  }

  /** Total number of trainable values. */
  paramCount(): number {
    return this.params().reduce((s, p) => s + p.size, 0);
  }

  zeroGrad(): void {
    for (const p of this.params()) p.zeroGrad();
  }

  dispose(): void {
    for (const n of this.nodes) n.layer.dispose();
  }
}
