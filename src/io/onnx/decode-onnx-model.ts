/**
 * ModelProto bytes to an OnnxModel. ModelProto fields outside our subset (doc string, metadata,
 * domain, model version, functions, training info...) are kept as raw bytes in `extraFields`,
 * so a model imported and exported again carries them; inside the graph they are skipped, as the
 * importer rebuilds the graph anyway. We extend our own codec rather than adopt a protobuf
 * package: keeping a field is a byte-range copy in a reader we already have, where a generated
 * onnx.proto binding would add a dependency and a second tensor representation. Content we cannot represent faithfully (sparse
 * tensors, non-tensor value types) is an error rather than a silent loss.
 */
import { dataTypeFromCode, type OnnxDataType } from './data-types.js';
import { ProtoReader } from './protobuf.js';
import { readTensor, type ExternalDataResolver } from './tensor-proto.js';
import type {
  OnnxAttribute, OnnxDim, OnnxGraph, OnnxModel, OnnxNode, OnnxOpsetImport, OnnxTensor, OnnxValueInfo,
} from './types.js';

export interface DecodeOptions {
  /** Loads tensors stored outside the file (data_location EXTERNAL); without it they are an error. */
  externalData?: ExternalDataResolver;
}

/** Decodes an ONNX model file. `fileName` only labels error messages. */
export function decodeOnnxModel(bytes: Uint8Array, fileName = '<model>', opts: DecodeOptions = {}): OnnxModel {
  const ext = opts.externalData;
  const extraFields: Uint8Array[] = [];
  const r: ProtoReader = new ProtoReader(bytes, fileName);
  let irVersion = 0;
  let producerName = '';
  let producerVersion: string | undefined;
  let graph: OnnxGraph | undefined;
  const opsetImports: OnnxOpsetImport[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1: irVersion = r.int64(); break;
      case 2: producerName = r.string(); break;
      case 3: producerVersion = r.string(); break;
      case 7: graph = readGraph(r.message(), ext); break;
      case 8: opsetImports.push(readOpsetImport(r.message())); break;
      default: {
        const at = r.fieldStart;
        r.skip();
        extraFields.push(bytes.slice(at, r.pos));
      }
    }
  }
  if (graph === undefined) r.fail('ModelProto has no graph (field 7)');
  const model: OnnxModel = { irVersion, opsetImports, producerName, graph };
  if (extraFields.length > 0) model.extraFields = extraFields;
  if (producerVersion !== undefined) model.producerVersion = producerVersion;
  return model;
}

function readOpsetImport(r: ProtoReader): OnnxOpsetImport {
  let domain = '';
  let version = 0;
  while (r.next()) {
    if (r.field === 1) domain = r.string();
    else if (r.field === 2) version = r.int64();
    else r.skip();
  }
  return { domain, version };
}

function readGraph(r: ProtoReader, ext: ExternalDataResolver | undefined): OnnxGraph {
  const graph: OnnxGraph = { name: '', nodes: [], inputs: [], outputs: [], initializers: [] };
  const valueInfo: OnnxValueInfo[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1: graph.nodes.push(readNode(r.message(), ext)); break;
      case 2: graph.name = r.string(); break;
      case 5: graph.initializers.push(readTensor(r.message(), ext)); break;
      case 11: graph.inputs.push(readValueInfo(r.message())); break;
      case 12: graph.outputs.push(readValueInfo(r.message())); break;
      case 10: graph.docString = r.string(); break;
      case 13: valueInfo.push(readValueInfo(r.message())); break;
      case 15: r.fail(`graph '${graph.name}': sparse initializers are not supported`, r.fieldStart);
      default: r.skip();
    }
  }
  if (valueInfo.length > 0) graph.valueInfo = valueInfo;
  return graph;
}

function readNode(r: ProtoReader, ext: ExternalDataResolver | undefined): OnnxNode {
  const node: OnnxNode = { opType: '', name: '', inputs: [], outputs: [], attributes: {} };
  const attributes: [string, OnnxAttribute][] = [];
  while (r.next()) {
    switch (r.field) {
      case 1: node.inputs.push(r.string()); break;
      case 2: node.outputs.push(r.string()); break;
      case 3: node.name = r.string(); break;
      case 4: node.opType = r.string(); break;
      case 5: attributes.push(readAttribute(r.message(), ext)); break;
      case 7: node.domain = r.string(); break;
      default: r.skip();
    }
  }
  for (const [name, value] of attributes) {
    if (name in node.attributes) r.fail(`node '${node.name}' (${node.opType}): attribute '${name}' appears twice`, r.start);
    node.attributes[name] = value;
  }
  return node;
}

// AttributeProto.AttributeType codes, and the value field each one uses.
const ATTRIBUTE_TYPES: Record<number, OnnxAttribute['type']> = {
  1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph',
  6: 'floats', 7: 'ints', 8: 'strings', 9: 'tensors', 10: 'graphs',
};
const TYPE_OF_VALUE_FIELD: Record<number, OnnxAttribute['type']> = {
  2: 'float', 3: 'int', 4: 'string', 5: 'tensor', 6: 'graph',
  7: 'floats', 8: 'ints', 9: 'strings', 10: 'tensors', 11: 'graphs',
};

function readAttribute(r: ProtoReader, ext: ExternalDataResolver | undefined): [string, OnnxAttribute] {
  let name = '';
  let typeCode = 0;
  let f = 0, i = 0, s = '';
  let t: OnnxTensor | undefined;
  let g: OnnxGraph | undefined;
  const floats: number[] = [], ints: number[] = [], strings: string[] = [];
  const tensors: OnnxTensor[] = [], graphs: OnnxGraph[] = [];
  let lastValueField = 0;
  while (r.next()) {
    const field = r.field;
    switch (field) {
      case 1: name = r.string(); break;
      case 20: typeCode = r.int32(); break;
      case 2: f = r.float(); break;
      case 3: i = r.int64(); break;
      case 4: s = r.string(); break;
      case 5: t = readTensor(r.message(), ext); break;
      case 6: g = readGraph(r.message(), ext); break;
      case 7: r.repeatedFloat(floats); break;
      case 8: r.repeatedInt64(ints); break;
      case 9: strings.push(r.string()); break;
      case 10: tensors.push(readTensor(r.message(), ext)); break;
      case 11: graphs.push(readGraph(r.message(), ext)); break;
      case 21: r.fail(`attribute '${name}': references a function attribute (ref_attr_name), which only functions may do`, r.fieldStart);
      default: r.skip();
    }
    if (field >= 2 && field <= 11) lastValueField = field;
  }
  // IR version 1 files carry no type; the one value field present says what it is.
  const type = typeCode !== 0 ? ATTRIBUTE_TYPES[typeCode] : TYPE_OF_VALUE_FIELD[lastValueField];
  if (type === undefined) {
    r.fail(`attribute '${name}': ${typeCode !== 0 ? `attribute type ${typeCode} is not supported` : 'has no type and no value'}`, r.start);
  }
  const missing = (): never => r.fail(`attribute '${name}': type ${type} but its value field is absent`, r.start);
  switch (type) {
    case 'float': return [name, { type, value: f }];
    case 'int': return [name, { type, value: i }];
    case 'string': return [name, { type, value: s }];
    case 'tensor': return [name, { type, value: t ?? missing() }];
    case 'graph': return [name, { type, value: g ?? missing() }];
    case 'floats': return [name, { type, value: floats }];
    case 'ints': return [name, { type, value: ints }];
    case 'strings': return [name, { type, value: strings }];
    case 'tensors': return [name, { type, value: tensors }];
    case 'graphs': return [name, { type, value: graphs }];
  }
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  let name = '';
  let typeAt = -1;
  let tensorType: { elemType: OnnxDataType; dims?: OnnxDim[] } | undefined;
  while (r.next()) {
    if (r.field === 1) name = r.string();
    else if (r.field === 2) { typeAt = r.fieldStart; tensorType = readTypeProto(r.message(), () => name); }
    else r.skip();
  }
  if (tensorType === undefined) r.fail(`value '${name}': no type`, typeAt >= 0 ? typeAt : r.start);
  const info: OnnxValueInfo = { name, elemType: tensorType.elemType };
  if (tensorType.dims !== undefined) info.dims = tensorType.dims;
  return info;
}

const NON_TENSOR_TYPES: Record<number, string> = {
  4: 'sequence', 5: 'map', 8: 'sparse tensor', 9: 'optional',
};

function readTypeProto(r: ProtoReader, valueName: () => string): { elemType: OnnxDataType; dims?: OnnxDim[] } | undefined {
  let result: { elemType: OnnxDataType; dims?: OnnxDim[] } | undefined;
  while (r.next()) {
    const kind = NON_TENSOR_TYPES[r.field];
    if (kind !== undefined) r.fail(`value '${valueName()}': ${kind} types are not supported, only tensors`, r.fieldStart);
    if (r.field !== 1) { r.skip(); continue; }
    const t: ProtoReader = r.message();
    let code = 0;
    let dims: OnnxDim[] | undefined;
    while (t.next()) {
      if (t.field === 1) code = t.int32();
      else if (t.field === 2) dims = readShape(t.message());
      else t.skip();
    }
    const elemType = dataTypeFromCode(code);
    if (elemType === undefined) t.fail(`value '${valueName()}': unknown elem_type ${code}`, t.start);
    result = dims === undefined ? { elemType } : { elemType, dims };
  }
  return result;
}

function readShape(r: ProtoReader): OnnxDim[] {
  const dims: OnnxDim[] = [];
  while (r.next()) {
    if (r.field !== 1) { r.skip(); continue; }
    const d = r.message();
    let dim: OnnxDim = null;
    while (d.next()) {
      if (d.field === 1) dim = d.int64();
      else if (d.field === 2) dim = d.string();
      else d.skip();
    }
    dims.push(dim);
  }
  return dims;
}
