/**
 * Seeded augmentation of a batch, in place: random translation with zero fill, and
 * random horizontal flip (sensible for Fashion-MNIST's clothes, not for digits). They
 * change only the batch's buffers, never the Dataset the batch was copied from.
 */
import type { Rng } from './random.js';

/** What augmentation needs of a batch; a `DatasetBatch` from batches() fits. */
export interface ImageBatch {
  images: Float32Array;
  size: number;
  shape: [number, number, number, number];
}

function checkBatch(batch: ImageBatch, where: string): void {
  const [n, c, h, w] = batch.shape;
  if (n !== batch.size || batch.images.length < n * c * h * w) {
    throw new RangeError(
      `${where}: batch shape [${batch.shape.join(', ')}] and size ${batch.size} do not match ${batch.images.length} values`,
    );
  }
}

/**
 * Moves each image by (dy, dx), each drawn uniformly from [-maxShift, maxShift] per image,
 * filling the uncovered border with 0. With pixels standardised, 0 is the mean rather
 * than black; shift before normalising if black borders matter. maxShift 0 changes nothing
 * (and draws no random numbers).
 */
export function randomShift<B extends ImageBatch>(batch: B, maxShift: number, rng: Rng): B {
  const where = 'randomShift';
  checkBatch(batch, where);
  const [n, c, h, w] = batch.shape;
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift >= Math.min(h, w)) {
    throw new RangeError(`${where}: maxShift must be an integer in [0, ${Math.min(h, w) - 1}] for ${h}×${w} images, got ${maxShift}`);
  }
  if (maxShift === 0) return batch;
  const plane = h * w;
  const scratch = new Float32Array(plane);
  const { images } = batch;
  for (let i = 0; i < n; i++) {
    const dy = rng.int(2 * maxShift + 1) - maxShift;
    const dx = rng.int(2 * maxShift + 1) - maxShift;
    if (dy === 0 && dx === 0) continue;
    // Destination columns [x0, x1) read source columns shifted by -dx; rows likewise.
    const x0 = Math.max(0, dx);
    const x1 = Math.min(w, w + dx);
    const y0 = Math.max(0, dy);
    const y1 = Math.min(h, h + dy);
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * plane;
      scratch.set(images.subarray(base, base + plane));
      images.fill(0, base, base + plane);
      for (let y = y0; y < y1; y++) {
        const src = (y - dy) * w - dx;
        const dst = base + y * w;
        images.set(scratch.subarray(src + x0, src + x1), dst + x0);
      }
    }
  }
  return batch;
}

/** Mirrors each image left–right with the given probability (default 0.5). */
export function randomHorizontalFlip<B extends ImageBatch>(batch: B, rng: Rng, probability = 0.5): B {
  const where = 'randomHorizontalFlip';
  checkBatch(batch, where);
  if (!(probability >= 0 && probability <= 1)) {
    throw new RangeError(`${where}: probability must be in [0, 1], got ${probability}`);
  }
  const [n, c, h, w] = batch.shape;
  const { images } = batch;
  for (let i = 0; i < n; i++) {
    if (rng.next() >= probability) continue;
    for (let row = 0; row < c * h; row++) {
      const base = (i * c * h + row) * w;
      for (let a = base, b = base + w - 1; a < b; a++, b--) {
        const t = images[a]!;
        images[a] = images[b]!;
        images[b] = t;
      }
    }
  }
  return batch;
}
