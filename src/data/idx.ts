/**
 * Reader for the IDX format of the original MNIST files (LeCun et al.): a big-endian
 * header `00 00 <type> <rank>`, then `rank` uint32 dimensions, then the values in
 * row-major order. We only need unsigned bytes (type 0x08), so other types are refused
 * by name rather than misread.
 */
import { readFileSync } from 'node:fs';
import { DatasetFormatError } from './errors.js';

export interface IdxArray {
  /** Dimensions from the header, outermost first (images: [count, rows, cols]). */
  dims: number[];
  /** The values, row-major; a view into the bytes that were parsed, not a copy. */
  data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * Parses IDX `bytes`. `fileName` is only used in error messages; `expectedRank`, when
 * given, is checked against the header.
 */
export function parseIdx(bytes: Uint8Array, fileName: string, expectedRank?: number): IdxArray {
  if (bytes.length < 4) {
    throw new DatasetFormatError(`${fileName}: IDX header needs 4 bytes, file has ${bytes.length}`);
  }
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const type = bytes[2]!;
  const rank = bytes[3]!;
  if (b0 !== 0 || b1 !== 0) {
    const at = b0 !== 0 ? 0 : 1;
    throw new DatasetFormatError(
      `${fileName} @ byte ${at}: bad IDX magic, expected 0x00 0x00 <type> <rank>, found ` +
        `${hex(b0)} ${hex(b1)} ${hex(type)} ${hex(rank)} (not an IDX file, or still gzip-compressed?)`,
    );
  }
  if (type !== UBYTE) {
    const known = TYPE_NAMES[type];
    throw new DatasetFormatError(
      `${fileName} @ byte 2: IDX type ${hex(type)}${known ? ` (${known})` : ' (unknown)'}; ` +
        `this reader supports only ${hex(UBYTE)} (unsigned byte)`,
    );
  }
  if (rank === 0 || (expectedRank !== undefined && rank !== expectedRank)) {
    const want = expectedRank === undefined ? 'at least 1' : String(expectedRank);
    throw new DatasetFormatError(`${fileName} @ byte 3: IDX rank ${rank}, expected ${want}`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetFormatError(
      `${fileName}: IDX header with rank ${rank} needs ${headerBytes} bytes, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expectedBytes = headerBytes + count;
  if (bytes.length !== expectedBytes) {
    throw new DatasetFormatError(
      `${fileName} @ byte ${headerBytes}: header dims [${dims.join(', ')}] need ${count} data bytes ` +
        `(file size ${expectedBytes}), file has ${bytes.length - headerBytes} (size ${bytes.length})`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads and parses an IDX file from disk. */
export function readIdxFile(path: string, expectedRank?: number): IdxArray {
  return parseIdx(readFileSync(path), path, expectedRank);
}
