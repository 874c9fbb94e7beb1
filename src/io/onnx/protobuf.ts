/** Our protobuf wire-format codec: the constants, a reader and a writer (see each file). */
export { WIRE_VARINT, WIRE_FIXED64, WIRE_BYTES, WIRE_FIXED32, int64Halves } from './protobuf-wire.js';
export { ProtoReader } from './protobuf-reader.js';
export { ProtoWriter } from './protobuf-writer.js';
