/**
 * Datasets from folders (image folders of generated PNG/JPEG files, CIFAR binary, IDX), brought
 * to a model's input: pixel values against hand-computed ones, channel conversion, bilinear
 * resize and center crop, splits, the decode cache, and the errors for bad folders.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DatasetFormatError, loadDatasetPath } from '../../src/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'pq-dataset-path-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A PNG of `w × h` RGBA pixels from rgba(x, y). */
function png(w: number, h: number, rgba: (x: number, y: number) => [number, number, number, number]): Buffer {
  const img = new pngjs.PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.set(rgba(x, y), 4 * (y * w + x));
  return pngjs.PNG.sync.write(img);
}

function write(path: string, bytes: Uint8Array | string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

const gray = (v: (x: number, y: number) => number) => (x: number, y: number): [number, number, number, number] => [v(x, y), v(x, y), v(x, y), 255];

describe('image folders', () => {
  const flat = join(root, 'flat');
  before(() => {
    // class 'a': 3 images, class 'b': 2; pixel value encodes class, image and position.
    for (let i = 0; i < 3; i++) write(join(flat, 'a', `img${i}.png`), png(4, 4, gray((x, y) => 10 * i + 4 * y + x)));
    for (let i = 0; i < 2; i++) write(join(flat, 'b', `img${i}.png`), png(4, 4, gray((x, y) => 100 + 10 * i + 4 * y + x)));
  });

  it('decodes gray PNGs exactly (byte / 255), classes sorted, samples interleaved by class, used whole for train and test', () => {
    const ds = loadDatasetPath(flat, { shape: [1, 4, 4] });
    assert.equal(ds.format, 'image-folder');
    assert.equal(ds.splits, 'whole');
    assert.deepEqual(ds.test.classNames, ['a', 'b']);
    assert.equal(ds.test.count, 5);
    assert.deepEqual([...ds.test.labels], [0, 1, 0, 1, 0]);
    // sample 3 is b/img1.png: value 110 + 4y + x
    for (let p = 0; p < 16; p++) assert.equal(ds.test.images[3 * 16 + p], Math.fround((110 + p) / 255));
    assert.equal(ds.train, ds.test);
  });

  it('limit keeps a class-balanced prefix', () => {
    const ds = loadDatasetPath(flat, { shape: [1, 4, 4], limit: 2 });
    assert.deepEqual([...ds.train.labels], [0, 1]);
  });

  it('color to gray by BT.601 luma, gray to RGB by repetition, alpha dropped', () => {
    const dir = join(root, 'color');
    write(join(dir, 'c', 'rgb.png'), png(2, 2, () => [200, 100, 50, 7]));
    const g = loadDatasetPath(dir, { shape: [1, 2, 2] });
    const luma = (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255;
    for (const v of g.test.images) assert.ok(Math.abs(v - luma) < 1e-6, `${v} vs ${luma}`);
    const rgb = loadDatasetPath(dir, { shape: [3, 2, 2] });
    assert.deepEqual([...rgb.test.images], [200, 200, 200, 200, 100, 100, 100, 100, 50, 50, 50, 50].map((v) => Math.fround(v / 255)));
    const fromGray = loadDatasetPath(flat, { shape: [3, 4, 4], limit: 1 });
    for (let c = 0; c < 3; c++) for (let p = 0; p < 16; p++) assert.equal(fromGray.test.images[c * 16 + p], Math.fround(p / 255));
  });

  it('halving averages 2×2 blocks (bilinear at pixel centers); a wide image is center-cropped', () => {
    const dir = join(root, 'resize');
    const v = (x: number, y: number) => 8 * y + x * 3;
    write(join(dir, 'c', 'square.png'), png(4, 4, gray(v)));
    const ds = loadDatasetPath(dir, { shape: [1, 2, 2] });
    const block = (x0: number, y0: number) => (v(x0, y0) + v(x0 + 1, y0) + v(x0, y0 + 1) + v(x0 + 1, y0 + 1)) / 4 / 255;
    const want = [block(0, 0), block(2, 0), block(0, 2), block(2, 2)];
    ds.test.images.forEach((got, i) => assert.ok(Math.abs(got - want[i]!) < 1e-6, `pixel ${i}: ${got} vs ${want[i]}`));
    // 8 wide × 4 high to 2 × 2: scaled by 1/2 to 4 × 2, then columns 1..2 of that kept, i.e. source columns 2..5.
    const wide = join(root, 'wide');
    write(join(wide, 'c', 'wide.png'), png(8, 4, gray(v)));
    const w = loadDatasetPath(wide, { shape: [1, 2, 2] });
    const wantWide = [block(2, 0), block(4, 0), block(2, 2), block(4, 2)];
    w.test.images.forEach((got, i) => assert.ok(Math.abs(got - wantWide[i]!) < 1e-6, `pixel ${i}: ${got} vs ${wantWide[i]}`));
  });

  it('reads JPEG files (a solid color within JPEG rounding)', () => {
    const dir = join(root, 'jpeg');
    const data = new Uint8Array(8 * 8 * 4);
    for (let i = 0; i < 64; i++) data.set([30, 120, 210, 255], 4 * i);
    write(join(dir, 'x', 'a.jpg'), jpeg.encode({ data, width: 8, height: 8 }, 100).data);
    write(join(dir, 'y', 'b.jpeg'), jpeg.encode({ data, width: 8, height: 8 }, 100).data);
    const ds = loadDatasetPath(dir, { shape: [3, 8, 8] });
    assert.equal(ds.test.count, 2);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 64; p++) assert.ok(Math.abs(ds.test.images[c * 64 + p]! * 255 - [30, 120, 210][c]!) <= 3);
  });

  it('train/ and test/ (and val/) splits with the same classes', () => {
    const dir = join(root, 'split');
    for (const s of ['train', 'val', 'test']) for (const c of ['cat', 'dog']) write(join(dir, s, c, '0.png'), png(2, 2, gray(() => (s === 'train' ? 1 : 2))));
    const ds = loadDatasetPath(dir, { shape: [1, 2, 2] });
    assert.equal(ds.splits, 'folders');
    assert.equal(ds.train.count, 2);
    assert.equal(ds.val?.count, 2);
    assert.equal(ds.test.images[0], Math.fround(2 / 255));
    assert.equal(ds.train.images[0], Math.fround(1 / 255));
  });

  const refused = (dir: string, pattern: RegExp, shape: [number, number, number] = [1, 2, 2]) =>
    assert.throws(() => loadDatasetPath(dir, { shape }), (e: unknown) => e instanceof DatasetFormatError && pattern.test((e as Error).message));

  it('refuses mismatched class sets, empty class folders, corrupt images, stray files and models images cannot feed', () => {
    const mis = join(root, 'mismatch');
    write(join(mis, 'train', 'cat', '0.png'), png(2, 2, gray(() => 0)));
    write(join(mis, 'train', 'dog', '0.png'), png(2, 2, gray(() => 0)));
    write(join(mis, 'test', 'cat', '0.png'), png(2, 2, gray(() => 0)));
    write(join(mis, 'test', 'eel', '0.png'), png(2, 2, gray(() => 0)));
    refused(mis, /test: its classes differ from train\/'s \(missing dog; not in train: eel\)/);

    const empty = join(root, 'empty');
    write(join(empty, 'a', '0.png'), png(2, 2, gray(() => 0)));
    mkdirSync(join(empty, 'b'));
    refused(empty, /empty.b: class folder 'b' is empty/);

    const corrupt = join(root, 'corrupt');
    const good = png(2, 2, gray(() => 0));
    write(join(corrupt, 'a', 'ok.png'), good);
    write(join(corrupt, 'a', 'cut.png'), good.subarray(0, good.length - 20));
    refused(corrupt, /corrupt.a.cut\.png: corrupt or unsupported PNG/);
    const fake = join(root, 'fake');
    write(join(fake, 'a', 'text.jpg'), 'hello');
    refused(fake, /fake.a.text\.jpg: not a PNG or JPEG image/);

    const stray = join(root, 'stray');
    write(join(stray, 'a', '0.png'), good);
    write(join(stray, 'a', 'notes.txt'), 'x');
    refused(stray, /notes\.txt: not a \.png, \.jpg or \.jpeg file/);

    refused(flat, /takes 2-channel input; images can feed 1 \(gray\) or 3 \(RGB\)/, [2, 4, 4]);
    refused(join(root, 'nope'), /no such dataset folder/);
  });
});

describe('the decode cache', () => {
  it('is reused while the files are unchanged, rebuilt when one changes or the cache file is damaged', () => {
    const dir = join(root, 'cached'), cacheDir = join(root, 'cache');
    write(join(dir, 'a', '0.png'), png(3, 3, gray((x, y) => 3 * y + x)));
    write(join(dir, 'b', '0.png'), png(3, 3, gray(() => 99)));
    const first = loadDatasetPath(dir, { shape: [1, 3, 3], cacheDir });
    assert.equal(first.cache?.hit, false);
    const second = loadDatasetPath(dir, { shape: [1, 3, 3], cacheDir });
    assert.equal(second.cache?.hit, true);
    assert.equal(second.cache?.file, first.cache?.file);
    assert.deepEqual(second.test.images, first.test.images);
    assert.deepEqual(second.test.labels, first.test.labels);
    assert.deepEqual(second.test.classNames, ['a', 'b']);

    // Another target shape is another cache entry.
    assert.equal(loadDatasetPath(dir, { shape: [3, 3, 3], cacheDir }).cache?.hit, false);

    // A flipped byte in the payload: not trusted, decoded again (and right).
    const file = first.cache!.file;
    const bytes = readFileSync(file);
    bytes[bytes.length - 5]! ^= 0x40;
    writeFileSync(file, bytes);
    const again = loadDatasetPath(dir, { shape: [1, 3, 3], cacheDir });
    assert.equal(again.cache?.hit, false);
    assert.deepEqual(again.test.images, first.test.images);

    // A changed image: a new key, so the new pixels.
    write(join(dir, 'b', '0.png'), png(3, 3, gray(() => 50)));
    utimesSync(join(dir, 'b', '0.png'), new Date(), new Date(Date.now() + 5000));
    const changed = loadDatasetPath(dir, { shape: [1, 3, 3], cacheDir });
    assert.equal(changed.cache?.hit, false);
    assert.equal(changed.test.images[9], Math.fround(50 / 255));
  });
});

describe('CIFAR binary and IDX folders', () => {
  /** n records: label bytes then 3×32×32 pixels, channel planes; pixel value from (record, channel, position). */
  function cifar(n: number, labels: (i: number) => number[]): Uint8Array {
    const rec = labels(0).length + 3072, out = new Uint8Array(n * rec);
    for (let i = 0; i < n; i++) {
      out.set(labels(i), i * rec);
      for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[i * rec + labels(i).length + c * 1024 + p] = (i * 7 + c * 50 + p) & 255;
    }
    return out;
  }

  it('CIFAR-10: data_batch_*.bin and test_batch.bin, planes read as CHW, class names from batches.meta.txt', () => {
    const dir = join(root, 'cifar10');
    write(join(dir, 'data_batch_1.bin'), cifar(3, (i) => [i]));
    write(join(dir, 'data_batch_2.bin'), cifar(2, (i) => [9 - i]));
    write(join(dir, 'test_batch.bin'), cifar(2, (i) => [i + 4]));
    write(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
    const ds = loadDatasetPath(dir, { shape: [3, 32, 32] });
    assert.equal(ds.format, 'cifar-10');
    assert.equal(ds.train.count, 5);
    assert.deepEqual([...ds.train.labels], [0, 1, 2, 9, 8]);
    assert.deepEqual([...ds.test.labels], [4, 5]);
    assert.equal(ds.train.classNames?.[9], 'truck');
    // record 1 of the test split, channel 2, position 300
    assert.equal(ds.test.images[3072 + 2 * 1024 + 300], Math.fround(((7 + 100 + 300) & 255) / 255));
  });

  it('CIFAR-100: train.bin / test.bin with the fine label (second byte)', () => {
    const dir = join(root, 'cifar100');
    write(join(dir, 'train.bin'), cifar(2, (i) => [3, 90 + i]));
    write(join(dir, 'test.bin'), cifar(1, () => [1, 42]));
    const ds = loadDatasetPath(dir, { shape: [3, 32, 32] });
    assert.equal(ds.format, 'cifar-100');
    assert.equal(ds.train.classes, 100);
    assert.deepEqual([...ds.train.labels], [90, 91]);
    assert.deepEqual([...ds.test.labels], [42]);
  });

  it('CIFAR files of the wrong size or with out-of-range labels name the file', () => {
    const dir = join(root, 'cifar-bad');
    write(join(dir, 'data_batch_1.bin'), cifar(1, () => [0]).subarray(0, 3000));
    write(join(dir, 'test_batch.bin'), cifar(1, () => [0]));
    assert.throws(() => loadDatasetPath(dir, { shape: [3, 32, 32] }), /data_batch_1\.bin: 3000 bytes is not a whole number of 3073-byte CIFAR records/);
    write(join(dir, 'data_batch_1.bin'), cifar(1, () => [12]));
    assert.throws(() => loadDatasetPath(dir, { shape: [3, 32, 32] }), /data_batch_1\.bin @ byte 0: label 12, expected < 10/);
  });

  function idx(dims: number[], data: number[]): Uint8Array {
    const out = new Uint8Array(4 + 4 * dims.length + data.length);
    out[2] = 0x08;
    out[3] = dims.length;
    const view = new DataView(out.buffer);
    dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
    out.set(data, 4 + 4 * dims.length);
    return out;
  }

  it('IDX files (plain and .gz), classes from the largest label', () => {
    const dir = join(root, 'idx');
    const pix = (n: number) => Array.from({ length: n * 4 }, (_, i) => (i * 13) & 255);
    write(join(dir, 'train-images-idx3-ubyte'), idx([3, 2, 2], pix(3)));
    write(join(dir, 'train-labels-idx1-ubyte'), idx([3], [0, 2, 1]));
    write(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([1, 2, 2], pix(1))));
    write(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([1], [6])));
    const ds = loadDatasetPath(dir, { shape: [1, 2, 2] });
    assert.equal(ds.format, 'idx');
    assert.equal(ds.train.classes, 7);
    assert.deepEqual([...ds.train.labels], [0, 2, 1]);
    assert.deepEqual([...ds.train.images], pix(3).map((v) => Math.fround(v / 255)));
    assert.deepEqual([...ds.test.labels], [6]);
    write(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [6, 6])));
    assert.throws(() => loadDatasetPath(dir, { shape: [1, 2, 2] }), /2 labels for 1 images/);
  });
});
