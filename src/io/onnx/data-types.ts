/** ONNX element types: their TensorProto.DataType codes and how their tensors are stored. */

/** Every element type ONNX defines, by the lower-case name of its DataType enum entry. */
export const ONNX_DATA_TYPE_CODES = {
  float: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, string: 8, bool: 9,
  float16: 10, double: 11, uint32: 12, uint64: 13, complex64: 14, complex128: 15, bfloat16: 16,
  float8e4m3fn: 17, float8e4m3fnuz: 18, float8e5m2: 19, float8e5m2fnuz: 20, uint4: 21, int4: 22,
  float4e2m1: 23, float8e8m0: 24,
} as const;

export type OnnxDataType = keyof typeof ONNX_DATA_TYPE_CODES;

const NAME_BY_CODE = new Map<number, OnnxDataType>(
  Object.entries(ONNX_DATA_TYPE_CODES).map(([name, code]) => [code, name as OnnxDataType]),
);

export function dataTypeFromCode(code: number): OnnxDataType | undefined {
  return NAME_BY_CODE.get(code);
}

export type OnnxTensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** Which TensorProto `*_data` field carries a type when raw_data is not used. */
export type TypedDataField = 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'uint64_data';

export interface TensorStorage {
  /** The typed array a decoded tensor of this type holds. */
  readonly arrayType: { new (buffer: ArrayBuffer): OnnxTensorData; readonly BYTES_PER_ELEMENT: number; readonly name: string };
  readonly typedField: TypedDataField;
}

// Half and 8-bit floats keep their bit patterns (Uint16Array / Uint8Array): converting them
// is a numeric decision for whoever consumes the tensor, not for the file reader. int32_data
// holds every type narrower than 32 bits, widened, per onnx.proto. Strings, complex numbers
// and the 4-bit packed types have no storage here; tensors of those types are rejected.
const STORAGE: Partial<Record<OnnxDataType, TensorStorage>> = {
  float: { arrayType: Float32Array, typedField: 'float_data' },
  double: { arrayType: Float64Array, typedField: 'double_data' },
  int8: { arrayType: Int8Array, typedField: 'int32_data' },
  uint8: { arrayType: Uint8Array, typedField: 'int32_data' },
  bool: { arrayType: Uint8Array, typedField: 'int32_data' },
  int16: { arrayType: Int16Array, typedField: 'int32_data' },
  uint16: { arrayType: Uint16Array, typedField: 'int32_data' },
  float16: { arrayType: Uint16Array, typedField: 'int32_data' },
  bfloat16: { arrayType: Uint16Array, typedField: 'int32_data' },
  float8e4m3fn: { arrayType: Uint8Array, typedField: 'int32_data' },
  float8e4m3fnuz: { arrayType: Uint8Array, typedField: 'int32_data' },
  float8e5m2: { arrayType: Uint8Array, typedField: 'int32_data' },
  float8e5m2fnuz: { arrayType: Uint8Array, typedField: 'int32_data' },
  float8e8m0: { arrayType: Uint8Array, typedField: 'int32_data' },
  int32: { arrayType: Int32Array, typedField: 'int32_data' },
  uint32: { arrayType: Uint32Array, typedField: 'uint64_data' },
  int64: { arrayType: BigInt64Array, typedField: 'int64_data' },
  uint64: { arrayType: BigUint64Array, typedField: 'uint64_data' },
};

/** How tensors of `type` are held, or undefined where we hold none (see STORAGE). */
export function tensorStorage(type: OnnxDataType): TensorStorage | undefined {
  return STORAGE[type];
}

/** The element type that a typed array implies when a caller does not name one. */
export function dataTypeOfArray(data: OnnxTensorData): OnnxDataType {
  if (data instanceof Float32Array) return 'float';
  if (data instanceof Float64Array) return 'double';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint64';
}
