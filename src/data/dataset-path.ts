/**
 * A dataset from a folder on disk, brought to a model's input shape:
 * - an image folder: one subfolder per class (PNG/JPEG), or `train/` with `val/` and/or `test/`
 *   above such class folders;
 * - the CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin) or CIFAR-100's (train.bin,
 *   test.bin; fine labels);
 * - IDX files as MNIST ships them (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 *   t10k-* or test-*, optionally .gz).
 * Images are decoded once; with a cache folder, the decoded splits are stored there
 * (dataset-cache.ts) and later loads read them instead.
 */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { carveTestSplit } from './carve-split.js';
import { cacheKey, readDatasetCache, writeDatasetCache } from './dataset-cache.js';
import { makeDataset, type Dataset } from './dataset.js';
import { DatasetFormatError } from './errors.js';
import { parseIdx } from './idx.js';
import { readImageHeader } from './image-header.js';
import { decodeImage, imageToChw, IMAGE_EXTENSIONS, type RawImage } from './images.js';

export type PathDatasetFormat = 'image-folder' | 'cifar-10' | 'cifar-100' | 'idx';

export interface PathDatasetOptions {
  /** The model's input [channels, height, width]; images are converted and resized to it. */
  shape: readonly [number, number, number];
  /** Keep the decoded splits in this folder and reuse them while the files are unchanged. */
  cacheDir?: string;
  /** Only the first `limit` samples of each split (classes interleaved, so a prefix is balanced). */
  limit?: number;
  /**
   * For a folder without split folders: hold out a test split carved with this seed
   * (carveTestSplit, 1 in 6 per class) instead of using the whole folder as train and test.
   * Commands that train pass it; evaluating a model on the whole folder does not.
   */
  carveSeed?: number;
}

export interface PathDataset {
  train: Dataset;
  test: Dataset;
  /** Present when the folder has a `val/` split. */
  val?: Dataset;
  format: PathDatasetFormat;
  /**
   * 'folders': the files say which images are train and test; 'whole': one set used as both
   * (a folder without split folders, no carveSeed); 'carved': such a folder with a held-out
   * test split carved from it.
   */
  splits: 'folders' | 'whole' | 'carved';
  /** For 'carved': the seed and the share (1 in oneIn per class) the test split was carved with. */
  carve?: { seed: number; oneIn: number };
  /** The cache file used, and whether it already held the decoded data. */
  cache: { file: string; hit: boolean } | null;
}

/** Bumped when decoding or resizing changes, so older cache files are not trusted. */
const READER_VERSION = 1;

/** A file a split reads: path and stat for the cache key. */
interface Source { path: string; st: Stats }

interface Plan {
  format: PathDatasetFormat;
  splits: 'folders' | 'whole';
  files: Source[];
  decode: (shape: readonly [number, number, number], limit: number | undefined) => Record<string, Dataset>;
  /** The [channels, height, width] the data has on disk, for a model built to fit it. */
  nativeShape: () => [number, number, number];
}

function visible(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch (e) {
    throw new DatasetFormatError(`${dir}: cannot read the dataset folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const stat = (path: string): Source => ({ path, st: statSync(path) });

/** Refuses a dataset path that does not exist or is not a folder, naming it. */
function checkDatasetFolder(path: string): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new DatasetFormatError(`${path}: no such dataset folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isDirectory()) throw new DatasetFormatError(`${path} is not a folder; --dataset PATH takes an image folder, a CIFAR binary folder or a folder of IDX files`);
}

/**
 * Loads a dataset folder for a model taking `shape` inputs.
 * @example const { train, test } = loadDatasetPath('photos/', { shape: [3, 32, 32], cacheDir: 'runs/x' });
 */
export function loadDatasetPath(path: string, opts: PathDatasetOptions): PathDataset {
  checkDatasetFolder(path);
  const { limit } = opts;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) throw new RangeError(`loadDatasetPath: limit must be a positive integer, got ${limit}`);
  const shape = [...opts.shape] as [number, number, number];
  const plan = planFolder(path);
  const key = cacheKey({
    reader: READER_VERSION, format: plan.format, shape, limit: limit ?? null,
    files: plan.files.map((f) => [relative(path, f.path), f.st.size, f.st.mtimeMs]),
  });
  const file = opts.cacheDir !== undefined ? join(opts.cacheDir, `dataset-${key.slice(0, 16)}.pqds`) : null;
  let splits = file !== null ? readDatasetCache(file, key) : null;
  const hit = splits !== null;
  if (splits === null) {
    splits = plan.decode(shape, limit);
    if (file !== null) writeDatasetCache(file, key, splits);
  }
  const train = splits['train'], test = splits['test'];
  if (train === undefined || test === undefined) throw new DatasetFormatError(`${path}: decoded without a train or test split`);
  const cache = file !== null ? { file, hit } : null;
  if (plan.splits === 'whole' && opts.carveSeed !== undefined) {
    let carved;
    try {
      carved = carveTestSplit(train, opts.carveSeed);
    } catch (e) {
      // The message starts with the split's internal name; the folder names it better.
      throw e instanceof RangeError ? new DatasetFormatError(`${path}: ${e.message.replace(/^[^:]*: /, '')}`) : e;
    }
    return { train: carved.train, test: carved.test, format: plan.format, splits: 'carved', carve: { seed: carved.seed, oneIn: carved.oneIn }, cache };
  }
  return { train, test, ...(splits['val'] ? { val: splits['val'] } : {}), format: plan.format, splits: plan.splits, cache };
}

/**
 * The [channels, height, width] a dataset folder holds, for building a model to fit it: CIFAR
 * 3×32×32, IDX 1×H×W, an image folder its images' size (all must agree), 3 channels when any
 * file stores color and 1 when all are gray. Reads headers only.
 * @example const shape = datasetPathShape('photos/'); // e.g. [3, 32, 32]
 */
export function datasetPathShape(path: string): [number, number, number] {
  checkDatasetFolder(path);
  return planFolder(path).nativeShape();
}

/** One size for every image of a folder, or an error naming two files that differ. */
function imageFolderShape(path: string, files: readonly string[]): [number, number, number] {
  let first: { file: string; width: number; height: number } | undefined;
  let color = false;
  for (const file of files) {
    const h = readImageHeader(file);
    color ||= h.color;
    if (first === undefined) first = { file, width: h.width, height: h.height };
    else if (h.width !== first.width || h.height !== first.height) {
      throw new DatasetFormatError(`${path}: images differ in size (${relative(path, first.file)} is ${first.width}×${first.height}, ` +
        `${relative(path, file)} is ${h.width}×${h.height}); give the input shape to resize them all to one`);
    }
  }
  return [color ? 3 : 1, first!.height, first!.width];
}

function planFolder(path: string): Plan {
  const names = visible(path);
  const has = (n: string) => names.includes(n);
  if (has('cifar-10-batches-bin') && names.length === 1) return planFolder(join(path, 'cifar-10-batches-bin'));
  if (has('cifar-100-binary') && names.length === 1) return planFolder(join(path, 'cifar-100-binary'));
  if (names.some((n) => /^data_batch_\d+\.bin$/.test(n)) || has('test_batch.bin')) return planCifar10(path, names);
  if (has('train.bin') && has('test.bin')) return planCifar100(path);
  if (names.some((n) => /-idx3-ubyte(\.gz)?$|\.idx3-ubyte(\.gz)?$/.test(n))) return planIdx(path, names);
  return planImageFolder(path, names);
}

// ---- image folders ----------------------------------------------------------------------------

interface ClassFolder { name: string; files: string[] }

function classFolders(dir: string): ClassFolder[] {
  const out: ClassFolder[] = [];
  for (const name of visible(dir)) {
    const sub = join(dir, name);
    if (!statSync(sub).isDirectory()) {
      throw new DatasetFormatError(`${sub}: a file where class folders belong; an image folder holds one subfolder per class (or train/ and test/ above them)`);
    }
    const files = visible(sub).map((f) => join(sub, f));
    for (const f of files) {
      if (statSync(f).isDirectory()) throw new DatasetFormatError(`${f}: a folder inside class folder '${name}'; class folders hold images only`);
      if (!(IMAGE_EXTENSIONS as readonly string[]).includes(extname(f).toLowerCase())) {
        throw new DatasetFormatError(`${f}: not a .png, .jpg or .jpeg file; class folders hold images only`);
      }
    }
    if (files.length === 0) throw new DatasetFormatError(`${sub}: class folder '${name}' is empty`);
    out.push({ name, files });
  }
  if (out.length === 0) throw new DatasetFormatError(`${dir}: no class folders (an image folder holds one subfolder per class)`);
  return out;
}

const SPLIT_NAMES = ['train', 'val', 'test'];

function planImageFolder(path: string, names: string[]): Plan {
  const split = names.includes('train') && (names.includes('val') || names.includes('test'));
  if (split) {
    const stray = names.filter((n) => !SPLIT_NAMES.includes(n));
    if (stray.length > 0) throw new DatasetFormatError(`${path}: ${stray.map((s) => `'${s}'`).join(', ')} beside the train/val/test split folders`);
  }
  const parts: Record<string, ClassFolder[]> = split
    ? Object.fromEntries(names.map((n) => [n, classFolders(join(path, n))]))
    : { all: classFolders(path) };
  if (split) {
    const classes = parts['train']!.map((c) => c.name);
    for (const [name, folders] of Object.entries(parts)) {
      const here = folders.map((c) => c.name);
      const missing = classes.filter((c) => !here.includes(c)), extra = here.filter((c) => !classes.includes(c));
      if (missing.length > 0 || extra.length > 0) {
        throw new DatasetFormatError(`${join(path, name)}: its classes differ from train/'s (${[
          missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not in train: ${extra.join(', ')}` : '',
        ].filter((s) => s).join('; ')})`);
      }
    }
  }
  const files = Object.values(parts).flatMap((folders) => folders.flatMap((c) => c.files.map(stat)));
  return {
    format: 'image-folder', splits: split ? 'folders' : 'whole', files,
    nativeShape: () => imageFolderShape(path, files.map((f) => f.path)),
    decode: (shape, limit) => {
      const out: Record<string, Dataset> = {};
      for (const [name, folders] of Object.entries(parts)) out[name] = decodeImageSplit(`${basename(path)}/${name}`, folders, shape, limit);
      if (!split) {
        out['train'] = out['all']!;
        out['test'] = out['all']!;
        delete out['all'];
      }
      return out;
    },
  };
}

/** Samples interleave classes round-robin (file order within a class), so any prefix is balanced. */
function decodeImageSplit(name: string, folders: ClassFolder[], shape: readonly [number, number, number], limit: number | undefined): Dataset {
  const order: [number, string][] = [];
  const longest = Math.max(...folders.map((c) => c.files.length));
  for (let i = 0; i < longest; i++) folders.forEach((c, label) => { if (i < c.files.length) order.push([label, c.files[i]!]); });
  const count = Math.min(order.length, limit ?? Infinity);
  const size = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(count * size), labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const [label, file] = order[i]!;
    imageToChw(decodeImage(readFileSync(file), file), shape, images, i * size, file);
    labels[i] = label;
  }
  return makeDataset({ name, images, labels, count, shape: [...shape], classes: folders.length, classNames: folders.map((c) => c.name) });
}

// ---- CIFAR binary -----------------------------------------------------------------------------

function readRecords(file: string, labelBytes: number, classes: number, into: { labels: number[]; pixels: Uint8Array[] }): void {
  const bytes = readFileSync(file);
  const record = labelBytes + 3072;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new DatasetFormatError(`${file}: ${bytes.length} bytes is not a whole number of ${record}-byte CIFAR records (${labelBytes} label byte(s) + 3×32×32 pixels)`);
  }
  for (let at = 0; at < bytes.length; at += record) {
    const label = bytes[at + labelBytes - 1]!;
    if (label >= classes) throw new DatasetFormatError(`${file} @ byte ${at + labelBytes - 1}: label ${label}, expected < ${classes}`);
    into.labels.push(label);
    into.pixels.push(bytes.subarray(at + labelBytes, at + record));
  }
}

function labelNames(file: string, classes: number): string[] | undefined {
  try {
    const names = readFileSync(file, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
    return names.length === classes ? names : undefined;
  } catch {
    return undefined;
  }
}

function cifarSplit(name: string, records: { labels: number[]; pixels: Uint8Array[] }, classes: number, classNames: string[] | undefined,
  shape: readonly [number, number, number], limit: number | undefined, file: string): Dataset {
  const count = Math.min(records.labels.length, limit ?? Infinity);
  const size = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(count * size);
  const hwc = new Uint8Array(3072);
  for (let i = 0; i < count; i++) {
    const chw = records.pixels[i]!;
    for (let p = 0; p < 1024; p++) for (let k = 0; k < 3; k++) hwc[p * 3 + k] = chw[k * 1024 + p]!;
    const img: RawImage = { width: 32, height: 32, channels: 3, data: hwc };
    imageToChw(img, shape, images, i * size, `${file} record ${i}`);
  }
  return makeDataset({ name, images, labels: Int32Array.from(records.labels.slice(0, count)), count, shape: [...shape], classes, ...(classNames ? { classNames } : {}) });
}

function planCifar10(path: string, names: string[]): Plan {
  const trainFiles = names.filter((n) => /^data_batch_\d+\.bin$/.test(n)).map((n) => join(path, n));
  if (trainFiles.length === 0) throw new DatasetFormatError(`${path}: CIFAR-10 folder without data_batch_*.bin`);
  if (!names.includes('test_batch.bin')) throw new DatasetFormatError(`${path}: CIFAR-10 folder without test_batch.bin`);
  const testFile = join(path, 'test_batch.bin');
  return {
    format: 'cifar-10', splits: 'folders', files: [...trainFiles, testFile].map(stat), nativeShape: () => [3, 32, 32],
    decode: (shape, limit) => {
      const classNames = labelNames(join(path, 'batches.meta.txt'), 10);
      const train = { labels: [] as number[], pixels: [] as Uint8Array[] }, test = { labels: [] as number[], pixels: [] as Uint8Array[] };
      for (const f of trainFiles) readRecords(f, 1, 10, train);
      readRecords(testFile, 1, 10, test);
      return { train: cifarSplit('cifar-10/train', train, 10, classNames, shape, limit, trainFiles[0]!), test: cifarSplit('cifar-10/test', test, 10, classNames, shape, limit, testFile) };
    },
  };
}

function planCifar100(path: string): Plan {
  const trainFile = join(path, 'train.bin'), testFile = join(path, 'test.bin');
  return {
    format: 'cifar-100', splits: 'folders', files: [trainFile, testFile].map(stat), nativeShape: () => [3, 32, 32],
    decode: (shape, limit) => {
      const classNames = labelNames(join(path, 'fine_label_names.txt'), 100);
      const train = { labels: [] as number[], pixels: [] as Uint8Array[] }, test = { labels: [] as number[], pixels: [] as Uint8Array[] };
      // Records are <coarse label> <fine label> <pixels>: the fine label (100 classes) is the one used.
      readRecords(trainFile, 2, 100, train);
      readRecords(testFile, 2, 100, test);
      return { train: cifarSplit('cifar-100/train', train, 100, classNames, shape, limit, trainFile), test: cifarSplit('cifar-100/test', test, 100, classNames, shape, limit, testFile) };
    },
  };
}

// ---- IDX --------------------------------------------------------------------------------------

function planIdx(path: string, names: string[]): Plan {
  const find = (prefixes: string[], kind: 'images-idx3' | 'labels-idx1'): string => {
    for (const p of prefixes) {
      for (const sep of ['-', '.']) {
        const base = `${p}-${kind.replace('-idx', `${sep}idx`)}-ubyte`;
        for (const n of [base, `${base}.gz`]) if (names.includes(n)) return join(path, n);
      }
    }
    throw new DatasetFormatError(`${path}: IDX folder without ${prefixes.map((p) => `${p}-${kind}-ubyte`).join(' or ')}`);
  };
  const files = {
    train: { images: find(['train'], 'images-idx3'), labels: find(['train'], 'labels-idx1') },
    test: { images: find(['t10k', 'test'], 'images-idx3'), labels: find(['t10k', 'test'], 'labels-idx1') },
  };
  const read = (f: string) => {
    const raw = readFileSync(f);
    if (!f.endsWith('.gz')) return raw;
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new DatasetFormatError(`${f}: not valid gzip (${(e as Error).message})`);
    }
  };
  return {
    format: 'idx', splits: 'folders', files: [files.train.images, files.train.labels, files.test.images, files.test.labels].map(stat),
    nativeShape: () => {
      const dims = parseIdx(read(files.train.images), files.train.images, 3).dims;
      return [1, dims[1]!, dims[2]!];
    },
    decode: (shape, limit) => {
      const parts = (['train', 'test'] as const).map((split) => {
        const images = parseIdx(read(files[split].images), files[split].images, 3);
        const labels = parseIdx(read(files[split].labels), files[split].labels, 1);
        const [n, h, w] = images.dims as [number, number, number];
        if (labels.dims[0] !== n) throw new DatasetFormatError(`${files[split].labels}: ${labels.dims[0]} labels for ${n} images in ${files[split].images}`);
        return { split, images, labels: labels.data, n, h, w };
      });
      let classes = 0;
      for (const p of parts) for (const y of p.labels) classes = Math.max(classes, y + 1);
      const out: Record<string, Dataset> = {};
      for (const p of parts) {
        const count = Math.min(p.n, limit ?? Infinity);
        const size = shape[0] * shape[1] * shape[2], plane = p.h * p.w;
        const images = new Float32Array(count * size);
        for (let i = 0; i < count; i++) {
          const img: RawImage = { width: p.w, height: p.h, channels: 1, data: p.images.data.subarray(i * plane, (i + 1) * plane) };
          imageToChw(img, shape, images, i * size, `${files[p.split].images} image ${i}`);
        }
        out[p.split] = makeDataset({ name: `${basename(path)}/${p.split}`, images, labels: Int32Array.from(p.labels.subarray(0, count)), count, shape: [...shape], classes });
      }
      return out;
    },
  };
}
