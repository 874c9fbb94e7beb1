/**
 * TensorProto in and out. Reading accepts raw_data and every typed `*_data` field, packed or
 * not; writing always uses raw_data, as exporters do for initializers. Data kept outside the
 * file (external_data) is read through a resolver the caller passes (the ONNX importer reads
 * the files next to the model); without one it is refused.
 */
import {
  ONNX_DATA_TYPE_CODES, dataTypeFromCode, tensorStorage,
  type OnnxTensorData, type TypedDataField,
} from './data-types.js';
import { ProtoReader, ProtoWriter } from './protobuf.js';
import type { OnnxTensor } from './types.js';

/** Where a tensor's bytes live outside the model file (TensorProto.external_data). */
export interface ExternalDataLocation {
  location: string;
  offset: number;
  /** Absent: to the end of the file. */
  length?: number;
}

/** Returns the bytes of an external tensor, or throws an error naming the tensor and the file. */
export type ExternalDataResolver = (where: ExternalDataLocation, tensorName: string) => Uint8Array;

// onnx.proto TensorProto field numbers.
const F_DIMS = 1, F_DATA_TYPE = 2, F_SEGMENT = 3, F_FLOAT_DATA = 4, F_INT32_DATA = 5;
const F_STRING_DATA = 6, F_INT64_DATA = 7, F_NAME = 8, F_RAW_DATA = 9, F_DOUBLE_DATA = 10;
const F_UINT64_DATA = 11, F_EXTERNAL_DATA = 13, F_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;

/** Decodes a serialized TensorProto, such as an ONNX test-data `input_0.pb`. */
export function decodeTensorProto(bytes: Uint8Array, fileName = '<tensor>'): OnnxTensor {
  return readTensor(new ProtoReader(bytes, fileName));
}

export function encodeTensorProto(tensor: OnnxTensor): Uint8Array {
  const w = new ProtoWriter();
  writeTensor(w, tensor);
  return w.finish();
}

/** Reads the TensorProto fields remaining in `r`. */
export function readTensor(r: ProtoReader, resolveExternal?: ExternalDataResolver): OnnxTensor {
  const dims: number[] = [];
  let code = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  const typed: Partial<Record<TypedDataField, number[]>> = {};
  let externalAt = -1;
  const external: Record<string, string> = {};
  const collect = (field: TypedDataField) => (typed[field] ??= []);

  while (r.next()) {
    switch (r.field) {
      case F_DIMS: r.repeatedInt64(dims); break;
      case F_DATA_TYPE: code = r.int32(); break;
      case F_NAME: name = r.string(); break;
      case F_RAW_DATA: raw = r.bytesView(); break;
      case F_FLOAT_DATA: r.repeatedFloat(collect('float_data')); break;
      case F_INT32_DATA: r.repeatedInt32(collect('int32_data')); break;
      case F_INT64_DATA: r.repeatedInt64Halves(collect('int64_data')); break;
      case F_DOUBLE_DATA: r.repeatedDouble(collect('double_data')); break;
      case F_UINT64_DATA: r.repeatedInt64Halves(collect('uint64_data')); break;
      case F_SEGMENT: r.fail('TensorProto.segment (chunked tensors) is not supported', r.fieldStart);
      case F_STRING_DATA: r.fail('string tensors (TensorProto.string_data) are not supported', r.fieldStart);
      case F_EXTERNAL_DATA: {
        externalAt = r.fieldStart;
        const e = r.message();
        let key = '', value = '';
        while (e.next()) {
          if (e.field === 1) key = e.string();
          else if (e.field === 2) value = e.string();
          else e.skip();
        }
        external[key] = value;
        break;
      }
      case F_DATA_LOCATION:
        if (r.int32() === DATA_LOCATION_EXTERNAL && externalAt < 0) externalAt = r.fieldStart;
        break;
      default: r.skip();
    }
  }

  const label = `tensor '${name}'`;
  if (externalAt >= 0) {
    if (resolveExternal === undefined) {
      r.fail(`${label}: data is stored outside the file (TensorProto.external_data); only embedded data is supported here`, externalAt);
    }
    const location = external['location'];
    if (location === undefined || location === '') r.fail(`${label}: external_data has no 'location'`, externalAt);
    const where: ExternalDataLocation = { location, offset: 0 };
    for (const key of ['offset', 'length'] as const) {
      const text = external[key];
      if (text === undefined) continue;
      const v = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(v)) r.fail(`${label}: external_data ${key} '${text}' is not a byte count`, externalAt);
      where[key] = v;
    }
    raw = resolveExternal(where, name);
  }
  const dataType = dataTypeFromCode(code);
  if (dataType === undefined) r.fail(`${label}: unknown data_type ${code}`, r.start);
  const storage = tensorStorage(dataType);
  if (storage === undefined) r.fail(`${label}: data_type ${dataType} is not supported`, r.start);

  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) r.fail(`${label}: invalid dimension ${d} in dims [${dims}]`, r.start);
    count *= d;
  }
  const elementBytes = storage.arrayType.BYTES_PER_ELEMENT;
  let data: OnnxTensorData;
  if (raw !== undefined) {
    if (raw.length !== count * elementBytes) {
      r.fail(`${label}: dims [${dims}] of ${dataType} need ${count * elementBytes} bytes, raw_data holds ${raw.length}`, r.start);
    }
    // Copy into a fresh, aligned buffer: typed arrays need element alignment, and the tensor
    // must not pin the whole file in memory. (Not raw.slice(): on a Node Buffer that is a view.)
    // Assumes a little-endian host, as every Node and browser target is.
    data = new storage.arrayType(new Uint8Array(raw).buffer);
  } else {
    const values = typed[storage.typedField] ?? [];
    const perElement = storage.typedField === 'int64_data' || storage.typedField === 'uint64_data' ? 2 : 1;
    const found = values.length / perElement;
    if (found !== count) {
      r.fail(`${label}: dims [${dims}] hold ${count} elements, ${storage.typedField} holds ${found}`, r.start);
    }
    data = fromTypedField(storage.arrayType, values, perElement);
  }
  return { name, dims, dataType, data };
}

function fromTypedField(
  arrayType: { new (buffer: ArrayBuffer): OnnxTensorData; BYTES_PER_ELEMENT: number },
  values: number[],
  perElement: number,
): OnnxTensorData {
  if (perElement === 2) {
    // (lo, hi) halves, laid out as little-endian 64-bit words.
    const words = Uint32Array.from(values);
    if (arrayType !== Uint32Array) return new arrayType(words.buffer);
    const out = new Uint32Array(words.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = words[2 * i]!;
    return out;
  }
  const out = new arrayType(new ArrayBuffer(values.length * arrayType.BYTES_PER_ELEMENT)) as Exclude<OnnxTensorData, BigInt64Array | BigUint64Array>;
  // Narrower integer arrays wrap the widened int32 values back to their own width.
  out.set(values);
  return out;
}

/** Writes `tensor` as TensorProto fields: dims unpacked (onnx.proto does not mark them packed),
 * then data_type, name and raw_data, in field-number order as protobuf's own serializer does. */
export function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  const storage = tensorStorage(tensor.dataType);
  if (storage === undefined) throw new TypeError(`encode tensor '${tensor.name}': data type ${tensor.dataType} is not supported`);
  if (!(tensor.data instanceof storage.arrayType)) {
    throw new TypeError(`encode tensor '${tensor.name}': ${tensor.dataType} data must be a ${storage.arrayType.name}, got ${tensor.data.constructor.name}`);
  }
  let count = 1;
  for (const d of tensor.dims) count *= d;
  if (count !== tensor.data.length) {
    throw new RangeError(`encode tensor '${tensor.name}': dims [${tensor.dims}] hold ${count} elements, data has ${tensor.data.length}`);
  }
  for (const d of tensor.dims) w.int64(F_DIMS, d);
  w.int64(F_DATA_TYPE, ONNX_DATA_TYPE_CODES[tensor.dataType]);
  if (tensor.name !== '') w.string(F_NAME, tensor.name);
  const ext = tensor.external;
  if (ext !== undefined) {
    for (const [k, v] of [['location', ext.location], ['offset', String(ext.offset)], ['length', String(ext.length)]]) {
      w.message(F_EXTERNAL_DATA, (e) => { e.string(1, k!); e.string(2, v!); });
    }
    w.int64(F_DATA_LOCATION, DATA_LOCATION_EXTERNAL);
    return;
  }
  const d = tensor.data;
  w.bytes(F_RAW_DATA, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}
