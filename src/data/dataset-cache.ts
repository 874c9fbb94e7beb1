/**
 * The decoded form of a dataset folder on disk, so that images are decoded and resized once,
 * not by every command. A cache file is trusted only whole: its key (the folder's file list
 * with sizes and mtimes, the target shape, the reader's version) must match, its length must be
 * what its header says, and the SHA-256 of its payload must match; anything else is rebuilt.
 *
 * Layout: 'PQDS', u32 version, u32 header length, header JSON (key, payload hash and size,
 * splits), zero padding to 4 bytes, then per split its float32 images and int32 labels (LE).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../nn/index.js';
import type { Dataset } from './dataset.js';

const MAGIC = 'PQDS';
const VERSION = 1;

interface SplitHeader {
  split: string;
  name: string;
  count: number;
  shape: [number, number, number];
  classes: number;
  classNames?: string[];
}

interface Header {
  key: string;
  sha256: string;
  payloadBytes: number;
  splits: SplitHeader[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A stable hex id of anything JSON can hold, for cache file names and keys. */
export function cacheKey(value: unknown): string {
  return sha256(new TextEncoder().encode(JSON.stringify(value)));
}

/** The splits stored under `key` in `file`, or null when the file is missing, stale or damaged. */
export function readDatasetCache(file: string, key: string): Record<string, Dataset> | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  try {
    if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== MAGIC || bytes.readUInt32LE(4) !== VERSION) return null;
    const headerLen = bytes.readUInt32LE(8);
    if (12 + headerLen > bytes.length) return null;
    const header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLen)) as Header;
    const start = (12 + headerLen + 3) & ~3;
    if (header.key !== key || bytes.length !== start + header.payloadBytes) return null;
    const payload = bytes.subarray(start);
    if (sha256(payload) !== header.sha256) return null;
    const out: Record<string, Dataset> = {};
    let at = 0;
    for (const s of header.splits) {
      const size = s.count * s.shape[0] * s.shape[1] * s.shape[2];
      // Copies: a Buffer's offset need not be 4-byte aligned for a typed-array view.
      const images = new Float32Array(payload.buffer.slice(payload.byteOffset + at, payload.byteOffset + at + 4 * size));
      at += 4 * size;
      const labels = new Int32Array(payload.buffer.slice(payload.byteOffset + at, payload.byteOffset + at + 4 * s.count));
      at += 4 * s.count;
      out[s.split] = { name: s.name, images, labels, count: s.count, shape: s.shape, classes: s.classes, ...(s.classNames ? { classNames: s.classNames } : {}) };
    }
    return at === payload.length ? out : null;
  } catch {
    return null;
  }
}

/** Writes the splits atomically under `key`. */
export function writeDatasetCache(file: string, key: string, splits: Record<string, Dataset>): void {
  const entries = Object.entries(splits);
  const payloadBytes = entries.reduce((s, [, d]) => s + 4 * (d.images.length + d.labels.length), 0);
  const payload = new Uint8Array(payloadBytes);
  let at = 0;
  for (const [, d] of entries) {
    payload.set(new Uint8Array(d.images.buffer, d.images.byteOffset, d.images.byteLength), at);
    at += d.images.byteLength;
    payload.set(new Uint8Array(d.labels.buffer, d.labels.byteOffset, d.labels.byteLength), at);
    at += d.labels.byteLength;
  }
  const header: Header = {
    key, sha256: sha256(payload), payloadBytes,
    splits: entries.map(([split, d]) => ({ split, name: d.name, count: d.count, shape: d.shape, classes: d.classes, ...(d.classNames ? { classNames: d.classNames } : {}) })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = (12 + json.length + 3) & ~3;
  const out = new Uint8Array(start + payloadBytes);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, start);
  writeFileAtomic(file, out);
}
