/**
 * The protobuf wire format, just enough of it for ONNX: varints (including 10-byte negative
 * int64s), fixed 32/64-bit values, length-delimited bytes and messages, and repeated scalars
 * both packed and unpacked. Groups (wire types 3 and 4) are rejected; ONNX never uses them.
 *
 * 64-bit varints travel as two unsigned 32-bit halves (`lo`, `hi`) so that large int64
 * tensors decode without a BigInt per element.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;

/** Splits an integral number into the two's-complement 32-bit halves of an int64. Values past
 * the int64 range saturate, so INT64_MAX (which reads back as the double 2^63) writes back as
 * INT64_MAX and a decode-encode round trip keeps ONNX's "until the end" sentinels intact. */
export function int64Halves(value: number): [lo: number, hi: number] {
  if (!Number.isFinite(value) || !Number.isInteger(value)) {
    throw new RangeError(`int64: ${value} is not an integer`);
  }
  if (value >= TWO_63) return [0xffffffff, 0x7fffffff];
  if (value < -TWO_63) return [0, 0x80000000];
  const hi = Math.floor(value / TWO_32);
  return [(value - hi * TWO_32) >>> 0, hi >>> 0];
}

