/**
 * Byte surgery on checkpoint files for tests: split a file into preamble, header JSON and
 * blobs, and rebuild one with an edited header (its CRC made valid again, so a test reaches
 * the check behind the checksum). Layouts as in src/nn/checkpoint-format.ts.
 */
import { crc32 } from '../../src/kernels/index.js';

export interface CheckpointParts {
  version: number;
  /** Offset of the header JSON. */
  jsonStart: number;
  header: Record<string, any>;
  /** Offset of the blob section. */
  payloadStart: number;
  payload: Uint8Array;
}

export function splitCheckpoint(bytes: Uint8Array): CheckpointParts {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true), headerLen = dv.getUint32(8, true);
  const jsonStart = version === 1 ? 12 : 16;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(jsonStart, jsonStart + headerLen))) as Record<string, any>;
  const payloadStart = Math.ceil((jsonStart + headerLen) / 4) * 4;
  return { version, jsonStart, header, payloadStart, payload: bytes.subarray(payloadStart) };
}

/** A checkpoint of `version` (2: with a valid header CRC) from raw header JSON text and blobs. */
export function buildCheckpoint(headerJson: string, payload: Uint8Array, version = 2): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const jsonStart = version === 1 ? 12 : 16;
  const start = Math.ceil((jsonStart + json.length) / 4) * 4;
  const out = new Uint8Array(start + payload.length);
  out.set(new TextEncoder().encode('PQCK'), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, version, true);
  dv.setUint32(8, json.length, true);
  out.set(json, jsonStart);
  if (version >= 2) {
    const covered = new Uint8Array(12 + json.length);
    covered.set(out.subarray(0, 12), 0);
    covered.set(json, 12);
    dv.setUint32(12, crc32(covered), true);
  }
  out.set(payload, start);
  return out;
}

/** The same checkpoint with its header edited by `edit`, CRC valid again. */
export function editHeader(bytes: Uint8Array, edit: (header: Record<string, any>) => void, version?: number): Uint8Array {
  const parts = splitCheckpoint(bytes);
  edit(parts.header);
  return buildCheckpoint(JSON.stringify(parts.header), parts.payload, version ?? parts.version);
}
