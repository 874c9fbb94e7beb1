/** Models in and out: ONNX (our own protobuf codec, builder and exporter) and the native `.pqm`. */
export * from './onnx/index.js';
export * from './pqm/index.js';
