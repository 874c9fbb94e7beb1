/**
 * Small image folders for tests, written as real PNG files: synthetic classes a small CNN tells
 * apart easily, so a test can check that training on a folder learns and tests on held-out images.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { createRng } from '../../src/data/index.js';

/** Writes a w × h PNG whose pixel (x, y) is rgb(x, y). */
export function writePng(file: string, w: number, h: number, rgb: (x: number, y: number) => [number, number, number]): void {
  const img = new pngjs.PNG({ width: w, height: h, colorType: 2 });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.set([...rgb(x, y), 255], 4 * (y * w + x));
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, pngjs.PNG.sync.write(img, { colorType: 2 }));
}

/** Writes a gray PNG (color type 0), so a folder of them reads as 1-channel. */
export function writeGrayPng(file: string, w: number, h: number, v: (x: number, y: number) => number): void {
  const img = new pngjs.PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.set([v(x, y), v(x, y), v(x, y), 255], 4 * (y * w + x));
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, pngjs.PNG.sync.write(img, { colorType: 0, inputColorType: 6 }));
}

export const SHAPE_CLASSES = ['box', 'hbar', 'vbar'] as const;

/**
 * `perClass` gray `size × size` images of each of three shapes (a hollow box, a horizontal bar,
 * a vertical bar) at random places, with pixel noise; class folders named after the shape.
 */
export function writeShapesFolder(dir: string, perClass: number, seed: number, size = 28): void {
  const rng = createRng(seed);
  SHAPE_CLASSES.forEach((cls, ci) => {
    for (let i = 0; i < perClass; i++) {
      const ox = 2 + rng.int(size - 13), oy = 2 + rng.int(size - 13);
      const noise = Array.from({ length: size * size }, () => rng.int(40));
      writeGrayPng(join(dir, cls, `${String(i).padStart(3, '0')}.png`), size, size, (x, y) => {
        const inBox = x >= ox && x < ox + 9 && y >= oy && y < oy + 9;
        const on = ci === 0 ? inBox && !(x > ox && x < ox + 8 && y > oy && y < oy + 8)
          : ci === 1 ? Math.abs(y - oy - 4) <= 1 && x >= 2 && x < size - 2
            : Math.abs(x - ox - 4) <= 1 && y >= 2 && y < size - 2;
        return (on ? 200 : 0) + noise[y * size + x]!;
      });
    }
  });
}

export const COLOR_CLASSES = ['blue', 'green', 'red'] as const;

/** `perClass` RGB images per class, each a noisy field of its class's color. */
export function writeColorFolder(dir: string, perClass: number, seed: number, size = 12): void {
  const rng = createRng(seed);
  COLOR_CLASSES.forEach((cls, ci) => {
    for (let i = 0; i < perClass; i++) {
      writePng(join(dir, cls, `${i}.png`), size, size, () => {
        const px: [number, number, number] = [rng.int(90), rng.int(90), rng.int(90)];
        px[2 - ci] = px[2 - ci]! + 120; // blue is channel 2, green 1, red 0
        return px;
      });
    }
  });
}
