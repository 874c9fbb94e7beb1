/**
 * The shape a dataset folder holds (datasetPathShape), read from image headers: gray PNGs give one
 * channel, any color file three; JPEG frame headers; sizes that differ are refused naming two
 * files; CIFAR is 3×32×32 and IDX its header's size.
 */
import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { DatasetFormatError, datasetPathShape } from '../../src/data/index.js';
import { writeGrayPng, writePng } from '../helpers/image-folder.js';

const root = mkdtempSync(join(tmpdir(), 'pq-dataset-shape-'));
after(() => rmSync(root, { recursive: true, force: true }));

it('gray PNGs: 1 channel at their size; one color file makes it 3', () => {
  const dir = join(root, 'gray');
  writeGrayPng(join(dir, 'a', '0.png'), 7, 5, () => 9);
  writeGrayPng(join(dir, 'b', '0.png'), 7, 5, () => 9);
  assert.deepEqual(datasetPathShape(dir), [1, 5, 7]);
  writePng(join(dir, 'b', '1.png'), 7, 5, () => [1, 2, 3]);
  assert.deepEqual(datasetPathShape(dir), [3, 5, 7]);
});

it('JPEG frame headers give the size and color', () => {
  const dir = join(root, 'jpeg');
  const data = new Uint8Array(9 * 6 * 4).fill(128);
  mkdirSync(join(dir, 'x'), { recursive: true });
  writeFileSync(join(dir, 'x', 'a.jpg'), jpeg.encode({ data, width: 9, height: 6 }, 90).data);
  assert.deepEqual(datasetPathShape(dir), [3, 6, 9]);
});

it('images of different sizes, and a corrupt header, are refused naming the files', () => {
  const dir = join(root, 'mixed');
  writeGrayPng(join(dir, 'a', '0.png'), 4, 4, () => 1);
  writeGrayPng(join(dir, 'a', '1.png'), 4, 6, () => 1);
  assert.throws(() => datasetPathShape(dir), (e: unknown) => e instanceof DatasetFormatError && /images differ in size \(a.0\.png is 4×4, a.1\.png is 4×6\)/.test((e as Error).message));
  const bad = join(root, 'bad');
  mkdirSync(join(bad, 'a'), { recursive: true });
  writeFileSync(join(bad, 'a', 'x.png'), Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0));
  assert.throws(() => datasetPathShape(bad), /bad.a.x\.png: corrupt PNG \(no IHDR header\)/);
});

it('CIFAR-10 binary is 3×32×32; IDX is 1 × its rows × columns', () => {
  const cifar = join(root, 'cifar');
  mkdirSync(cifar);
  for (const f of ['data_batch_1.bin', 'test_batch.bin']) writeFileSync(join(cifar, f), new Uint8Array(3073));
  assert.deepEqual(datasetPathShape(cifar), [3, 32, 32]);
  const idx = join(root, 'idx');
  mkdirSync(idx);
  const images = (n: number, h: number, w: number) => {
    const b = Buffer.alloc(16 + n * h * w);
    b.writeUInt32BE(0x803, 0); b.writeUInt32BE(n, 4); b.writeUInt32BE(h, 8); b.writeUInt32BE(w, 12);
    return b;
  };
  const labels = (n: number) => { const b = Buffer.alloc(8 + n); b.writeUInt32BE(0x801, 0); b.writeUInt32BE(n, 4); return b; };
  writeFileSync(join(idx, 'train-images-idx3-ubyte'), images(2, 5, 3));
  writeFileSync(join(idx, 'train-labels-idx1-ubyte'), labels(2));
  writeFileSync(join(idx, 't10k-images-idx3-ubyte'), images(1, 5, 3));
  writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), labels(1));
  assert.deepEqual(datasetPathShape(idx), [1, 5, 3]);
});
