/**
 * The size and color of a PNG or JPEG file from its header, without decoding its pixels, so a
 * folder's native input shape can be found before its images are decoded (once) to that shape.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { DatasetFormatError } from './errors.js';

export interface ImageHeader {
  width: number;
  height: number;
  /** Stored with color channels (PNG color types 2, 3, 6; a 3- or 4-component JPEG). */
  color: boolean;
}

/**
 * Which of the two formats `bytes` starts with, from its signature; anything else is refused
 * with an error naming `file`.
 */
export function imageFormat(bytes: Uint8Array, file: string): 'png' | 'jpeg' {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  throw new DatasetFormatError(`${file}: not a PNG or JPEG image (${bytes.length === 0 ? 'empty file' : 'unknown signature'})`);
}

/** Enough for a PNG's IHDR, and for a JPEG's frame header unless large metadata comes first. */
const HEAD_BYTES = 64 * 1024;

function readHead(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = new Uint8Array(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/** A JPEG's SOFn segment: height, width and component count; null when `bytes` ends first. */
function jpegFrame(bytes: Uint8Array): ImageHeader | null {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) { at++; continue; }
    // Standalone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 10 > bytes.length) return null;
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!, width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      return { width, height, color: bytes[at + 9]! >= 3 };
    }
    if (marker === 0xda || length < 2) return null;
    at += 2 + length;
  }
  return null;
}

/**
 * Width, height and whether the file stores color, read from its header.
 * @example const { width, height, color } = readImageHeader('cats/001.png');
 */
export function readImageHeader(file: string): ImageHeader {
  let bytes = readHead(file);
  if (imageFormat(bytes, file) === 'png') {
    // Signature, then the IHDR chunk: length, 'IHDR', width, height, bit depth, color type.
    if (bytes.length < 26 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new DatasetFormatError(`${file}: corrupt PNG (no IHDR header)`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20), color: (bytes[25]! & 2) !== 0 };
  }
  let frame = jpegFrame(bytes);
  if (frame === null && bytes.length === HEAD_BYTES) {
    bytes = readFileSync(file);
    frame = jpegFrame(bytes);
  }
  if (frame === null || frame.width < 1 || frame.height < 1) throw new DatasetFormatError(`${file}: corrupt JPEG (no frame header with a size)`);
  return frame;
}
