/**
 * Checkpoints: one file holding the model's architecture, params, buffers, pruning masks,
 * optional optimizer state and free-form metadata.
 *
 * Layout: "PQCK" | u32 version | u32 header bytes | header JSON | zero pad to 4 | blobs.
 * The header lists each blob's name, dtype, length and offset, and a CRC-32 of the blobs.
 * Writes go to a temp file that is renamed over the target, so a crash mid-write leaves
 * the previous checkpoint intact.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from '../kernels/index.js';
import { Mask } from './param.js';
import { Model, type ModelConfig } from './model.js';
import type { Optimizer } from './optim/optimizer.js';

const MAGIC = 'PQCK';
const VERSION = 1;

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

interface BlobEntry {
  name: string;
  dtype: 'f32' | 'u8';
  length: number;
  offset: number;
}

interface Header {
  model: ModelConfig;
  blobs: BlobEntry[];
  crc32: number;
  optimizer?: { name: string; steps: number };
  meta: Record<string, unknown>;
}

/** Writes `bytes` to `path` through a temp file and a rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export interface SaveOptions {
  optimizer?: Optimizer;
  meta?: Record<string, unknown>;
}

/** @example saveCheckpoint('runs/lenet/model.pqck', model, { meta: { epoch: 5 } }); */
export function saveCheckpoint(path: string, model: Model, opts: SaveOptions = {}): void {
  const parts: { entry: Omit<BlobEntry, 'offset'>; bytes: Uint8Array }[] = [];
  const f32 = (name: string, data: Float32Array) =>
    parts.push({ entry: { name, dtype: 'f32', length: data.length }, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  for (const [name, p] of model.namedParams()) {
    f32(`param:${name}`, p.value.toArray());
    if (p.mask) parts.push({ entry: { name: `mask:${name}`, dtype: 'u8', length: p.size }, bytes: p.mask.view().slice() });
  }
  for (const [name, b] of model.namedBuffers()) f32(`buffer:${name}`, b.toArray());
  const optState = opts.optimizer?.state();
  if (optState) for (const [k, v] of Object.entries(optState.tensors)) f32(`optim:${k}`, v);
  let offset = 0;
  const blobs: BlobEntry[] = parts.map(({ entry, bytes }) => {
    const e = { ...entry, offset };
    offset += Math.ceil(bytes.length / 4) * 4;
    return e;
  });
  const payload = new Uint8Array(offset);
  parts.forEach(({ bytes }, i) => payload.set(bytes, blobs[i]!.offset));
  const header: Header = {
    model: model.config(), blobs, crc32: crc32(payload), meta: opts.meta ?? {},
    ...(optState ? { optimizer: { name: optState.name, steps: optState.steps } } : {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = 12 + json.length;
  const start = Math.ceil(headerEnd / 4) * 4;
  const out = new Uint8Array(start + payload.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, start);
  writeFileAtomic(path, out);
}

export interface LoadedCheckpoint {
  model: Model;
  meta: Record<string, unknown>;
  /** Restores the saved optimizer state into a fresh optimizer over the same model. */
  restoreOptimizer(opt: Optimizer): void;
}

/** Reads a checkpoint written by saveCheckpoint; errors name the file and what is wrong. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read checkpoint (${(e as Error).message})`);
  }
  const fail = (offset: number, what: string): never => {
    throw new CheckpointError(`${path} @ byte ${offset}: ${what}`);
  };
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) fail(0, `not a prunequant checkpoint (magic is not ${MAGIC})`);
  if (bytes.length < 12) fail(bytes.length, `file ends inside the 12-byte preamble (truncated)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== VERSION) fail(4, `checkpoint version ${version}, this reader knows ${VERSION}`);
  const headerLen = dv.getUint32(8, true);
  if (12 + headerLen > bytes.length) fail(8, `header of ${headerLen} bytes runs past the end of the ${bytes.length}-byte file`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLen))) as Header;
  } catch (e) {
    return fail(12, `header is not valid JSON (${(e as Error).message})`);
  }
  const start = Math.ceil((12 + headerLen) / 4) * 4;
  const payload = bytes.subarray(start);
  // Name the first blob that runs past the end: a truncated file says where it was cut.
  for (const e of header.blobs ?? []) {
    const end = e.offset + e.length * (e.dtype === 'f32' ? 4 : 1);
    if (end > payload.length) fail(start + payload.length, `file ends here (truncated): blob ${e.name} spans bytes ${start + e.offset}..${start + end}`);
  }
  if (crc32(payload) !== header.crc32) fail(start, 'checksum mismatch: the file is truncated or corrupt');
  const model = Model.fromConfig(header.model);
  const blob = (name: string): BlobEntry | undefined => header.blobs.find((b) => b.name === name);
  const f32 = (e: BlobEntry) => new Float32Array(payload.buffer.slice(payload.byteOffset + e.offset, payload.byteOffset + e.offset + e.length * 4));
  for (const [name, p] of model.namedParams()) {
    const e = blob(`param:${name}`);
    if (!e) fail(start, `param ${name} is missing`);
    if (e!.length !== p.size) fail(start + e!.offset, `param ${name} has ${e!.length} values, the layer needs ${p.size}`);
    p.assign(f32(e!));
    const m = blob(`mask:${name}`);
    if (m) p.setMask(new Mask(p.size, payload.subarray(m.offset, m.offset + m.length)));
  }
  for (const [name, b] of model.namedBuffers()) {
    const e = blob(`buffer:${name}`);
    if (!e) fail(start, `buffer ${name} is missing`);
    b.view().set(f32(e!));
  }
  return {
    model,
    meta: header.meta,
    restoreOptimizer(opt: Optimizer) {
      if (!header.optimizer) throw new CheckpointError(`${path}: holds no optimizer state`);
      const tensors: Record<string, Float32Array> = {};
      for (const e of header.blobs) if (e.name.startsWith('optim:')) tensors[e.name.slice(6)] = f32(e);
      opt.loadState({ steps: header.optimizer.steps, tensors });
    },
  };
}
