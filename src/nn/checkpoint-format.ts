/**
 * The checkpoint container: a checksummed header and checksummed blobs.
 *
 * v2: "PQCK" | u32 version | u32 header bytes | u32 header CRC | header JSON | zero pad to 4 | blobs
 * v1: "PQCK" | u32 version | u32 header bytes |                  header JSON | zero pad to 4 | blobs
 *
 * The header CRC-32 covers the first 12 bytes and the header JSON, so a changed digit in the
 * metadata (a normalisation mean) or in a blob offset is caught; the header's `crc32` covers
 * the blobs. v1 files have no header CRC: they are still read, with every structural check
 * below, but a changed digit in a v1 header cannot be detected.
 */
import { crc32 } from '../kernels/index.js';
import type { ModelConfig } from './model.js';

const MAGIC = 'PQCK';
export const CHECKPOINT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

/**
 * A checkpoint that cannot be read: the message gives the file, the byte offset or field, and what was wrong.
 * @example try { loadCheckpoint('model.pqck'); } catch (e) { if (e instanceof CheckpointError) console.error(e.message); }
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface BlobEntry {
  name: string;
  dtype: 'f32' | 'u8';
  /** Values, not bytes. */
  length: number;
  /** Bytes from the start of the blob section. */
  offset: number;
}

export interface CheckpointHeader {
  model: ModelConfig;
  blobs: BlobEntry[];
  /** CRC-32 of the blob section. */
  crc32: number;
  optimizer?: { name: string; steps: number };
  meta: Record<string, unknown>;
}

export interface DecodedCheckpoint {
  version: number;
  header: CheckpointHeader;
  /** The blob section. */
  payload: Uint8Array;
  /** File offset of the blob section, for messages. */
  start: number;
}

const BYTES_PER_VALUE = { f32: 4, u8: 1 } as const;

export function blobBytes(e: BlobEntry): number {
  return e.length * BYTES_PER_VALUE[e.dtype];
}

const preambleBytes = (version: number) => (version === 1 ? 12 : 16);

function headerCrc(bytes: Uint8Array, jsonStart: number, jsonEnd: number): number {
  const covered = new Uint8Array(12 + jsonEnd - jsonStart);
  covered.set(bytes.subarray(0, 12), 0);
  covered.set(bytes.subarray(jsonStart, jsonEnd), 12);
  return crc32(covered);
}

/** The file's bytes for a header (its blob CRC filled in here) and a blob section. */
export function encodeCheckpoint(header: Omit<CheckpointHeader, 'crc32'>, payload: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ ...header, crc32: crc32(payload) }));
  const jsonStart = preambleBytes(CHECKPOINT_VERSION);
  const start = Math.ceil((jsonStart + json.length) / 4) * 4;
  const out = new Uint8Array(start + payload.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, CHECKPOINT_VERSION, true);
  dv.setUint32(8, json.length, true);
  out.set(json, jsonStart);
  dv.setUint32(12, headerCrc(out, jsonStart, jsonStart + json.length), true);
  out.set(payload, start);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and checks the container; errors name the file, the byte offset and what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array, path: string): DecodedCheckpoint {
  const fail = (offset: number, what: string): never => {
    throw new CheckpointError(`${path} @ byte ${offset}: ${what}`);
  };
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) fail(0, `not a prunequant checkpoint (magic is not ${MAGIC})`);
  if (bytes.length < 12) fail(bytes.length, `file ends inside the 12-byte preamble (truncated)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (!READABLE_VERSIONS.includes(version)) fail(4, `checkpoint version ${version}, this reader knows ${READABLE_VERSIONS.join(' and ')}`);
  const jsonStart = preambleBytes(version);
  if (bytes.length < jsonStart) fail(bytes.length, `file ends inside the ${jsonStart}-byte preamble (truncated)`);
  const headerLen = dv.getUint32(8, true);
  const jsonEnd = jsonStart + headerLen;
  if (jsonEnd > bytes.length) fail(8, `header of ${headerLen} bytes runs past the end of the ${bytes.length}-byte file`);
  if (version >= 2 && headerCrc(bytes, jsonStart, jsonEnd) !== dv.getUint32(12, true)) {
    fail(12, 'header checksum mismatch: the header (architecture, metadata or blob table) is corrupt');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(jsonStart, jsonEnd)));
  } catch (e) {
    return fail(jsonStart, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(parsed)) return fail(jsonStart, 'header is not a JSON object');
  const need = (field: string, ok: boolean, what: string) => {
    if (!(field in parsed)) fail(jsonStart, `header has no '${field}' field (${what})`);
    if (!ok) fail(jsonStart, `header field '${field}' is not ${what}`);
  };
  need('model', isObject(parsed['model']), 'the model architecture, an object');
  need('blobs', Array.isArray(parsed['blobs']), 'the list of stored tensors, an array');
  need('crc32', isCount(parsed['crc32']), 'the checksum of the blobs, a number');
  if ('meta' in parsed && !isObject(parsed['meta'])) fail(jsonStart, `header field 'meta' is not an object`);
  const opt = parsed['optimizer'];
  if (opt !== undefined && !(isObject(opt) && typeof opt['name'] === 'string' && isCount(opt['steps']))) {
    fail(jsonStart, `header field 'optimizer' is not { name, steps }`);
  }
  const start = Math.ceil(jsonEnd / 4) * 4;
  if (start > bytes.length) fail(bytes.length, 'file ends inside the padding after the header (truncated)');
  for (let i = jsonEnd; i < start; i++) if (bytes[i] !== 0) fail(i, `padding byte is ${bytes[i]}, expected 0`);
  const payload = bytes.subarray(start);
  const blobs = checkBlobs(parsed['blobs'] as unknown[], payload.length, start, fail);
  if (crc32(payload) !== parsed['crc32']) fail(start, 'checksum mismatch: the file is truncated or corrupt');
  const header: CheckpointHeader = {
    model: parsed['model'] as unknown as ModelConfig, blobs, crc32: parsed['crc32'] as number,
    meta: (parsed['meta'] as Record<string, unknown> | undefined) ?? {},
    ...(opt !== undefined ? { optimizer: opt as { name: string; steps: number } } : {}),
  };
  return { version, header, payload, start };
}

/** Every blob well-formed, named once, inside the file, and none overlapping another. */
function checkBlobs(raw: unknown[], payloadBytes: number, start: number, fail: (offset: number, what: string) => never): BlobEntry[] {
  const names = new Set<string>();
  const blobs = raw.map((e, i) => {
    if (!isObject(e) || typeof e['name'] !== 'string' || (e['dtype'] !== 'f32' && e['dtype'] !== 'u8') || !isCount(e['length']) || !isCount(e['offset'])) {
      return fail(start, `blob entry ${i} is not { name, dtype: 'f32' | 'u8', length, offset }: ${JSON.stringify(e)}`);
    }
    if (names.has(e['name'])) fail(start, `blob ${e['name']} is listed twice`);
    names.add(e['name']);
    return e as unknown as BlobEntry;
  });
  // Name the first blob that runs past the end: a truncated file says where it was cut.
  for (const e of blobs) {
    const end = e.offset + blobBytes(e);
    if (end > payloadBytes) fail(start + payloadBytes, `file ends here (truncated): blob ${e.name} spans bytes ${start + e.offset}..${start + end}`);
  }
  // Sorted by offset, each blob must start at or after the furthest end seen so far.
  let last: BlobEntry | undefined, lastEnd = 0;
  for (const e of [...blobs].sort((a, b) => a.offset - b.offset)) {
    if (blobBytes(e) === 0) continue;
    if (last !== undefined && e.offset < lastEnd) {
      fail(start + e.offset, `blob ${e.name} (bytes ${start + e.offset}..${start + e.offset + blobBytes(e)}) overlaps blob ${last.name} (bytes ${start + last.offset}..${start + lastEnd})`);
    }
    if (e.offset + blobBytes(e) > lastEnd) [last, lastEnd] = [e, e.offset + blobBytes(e)];
  }
  return blobs;
}
