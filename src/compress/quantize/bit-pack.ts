/**
 * k-bit packing: codes in [qmin, qmax] are offset to [0, 2^k − 1] and laid end to end,
 * least significant bit first, so n codes take ceil(n·k / 8) bytes. This is how quantized
 * weights are stored in checkpoints and how their packed size is counted.
 */
import { QuantizationError } from './errors.js';

export function packedByteLength(count: number, bits: number): number {
  return Math.ceil((count * bits) / 8);
}

/** @example const bytes = packCodes(q.values, q.bits, q.qmin); */
export function packCodes(codes: ArrayLike<number>, bits: number, qmin: number): Uint8Array {
  const out = new Uint8Array(packedByteLength(codes.length, bits));
  const max = 2 ** bits - 1;
  let acc = 0, filled = 0, at = 0;
  for (let i = 0; i < codes.length; i++) {
    const u = codes[i]! - qmin;
    if (!(u >= 0 && u <= max)) throw new QuantizationError(`packCodes: code ${codes[i]} at ${i} is outside [${qmin}, ${qmin + max}]`);
    acc |= u << filled; // filled < 8 and bits <= 16, so acc stays under 2^24
    filled += bits;
    while (filled >= 8) {
      out[at++] = acc & 0xff;
      acc >>>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) out[at] = acc & 0xff;
  return out;
}

/** Inverse of packCodes: fills `out` (whose length is the code count) from `bytes`. */
export function unpackCodes<T extends { length: number; [i: number]: number }>(bytes: Uint8Array, bits: number, qmin: number, out: T): T {
  const need = packedByteLength(out.length, bits);
  if (bytes.length < need) throw new QuantizationError(`unpackCodes: ${out.length} ${bits}-bit codes need ${need} bytes, got ${bytes.length}`);
  const mask = 2 ** bits - 1;
  let acc = 0, filled = 0, at = 0;
  for (let i = 0; i < out.length; i++) {
    while (filled < bits) {
      acc |= bytes[at++]! << filled;
      filled += 8;
    }
    out[i] = (acc & mask) + qmin;
    acc >>>= bits;
    filled -= bits;
  }
  return out;
}
