// Mutated .pqm files: byte flips, truncations, and forged sections whose checksums were fixed
// after changing a byte (as a hostile writer would). Each must be rejected with a FormatError
// naming the file, or, where it still parses, plan and run with finite outputs. Nothing may
// crash, hang or throw anything else.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, setThreads } from '../../src/kernels/index.js';
import { createModel } from '../../src/nn/index.js';
import { pruneModel, postTrainingQuantize, quantizationMeta } from '../../src/compress/index.js';
import { pqmBytes } from '../../src/io/index.js';
import { FormatError, Session, SessionError, decodePqm } from '../../src/runtime/index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Section boundaries: [start, payloadStart, payloadEnd] of each section. */
function sections(bytes: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  let pos = 6;
  while (pos < bytes.length) {
    const start = pos++;
    let len = 0, shift = 0, b: number;
    do { b = bytes[pos++]!; len += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    out.push([start, pos, pos + len]);
    pos += len + 4;
  }
  return out;
}

/** Changes one payload byte of a section and rewrites its CRC so the change is not caught there. */
function forge(bytes: Uint8Array, random: () => number): Uint8Array {
  const out = bytes.slice();
  const all = sections(out);
  const [start, from, to] = all[1 + Math.floor(random() * (all.length - 1))]!;
  if (to === from) return out;
  const at = from + Math.floor(random() * (to - from));
  const choices = [0, 1, 0x7f, 0x80, 0xff, out[at]! ^ (1 << Math.floor(random() * 8)), out[at]! + 1];
  out[at] = choices[Math.floor(random() * choices.length)]! & 0xff;
  new DataView(out.buffer).setUint32(to, crc32(out.subarray(start, to)), true);
  return out;
}

describe('.pqm fuzzing', () => {
  before(() => setThreads(1));
  const model = createModel('lenet5', { seed: 4 });
  pruneModel(model, { sparsity: 0.9, scope: 'global' });
  const q = postTrainingQuantize(model, { weights: { bits: 4 } });
  const quantized = pqmBytes(q.model, { meta: { quantization: quantizationMeta(q) } });
  const float = pqmBytes(model);
  const x = new Float32Array(784).fill(0.5);

  it('rejects or safely runs 1,200 mutated files', async () => {
    const random = rng(2024);
    const counts = { rejected: 0, loaded: 0 };
    for (let i = 0; i < 1200; i++) {
      const base = i % 2 ? quantized : float;
      let bad: Uint8Array;
      const kind = i % 3;
      if (kind === 0) {
        bad = base.slice();
        for (let f = 1 + Math.floor(random() * 3); f > 0; f--) bad[Math.floor(random() * bad.length)]! ^= 1 << Math.floor(random() * 8);
      } else if (kind === 1) {
        bad = base.subarray(0, Math.floor(random() * base.length));
      } else {
        bad = forge(base, random);
      }
      let decoded;
      try {
        decoded = decodePqm(bad, `fuzz-${i}.pqm`);
      } catch (e) {
        assert.ok(e instanceof FormatError, `variant ${i}: ${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as Error).message, new RegExp(`^fuzz-${i}\\.pqm`));
        counts.rejected++;
        continue;
      }
      counts.loaded++;
      try {
        const s = Session.fromModel(decoded, { batch: 1, choose: 'first' });
        const y = s.runSync(x, [1, 1, 28, 28]);
        assert.equal(y.length, s.outputSize);
        s.dispose();
      } catch (e) {
        assert.ok(e instanceof SessionError || e instanceof FormatError, `variant ${i} loaded, then: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    // Byte flips and cuts must all be caught; only forged sections may still parse.
    assert.ok(counts.rejected >= 800, `rejected ${counts.rejected}, loaded ${counts.loaded}`);
  });
});
