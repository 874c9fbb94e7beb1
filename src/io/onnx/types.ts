/** The in-memory form of an ONNX model: the subset of onnx.proto that prunequant reads and writes. */
import type { OnnxDataType, OnnxTensorData } from './data-types.js';

/** A constant tensor (initializer, attribute value, or a test-data .pb file). Row-major.
 * `data` is little-endian native storage of `dataType` (see data-types.ts), with
 * `data.length` equal to the product of `dims` (1 for a scalar, dims []). */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: OnnxDataType;
  data: OnnxTensorData;
  /** When set, encoding writes a reference to this file range instead of the data (the caller
   * writes the data file); decoding reads external data through a resolver and leaves it unset. */
  external?: { location: string; offset: number; length: number };
}

/** A dimension: a size, a symbolic name such as 'N', or null when the file gives neither. */
export type OnnxDim = number | string | null;

/** A graph input, output or intermediate value with its tensor type. `dims` is absent when the
 * rank itself is unknown; [] means a scalar. */
export interface OnnxValueInfo {
  name: string;
  elemType: OnnxDataType;
  dims?: OnnxDim[];
}

/** One attribute value, tagged with its AttributeProto type. Integers are int64 in the file;
 * they are numbers here, exact up to 2^53, and INT64_MIN/MAX survive a round trip. */
export type OnnxAttribute =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: OnnxTensor }
  | { type: 'graph'; value: OnnxGraph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: OnnxTensor[] }
  | { type: 'graphs'; value: OnnxGraph[] };

export type OnnxAttributeType = OnnxAttribute['type'];

export interface OnnxNode {
  opType: string;
  /** The operator set domain; absent or '' means the default ONNX domain. */
  domain?: string;
  name: string;
  /** Value names; '' marks an omitted optional input or output. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxGraph {
  name: string;
  /** Topologically sorted, as ONNX requires. */
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: OnnxTensor[];
  /** Types of intermediate values, where the file records them. */
  valueInfo?: OnnxValueInfo[];
  /** GraphProto.doc_string, kept so that a re-export carries it. */
  docString?: string;
}

export interface OnnxOpsetImport {
  /** '' is the default ONNX operator set. */
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: OnnxOpsetImport[];
  producerName: string;
  producerVersion?: string;
  graph: OnnxGraph;
  /** ModelProto fields outside this subset (doc_string, metadata_props, domain, model_version,
   * functions...), each as its raw key and value bytes, written back as they came. */
  extraFields?: Uint8Array[];
}
