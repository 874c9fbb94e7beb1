/**
 * OnnxModel to ModelProto bytes. Fields go out in field-number order and repeated scalars
 * follow onnx.proto's packing (unpacked unless the .proto says packed), the way protobuf's
 * own serializer writes them, so our files look like any other exporter's. The output is a
 * function of the model alone: encoding a decoded encoding gives the same bytes.
 */
import { ONNX_DATA_TYPE_CODES } from './data-types.js';
import { ProtoWriter } from './protobuf.js';
import { writeTensor } from './tensor-proto.js';
import type { OnnxAttribute, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from './types.js';

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int64(1, model.irVersion);
  if (model.producerName !== '') w.string(2, model.producerName);
  if (model.producerVersion !== undefined) w.string(3, model.producerVersion);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const opset of model.opsetImports) {
    w.message(8, (o) => {
      if (opset.domain !== '') o.string(1, opset.domain);
      o.int64(2, opset.version);
    });
  }
  for (const raw of model.extraFields ?? []) w.raw(raw);
  return w.finish();
}

function writeGraph(w: ProtoWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  if (graph.name !== '') w.string(2, graph.name);
  if (graph.docString !== undefined) w.string(10, graph.docString);
  for (const t of graph.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of graph.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of graph.outputs) w.message(12, (m) => writeValueInfo(m, v));
  for (const v of graph.valueInfo ?? []) w.message(13, (m) => writeValueInfo(m, v));
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const name of node.inputs) w.string(1, name);
  for (const name of node.outputs) w.string(2, name);
  if (node.name !== '') w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, attr] of Object.entries(node.attributes)) w.message(5, (a) => writeAttribute(a, name, attr));
  if (node.domain !== undefined) w.string(7, node.domain);
}

const ATTRIBUTE_TYPE_CODES: Record<OnnxAttribute['type'], number> = {
  float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9, graphs: 10,
};

function writeAttribute(w: ProtoWriter, name: string, attr: OnnxAttribute): void {
  w.string(1, name);
  // Scalars are written even when zero: proto2 keeps presence, and older readers infer the
  // attribute's kind from which value field is there.
  switch (attr.type) {
    case 'float': w.float(2, attr.value); break;
    case 'int': w.int64(3, attr.value); break;
    case 'string': w.string(4, attr.value); break;
    case 'tensor': w.message(5, (t) => writeTensor(t, attr.value)); break;
    case 'graph': w.message(6, (g) => writeGraph(g, attr.value)); break;
    case 'floats': for (const v of attr.value) w.float(7, v); break;
    case 'ints': for (const v of attr.value) w.int64(8, v); break;
    case 'strings': for (const v of attr.value) w.string(9, v); break;
    case 'tensors': for (const v of attr.value) w.message(10, (t) => writeTensor(t, v)); break;
    case 'graphs': for (const v of attr.value) w.message(11, (g) => writeGraph(g, v)); break;
  }
  w.int64(20, ATTRIBUTE_TYPE_CODES[attr.type]);
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.int64(1, ONNX_DATA_TYPE_CODES[info.elemType]);
    if (info.dims === undefined) return;
    const dims = info.dims;
    tensor.message(2, (shape) => {
      for (const d of dims) {
        shape.message(1, (dim) => {
          if (typeof d === 'number') dim.int64(1, d);
          else if (typeof d === 'string') dim.string(2, d);
        });
      }
    });
  }));
}
