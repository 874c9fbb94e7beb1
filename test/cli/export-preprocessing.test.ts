/**
 * Preprocessing travels into ONNX files: `export --format onnx|onnx-int8` writes the model's
 * preprocessing (what the checkpoint records, or the options given to export) into
 * metadata_props under 'prunequant.preprocessing', read here straight from the protobuf; importing
 * the file gives it back, and `eval model.onnx` needs no --mean/--std to get the checkpoint's
 * accuracy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtoReader, decodeOnnxModel, loadOnnxModel } from '../../src/io/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-export-pre-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ckpt = join(dir, 'base', 'model.pqck');

async function ok(argv: string[]): Promise<Record<string, any>> {
  const r = await runCli([...argv, '--json']);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.json!;
}

/** ModelProto.metadata_props (field 14: key 1, value 2) as a list of [key, value]. */
function metadataProps(path: string): [string, string][] {
  const props: [string, string][] = [];
  for (const raw of decodeOnnxModel(readFileSync(path), path).extraFields ?? []) {
    const r = new ProtoReader(raw);
    while (r.next()) {
      if (r.field !== 14) { r.skip(); continue; }
      const e = r.message();
      let k = '', v = '';
      while (e.next()) { if (e.field === 1) k = e.string(); else if (e.field === 2) v = e.string(); else e.skip(); }
      props.push([k, v]);
    }
  }
  return props;
}

const recorded = (path: string) => {
  const entries = metadataProps(path).filter(([k]) => k === 'prunequant.preprocessing');
  assert.equal(entries.length, 1, `one preprocessing entry in ${path}: ${JSON.stringify(entries)}`);
  return JSON.parse(entries[0]![1]) as unknown;
};

// What `train` on MNIST records: the standardization of MNIST's pixels in [0, 1], NCHW.
const MNIST = { layout: 'nchw', range: '0-1', mean: [0.1307], std: [0.3081] };

describe('export writes the preprocessing into ONNX metadata', () => {
  before(async () => {
    await ok(['train', '--limit', '256', '--epochs', '1', '--batch-size', '32', '--out', join(dir, 'base')]);
  });

  it('export --format onnx of an MNIST checkpoint: metadata holds it, import gives it back, eval needs no options', async () => {
    const onnx = join(dir, 'model.onnx');
    await ok(['export', ckpt, '--format', 'onnx', '--out', onnx]);
    assert.deepEqual(recorded(onnx), MNIST);
    const imported = loadOnnxModel(onnx);
    imported.model.dispose();
    assert.deepEqual(imported.preprocessing, MNIST);
    const want = await ok(['eval', ckpt, '--limit', '300']);
    const got = await ok(['eval', onnx, '--limit', '300']);
    assert.equal(got['preprocessingFrom'], 'model');
    assert.deepEqual(got['preprocessing'], MNIST);
    assert.equal(got['accuracy'], want['accuracy']);
    assert.ok(Math.abs(got['loss'] - want['loss']) < 1e-4, `loss ${got['loss']} vs ${want['loss']}`);
  });

  it('options given to export are what it records, a re-export keeps one entry, and onnx-int8 records it too', async () => {
    const given = join(dir, 'given.onnx');
    await ok(['export', ckpt, '--format', 'onnx', '--out', given, '--range', '0-255', '--mean', '33.3', '--std', '78.6']);
    const scaled = { layout: 'nchw', range: '0-255', mean: [33.3], std: [78.6] };
    assert.deepEqual(recorded(given), scaled);
    // An imported ONNX file exported again: its own entry is replaced, not repeated.
    const again = join(dir, 'again.onnx');
    await ok(['export', given, '--format', 'onnx', '--out', again]);
    assert.deepEqual(recorded(again), scaled);

    await ok(['quantize', ckpt, '--bits', '8', '--activations', 'uint8', '--calibration-batches', '2', '--limit', '64', '--out', join(dir, 'q')]);
    const int8 = join(dir, 'q.onnx');
    await ok(['export', join(dir, 'q', 'model.pqck'), '--format', 'onnx-int8', '--out', int8]);
    assert.deepEqual(recorded(int8), MNIST);
  });

  it('a bad preprocessing option is a usage error before any file is written', async () => {
    const r = await runCli(['export', ckpt, '--out', join(dir, 'never.onnx'), '--std', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--std values must be > 0, got '0'/);
  });
});
