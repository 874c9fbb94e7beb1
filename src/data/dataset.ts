/**
 * The in-memory dataset every loader returns: plain typed arrays, images in NCHW order,
 * float32 pixels, int32 class labels. Nothing here depends on tensors or kernels, so any
 * layer (or an app) can use a dataset without loading WASM.
 */

export interface Dataset {
  /** Short id, e.g. 'mnist/train'. */
  name: string;
  /** count × C × H × W values, NCHW. */
  images: Float32Array;
  /** count class indices in [0, classes). */
  labels: Int32Array;
  count: number;
  /** [channels, height, width] of one image. */
  shape: [number, number, number];
  classes: number;
  classNames?: string[];
}

export interface DatasetSplit {
  train: Dataset;
  test: Dataset;
}

/** Options every built-in loader accepts. */
export interface LoadOptions {
  /**
   * Keep at most the first `limit` samples of each split (quick runs); a split with fewer
   * keeps all of them. Default: all.
   */
  limit?: number;
  /** Exactly this many train samples (an error if the split has fewer); overrides `limit`. */
  trainLimit?: number;
  /** Exactly this many test samples (an error if the split has fewer); overrides `limit`. */
  testLimit?: number;
}

/** Checks that the parts agree and returns them as a Dataset. */
export function makeDataset(ds: Dataset): Dataset {
  const [c, h, w] = ds.shape;
  const where = `dataset '${ds.name}'`;
  for (const [n, v] of [['channels', c], ['height', h], ['width', w]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${where}: ${n} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(ds.count) || ds.count < 0) {
    throw new RangeError(`${where}: count must be a non-negative integer, got ${ds.count}`);
  }
  if (ds.images.length !== ds.count * c * h * w) {
    throw new RangeError(
      `${where}: images has ${ds.images.length} values, expected count ${ds.count} × ${c}×${h}×${w} = ${ds.count * c * h * w}`,
    );
  }
  if (ds.labels.length !== ds.count) {
    throw new RangeError(`${where}: labels has ${ds.labels.length} entries, expected count ${ds.count}`);
  }
  if (ds.classNames !== undefined && ds.classNames.length !== ds.classes) {
    throw new RangeError(`${where}: ${ds.classNames.length} class names for ${ds.classes} classes`);
  }
  for (let i = 0; i < ds.count; i++) {
    const y = ds.labels[i]!;
    if (y < 0 || y >= ds.classes) {
      throw new RangeError(`${where}: label ${y} at sample ${i} is outside [0, ${ds.classes})`);
    }
  }
  return ds;
}

/** Values per image (C·H·W). */
export function imageSize(ds: Pick<Dataset, 'shape'>): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}

/**
 * Samples [start, end) as a new Dataset. The arrays are views into `ds`, not copies,
 * so this is free; e.g. hold out the tail of a train split for validation.
 */
export function sliceDataset(ds: Dataset, start: number, end: number, name = ds.name): Dataset {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > ds.count) {
    throw new RangeError(`sliceDataset('${ds.name}'): need integers 0 <= start <= end <= ${ds.count}, got [${start}, ${end})`);
  }
  const size = imageSize(ds);
  const out: Dataset = {
    name,
    images: ds.images.subarray(start * size, end * size),
    labels: ds.labels.subarray(start, end),
    count: end - start,
    shape: [...ds.shape],
    classes: ds.classes,
  };
  if (ds.classNames !== undefined) out.classNames = [...ds.classNames];
  return out;
}

/** Per-class sample counts. */
export function labelHistogram(ds: Pick<Dataset, 'labels' | 'classes'>): number[] {
  const counts = new Array<number>(ds.classes).fill(0);
  for (const y of ds.labels) counts[y] = (counts[y] ?? 0) + 1;
  return counts;
}

/**
 * The number of samples to keep per split, checked against what is available.
 * `loader` names the caller in messages.
 */
export function resolveLimits(
  opts: LoadOptions,
  available: { train: number; test: number },
  loader: string,
): { train: number; test: number } {
  const pick = (split: 'train' | 'test', own: number | undefined): number => {
    const key = own !== undefined ? `${split}Limit` : 'limit';
    const value = own ?? opts.limit;
    if (value === undefined) return available[split];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`${loader}: ${key} must be a positive integer, got ${String(value)}`);
    }
    if (own === undefined) return Math.min(value, available[split]);
    if (value > available[split]) {
      throw new RangeError(`${loader}: ${key} ${value} exceeds the ${available[split]} samples of the ${split} split`);
    }
    return value;
  };
  return { train: pick('train', opts.trainLimit), test: pick('test', opts.testLimit) };
}
