/**
 * An ONNX graph assembled step by step, naming intermediate values itself; for exporters and
 * tests that walk a layer list and do not want to invent value names. (The model zoo's
 * `GraphBuilder` in src/nn builds prunequant Models; this one builds ONNX protobuf graphs.)
 */
import { makeGraph, makeNode, makeTensor, makeValueInfo, type AttributeInput, type NodeOptions } from './builder.js';
import type { OnnxDataType, OnnxTensorData } from './data-types.js';
import type { OnnxDim, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './types.js';

export class OnnxGraphBuilder {
  readonly name: string;
  private readonly nodes: OnnxNode[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(name = 'graph') {
    this.name = name;
  }

  /** Declares a graph input; returns its name. */
  input(name: string, dims?: OnnxDim[], elemType: OnnxDataType = 'float'): string {
    this.claim(name);
    this.inputs.push(makeValueInfo(name, dims, elemType));
    return name;
  }

  /** Adds a constant; returns its name. */
  initializer(name: string, dims: number[], data: OnnxTensorData | number[], dataType?: OnnxDataType): string {
    this.claim(name);
    this.initializers.push(makeTensor(name, dims, data, dataType));
    return name;
  }

  /** Adds a node with `outputCount` fresh outputs named `<opType>_<n>`; returns their names. */
  node(opType: string, inputs: string[], attrs: Record<string, AttributeInput> = {},
    options: NodeOptions & { outputCount?: number } = {}): string[] {
    const outputs: string[] = [];
    for (let i = 0; i < (options.outputCount ?? 1); i++) outputs.push(this.fresh(opType.toLowerCase()));
    const { outputCount: _, ...nodeOptions } = options;
    this.nodes.push(makeNode(opType, inputs, outputs, attrs, { name: nodeOptions.name ?? outputs[0], ...nodeOptions }));
    return outputs;
  }

  /** Marks a value as a graph output. */
  output(name: string, dims?: OnnxDim[], elemType: OnnxDataType = 'float'): this {
    this.outputs.push(makeValueInfo(name, dims, elemType));
    return this;
  }

  build(): OnnxGraph {
    return makeGraph({
      name: this.name, nodes: [...this.nodes], inputs: [...this.inputs],
      outputs: [...this.outputs], initializers: [...this.initializers],
    });
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`OnnxGraphBuilder '${this.name}': value name '${name}' is already used`);
    this.used.add(name);
  }

  private fresh(stem: string): string {
    let name: string;
    do name = `${stem}_${this.counter++}`; while (this.used.has(name));
    this.used.add(name);
    return name;
  }
}

/** @example const g = onnxGraphBuilder('cnn'); const [y] = g.node('Relu', [g.input('x', [1, 4])]); g.output(y!); */
export function onnxGraphBuilder(name?: string): OnnxGraphBuilder {
  return new OnnxGraphBuilder(name);
}
