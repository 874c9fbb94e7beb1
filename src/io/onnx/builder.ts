/** Small constructors for ONNX models, for exporters and tests. */
import { dataTypeOfArray, type OnnxDataType, type OnnxTensorData } from './data-types.js';
import type {
  OnnxAttribute, OnnxDim, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo,
} from './types.js';

/** Explicitly typed attribute values, for when the shorthand in `makeNode` would guess wrong
 * (a float attribute whose value happens to be integral, such as alpha = 1). */
export const attr = {
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  int: (value: number): OnnxAttribute => ({ type: 'int', value }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
  tensor: (value: OnnxTensor): OnnxAttribute => ({ type: 'tensor', value }),
  graph: (value: OnnxGraph): OnnxAttribute => ({ type: 'graph', value }),
  floats: (value: number[]): OnnxAttribute => ({ type: 'floats', value }),
  ints: (value: number[]): OnnxAttribute => ({ type: 'ints', value }),
  strings: (value: string[]): OnnxAttribute => ({ type: 'strings', value }),
};

/** Shorthand attribute values: a number is an int when integral and a float otherwise, a
 * number array is ints when every entry is integral (floats otherwise, and [] is ints),
 * strings and tensors are what they look like. Pass `attr.float(1)` to force a type. */
export type AttributeInput = number | string | number[] | string[] | OnnxTensor | OnnxAttribute;

function isAttribute(v: object): v is OnnxAttribute {
  return 'type' in v && 'value' in v && !('dims' in v);
}

export function toAttribute(name: string, v: AttributeInput): OnnxAttribute {
  if (typeof v === 'number') return Number.isInteger(v) ? attr.int(v) : attr.float(v);
  if (typeof v === 'string') return attr.string(v);
  if (Array.isArray(v)) {
    if (v.every((x): x is string => typeof x === 'string') && v.length > 0) return attr.strings(v as string[]);
    const nums = v as number[];
    if (nums.some((x) => typeof x !== 'number')) throw new TypeError(`attribute '${name}': mixed array ${JSON.stringify(v)}`);
    return nums.every(Number.isInteger) ? attr.ints(nums) : attr.floats(nums);
  }
  if (isAttribute(v)) return v;
  return attr.tensor(v);
}

export interface NodeOptions {
  name?: string;
  domain?: string;
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttributeInput> = {},
  options: NodeOptions = {},
): OnnxNode {
  const attributes: Record<string, OnnxAttribute> = {};
  for (const [name, value] of Object.entries(attrs)) attributes[name] = toAttribute(name, value);
  const node: OnnxNode = { opType, name: options.name ?? '', inputs, outputs, attributes };
  if (options.domain !== undefined) node.domain = options.domain;
  return node;
}

/** A tensor; the element type follows the array (Float32Array is 'float', BigInt64Array
 * 'int64', ...) unless given. A plain number array becomes float. */
export function makeTensor(
  name: string,
  dims: number[],
  data: OnnxTensorData | number[],
  dataType?: OnnxDataType,
): OnnxTensor {
  const array = Array.isArray(data) ? Float32Array.from(data) : data;
  let count = 1;
  for (const d of dims) count *= d;
  if (count !== array.length) {
    throw new RangeError(`makeTensor '${name}': dims [${dims}] hold ${count} elements, data has ${array.length}`);
  }
  return { name, dims: [...dims], dataType: dataType ?? dataTypeOfArray(array), data: array };
}

/** A graph input or output. Omit `dims` for unknown rank; use strings for symbolic sizes. */
export function makeValueInfo(name: string, dims?: OnnxDim[], elemType: OnnxDataType = 'float'): OnnxValueInfo {
  return dims === undefined ? { name, elemType } : { name, elemType, dims: [...dims] };
}

export interface GraphParts {
  name?: string;
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: OnnxTensor[];
}

export function makeGraph(parts: GraphParts): OnnxGraph {
  return {
    name: parts.name ?? 'graph',
    nodes: parts.nodes,
    inputs: parts.inputs,
    outputs: parts.outputs,
    initializers: parts.initializers ?? [],
  };
}

export interface ModelOptions {
  /** Default ONNX operator set version; default 17. */
  opset?: number;
  /** Other operator sets, such as { domain: 'com.microsoft', version: 1 }. */
  extraOpsets?: { domain: string; version: number }[];
  /** Default 8, the IR version that goes with opset 17. */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
}

export function makeModel(graph: OnnxGraph, options: ModelOptions = {}): OnnxModel {
  const model: OnnxModel = {
    irVersion: options.irVersion ?? 8,
    opsetImports: [{ domain: '', version: options.opset ?? 17 }, ...(options.extraOpsets ?? [])],
    producerName: options.producerName ?? 'prunequant',
    graph,
  };
  if (options.producerVersion !== undefined) model.producerVersion = options.producerVersion;
  return model;
}
