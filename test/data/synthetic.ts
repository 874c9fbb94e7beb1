import { makeDataset, createRng, type Dataset } from '../../src/data/index.js';

/** `count` images of shape [c, h, w]; image i's pixels are i + p / 1000 (p its offset), label i % classes. */
export function indexedDataset(count: number, shape: [number, number, number] = [1, 2, 3], classes = 4): Dataset {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(count * size);
  for (let i = 0; i < count; i++) for (let p = 0; p < size; p++) images[i * size + p] = i + p / 1000;
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
  return makeDataset({ name: 'indexed', images, labels, count, shape, classes });
}

/** Random images whose channel c has mean 2c + 1 and std c + 0.5. */
export function randomDataset(count: number, shape: [number, number, number], seed: number): Dataset {
  const rng = createRng(seed);
  const [c, h, w] = shape;
  const images = new Float32Array(count * c * h * w);
  for (let i = 0; i < count; i++) {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) images[(i * c + ch) * h * w + p] = rng.normal(2 * ch + 1, ch + 0.5);
    }
  }
  return makeDataset({ name: 'random', images, labels: new Int32Array(count), count, shape, classes: 1 });
}
