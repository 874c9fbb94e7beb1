/** ONNX protobuf in and out: our own wire-format codec and the onnx.proto subset we use. */
export type {
  OnnxModel, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo, OnnxDim, OnnxAttribute,
  OnnxAttributeType, OnnxOpsetImport,
} from './types.js';
export {
  ONNX_DATA_TYPE_CODES, dataTypeFromCode, dataTypeOfArray, tensorStorage,
  type OnnxDataType, type OnnxTensorData,
} from './data-types.js';
export { OnnxFormatError } from './errors.js';
export { decodeOnnxModel } from './decode-onnx-model.js';
export { encodeOnnxModel } from './encode-onnx-model.js';
export { decodeTensorProto, encodeTensorProto } from './tensor-proto.js';
export {
  attr, makeNode, makeTensor, makeValueInfo, makeGraph, makeModel, toAttribute,
  type AttributeInput, type NodeOptions, type GraphParts, type ModelOptions,
} from './builder.js';
export { OnnxGraphBuilder, onnxGraphBuilder } from './onnx-graph-builder.js';
export { ProtoReader, ProtoWriter, int64Halves } from './protobuf.js';
export type { OnnxExportOptions } from './export-model.js';
export { exportOnnxModel, saveOnnxModel, exportedParamData, ONNX_EXPORT_OPSET, ONNX_EXPORT_INPUT, ONNX_EXPORT_OUTPUT } from './export-model.js';
export { OnnxExportError } from './export-error.js';
export { exportOnnxInt8Model, saveOnnxInt8Model } from './export-int8.js';
export * from './import/index.js';
