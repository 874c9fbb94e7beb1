/** Models in and out: ONNX (our own protobuf codec, builder and exporter). */
export * from './onnx/index.js';
