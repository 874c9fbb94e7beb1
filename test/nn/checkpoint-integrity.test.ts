/**
 * Checkpoints cannot be damaged silently (issue 11): the header is under a CRC, blobs must lie
 * inside the file without overlapping, a header without its required fields names the file
 * and the field, every single-byte change before the blobs is caught, files of the previous
 * layout (v1, no header CRC) still load, and a failed atomic write leaves no temp file.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from '../../src/kernels/index.js';
import { CheckpointError, Flatten, Linear, Mask, Model, Sgd, loadCheckpoint, saveCheckpoint, writeFileAtomic } from '../../src/nn/index.js';
import { Tensor, scope } from '../../src/tensor/index.js';
import { buildCheckpoint, editHeader, splitCheckpoint } from '../helpers/checkpoint-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-ckpt-integrity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tiny = () => Model.sequential('tiny', [1, 4, 4], [new Flatten(), new Linear({ inFeatures: 16, outFeatures: 3, seed: 1 })]);
const meta = { normalization: { mean: 0.1307, std: 0.3081 }, recipe: { dataset: 'mnist', epochs: 2, lr: 0.01 } };
const good = join(dir, 'good.pqck');
{
  const model = tiny();
  const opt = new Sgd(model.params(), { momentum: 0.9 });
  saveCheckpoint(good, model, { optimizer: opt, meta });
  opt.dispose();
  model.dispose();
}
const bytes = new Uint8Array(readFileSync(good));
let n = 0;
const variant = (data: Uint8Array) => {
  const p = join(dir, `v${n++}.pqck`);
  writeFileSync(p, data);
  return p;
};
const expectError = (path: string, pattern: RegExp) =>
  assert.throws(() => loadCheckpoint(path), (e: unknown) => e instanceof CheckpointError && e.message.startsWith(path) && pattern.test(e.message),
    `expected ${pattern} from ${path}`);

/** Replaces the first occurrence of `from` in the header JSON by `to` (same length), keeping everything else. */
function patchHeaderText(from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf(from);
  assert.ok(at > 0 && at < splitCheckpoint(bytes).payloadStart, `'${from}' is in the header`);
  const out = Uint8Array.from(bytes);
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

function outputs(path: string): Float32Array {
  const { model } = loadCheckpoint(path);
  try {
    return scope(() => model.forward(Tensor.from(new Float32Array(16).map((_, i) => i / 16 - 0.5), [1, 1, 4, 4])).toArray());
  } finally {
    model.dispose();
  }
}

describe('the checkpoint header is under a checksum', () => {
  it('a flipped digit in the normalisation mean is caught', () => {
    expectError(variant(patchHeaderText('"mean":0.1307', '"mean":0.1407')), /@ byte 12: header checksum mismatch/);
  });

  it('a changed blob offset is caught (it would load other bytes as weights)', () => {
    const { header } = splitCheckpoint(bytes);
    const bias = header['blobs'].find((b: { name: string }) => b.name === 'param:1.bias');
    const from = `"offset":${bias.offset}`, to = `"offset":${bias.offset - 4}`;
    assert.equal(from.length, to.length, 'the test edits a digit in place');
    expectError(variant(patchHeaderText(from, to)), /@ byte 12: header checksum mismatch/);
  });

  it('every single-byte change before the blobs fails to load', () => {
    const { payloadStart } = splitCheckpoint(bytes);
    const path = join(dir, 'flip.pqck');
    for (let i = 0; i < payloadStart; i++) {
      for (const mask of [0x01, 0x80]) {
        const b = Uint8Array.from(bytes);
        b[i]! ^= mask;
        writeFileSync(path, b);
        assert.throws(() => loadCheckpoint(path), CheckpointError, `byte ${i} ^ ${mask} loaded`);
      }
    }
  });

  it('a non-zero padding byte after the header is refused', () => {
    // A note of 0-3 characters makes the header JSON a length that needs padding; then dirty the pad.
    const headerBytes = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).getUint32(8, true);
    const file = [0, 1, 2, 3].map((k) => editHeader(bytes, (h) => { h['meta'].note = 'x'.repeat(k); }))
      .find((f) => splitCheckpoint(f).payloadStart > 16 + headerBytes(f))!;
    const { payloadStart } = splitCheckpoint(file);
    const b = Uint8Array.from(file);
    b[payloadStart - 1] = 7;
    expectError(variant(b), new RegExp(`@ byte ${payloadStart - 1}: padding byte is 7, expected 0`));
  });
});

describe('blobs lie inside the file and do not overlap (header CRC valid)', () => {
  it('a blob past the end names the blob', () => {
    const file = editHeader(bytes, (h) => { h['blobs'][0].offset = 1 << 20; });
    expectError(variant(file), /file ends here \(truncated\): blob param:1\.weight spans bytes/);
  });

  it('overlapping blobs name both', () => {
    const file = editHeader(bytes, (h) => { h['blobs'][1].offset = h['blobs'][0].offset + 4; });
    expectError(variant(file), /blob param:1\.bias \(bytes \d+\.\.\d+\) overlaps blob param:1\.weight \(bytes \d+\.\.\d+\)/);
  });

  it('a blob listed twice, or with a bad dtype or length, is refused', () => {
    expectError(variant(editHeader(bytes, (h) => { h['blobs'].push({ ...h['blobs'][0] }); })), /blob param:1\.weight is listed twice/);
    expectError(variant(editHeader(bytes, (h) => { h['blobs'][0].dtype = 'f64'; })), /blob entry 0 is not \{ name, dtype/);
    expectError(variant(editHeader(bytes, (h) => { h['blobs'][0].length = -1; })), /blob entry 0 is not \{ name, dtype/);
  });

  it('a mask blob holding a value other than 0 or 1 is refused', () => {
    const model = tiny();
    const [, w] = model.namedParams()[0]!;
    w.setMask(new Mask(w.size));
    const path = join(dir, 'mask.pqck');
    saveCheckpoint(path, model);
    model.dispose();
    const file = new Uint8Array(readFileSync(path));
    const { header, payloadStart } = splitCheckpoint(file);
    const m = header['blobs'].find((b: { name: string }) => b.name === 'mask:1.weight');
    const payload = Uint8Array.from(file.subarray(payloadStart));
    payload[m.offset + 2] = 9;
    expectError(variant(buildCheckpoint(JSON.stringify({ ...header, crc32: crc32(payload) }), payload)), /mask of 1\.weight holds 9 at index 2, expected 0 or 1/);
  });
});

describe('a header without a required field names the file and the field', () => {
  for (const field of ['blobs', 'model', 'crc32']) {
    it(`no '${field}'`, () => {
      const path = variant(editHeader(bytes, (h) => { delete h[field]; }));
      expectError(path, new RegExp(`header has no '${field}' field`));
    });
  }
  it('a model config that cannot be built says so instead of throwing a TypeError', () => {
    expectError(variant(editHeader(bytes, (h) => { h['model'].nodes = 'none'; })), /the header's model architecture cannot be built/);
  });
});

describe('files of the previous layout (v1, no header CRC) still load', () => {
  it('a v1 file loads with the same weights, meta and optimizer state', () => {
    const v1 = variant(editHeader(bytes, () => {}, 1));
    assert.deepEqual(outputs(v1), outputs(good));
    const loaded = loadCheckpoint(v1);
    assert.deepEqual(loaded.meta, meta);
    assert.equal(loaded.optimizer, 'sgd');
    loaded.model.dispose();
  });
  it('v1 files get the structural checks too', () => {
    expectError(variant(editHeader(bytes, (h) => { h['blobs'][1].offset = h['blobs'][0].offset; }, 1)), /overlaps blob/);
    expectError(variant(editHeader(bytes, (h) => { delete h['blobs']; }, 1)), /header has no 'blobs' field/);
  });
  it('the writer writes v2', () => assert.equal(splitCheckpoint(bytes).version, 2));
});

describe('writeFileAtomic', () => {
  it('a failed write removes its temp file and keeps the error', () => {
    const folder = join(dir, 'atomic');
    const target = join(folder, 'target');
    mkdirSync(join(target, 'occupied'), { recursive: true }); // renaming a file over a non-empty directory fails
    assert.throws(() => writeFileAtomic(target, 'data'), /EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    assert.deepEqual(readdirSync(folder), ['target'], 'no temp file left beside the target');
  });

  it('a path under /proc fails at once instead of hanging in mkdirSync', () => {
    const code = `import('${join(process.cwd(), 'src/nn/index.ts')}').then((m) => { try { m.writeFileAtomic('/proc/pq-no-such/a/b.json', 'x'); process.exit(3); } catch { process.exit(0); } })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { timeout: 20_000, encoding: 'utf8' });
    assert.equal(r.signal, null, 'writeFileAtomic under /proc hung');
    assert.equal(r.status, 0, r.stderr);
  });
});
