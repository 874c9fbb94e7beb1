/**
 * Byte pixels to float32 in [0, 1]: exactly `byte / 255` rounded to float32, the
 * convention of torchvision's ToTensor, so the usual MNIST mean/std constants apply.
 */

/** `table[v]` is `v / 255` as float32. */
export const UNIT_PIXEL_TABLE: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v / 255;
  return table;
})();

/** The first `count` bytes as floats in [0, 1]. */
export function bytesToUnitFloats(bytes: Uint8Array, count = bytes.length): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = UNIT_PIXEL_TABLE[bytes[i]!]!;
  return out;
}
