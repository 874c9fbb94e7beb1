/**
 * Checkpoints: one file holding the model's architecture, params, buffers, pruning masks,
 * optional optimizer state and free-form metadata. The container (checksummed header and
 * blobs) is in checkpoint-format.ts. Writes go to a temp file that is renamed over the
 * target, so a crash mid-write leaves the previous checkpoint intact.
 */
import { readFileSync } from 'node:fs';
import { Mask } from './param.js';
import { Model } from './model.js';
import type { Optimizer } from './optim/optimizer.js';
import { CheckpointError, blobBytes, decodeCheckpoint, encodeCheckpoint, type BlobEntry } from './checkpoint-format.js';
import { writeFileAtomic } from './write-file-atomic.js';

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
  const header = {
    model: model.config(), blobs, meta: opts.meta ?? {},
    ...(optState ? { optimizer: { name: optState.name, steps: optState.steps } } : {}),
  };
  writeFileAtomic(path, encodeCheckpoint(header, payload));
}

export interface LoadedCheckpoint {
  model: Model;
  meta: Record<string, unknown>;
  /** The optimizer the state was saved from ('sgd', 'adam', 'adamw'); null when none was saved. */
  optimizer: string | null;
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
  const { header, payload, start } = decodeCheckpoint(bytes, path);
  const fail = (offset: number, what: string): never => {
    throw new CheckpointError(`${path} @ byte ${offset}: ${what}`);
  };
  let model: Model;
  try {
    model = Model.fromConfig(header.model);
  } catch (e) {
    return fail(start, `the header's model architecture cannot be built: ${(e as Error).message}`);
  }
  const byName = new Map(header.blobs.map((b) => [b.name, b]));
  const f32 = (e: BlobEntry) => new Float32Array(payload.buffer.slice(payload.byteOffset + e.offset, payload.byteOffset + e.offset + blobBytes(e)));
  const expect = (name: string, dtype: BlobEntry['dtype'], size: number, what: string): BlobEntry => {
    const e = byName.get(name);
    if (!e) return fail(start, `${what} is missing`);
    if (e.dtype !== dtype) fail(start + e.offset, `${what} is stored as ${e.dtype}, expected ${dtype}`);
    if (e.length !== size) fail(start + e.offset, `${what} has ${e.length} values, the layer needs ${size}`);
    return e;
  };
  try {
    for (const [name, p] of model.namedParams()) {
      p.assign(f32(expect(`param:${name}`, 'f32', p.size, `param ${name}`)));
      if (byName.has(`mask:${name}`)) {
        const m = expect(`mask:${name}`, 'u8', p.size, `mask of ${name}`);
        const bits = payload.subarray(m.offset, m.offset + m.length);
        const bad = bits.findIndex((b) => b > 1);
        if (bad >= 0) fail(start + m.offset + bad, `mask of ${name} holds ${bits[bad]} at index ${bad}, expected 0 or 1`);
        p.setMask(new Mask(p.size, bits));
      }
    }
    for (const [name, b] of model.namedBuffers()) b.view().set(f32(expect(`buffer:${name}`, 'f32', b.size, `buffer ${name}`)));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    model,
    meta: header.meta,
    optimizer: header.optimizer?.name ?? null,
    restoreOptimizer(opt: Optimizer) {
      if (!header.optimizer) throw new CheckpointError(`${path}: holds no optimizer state`);
      const tensors: Record<string, Float32Array> = {};
      for (const e of header.blobs) if (e.name.startsWith('optim:')) tensors[e.name.slice(6)] = f32(e);
      try {
        opt.loadState({ steps: header.optimizer.steps, tensors });
      } catch (e) {
        throw new CheckpointError(`${path}: optimizer state does not fit: ${(e as Error).message}`);
      }
    },
  };
}
