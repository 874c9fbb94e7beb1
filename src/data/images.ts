/**
 * Image files to model input: PNG and JPEG decoded by pure-JS packages (pngjs, jpeg-js, no
 * native build), then brought to the model's channels and size. The resize keeps the aspect
 * ratio (the shorter side is scaled to fit, the longer one center-cropped), samples bilinearly
 * at pixel centers like PIL and torchvision's default, and does not antialias, so large
 * downscales alias; an image already at the model's size passes through exactly (byte / 255).
 */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DatasetFormatError } from './errors.js';
import { imageFormat } from './image-header.js';
import { UNIT_PIXEL_TABLE } from './pixels.js';

/** Decoded pixels, rows of interleaved channels (HWC), 8 bits each. */
export interface RawImage {
  width: number;
  height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  data: Uint8Array;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** The larger images are refused rather than decoded into gigabytes. */
const MAX_PIXELS = 1 << 26;

/**
 * Decodes a PNG or JPEG file's bytes; `file` names it in every error.
 * @example const img = decodeImage(readFileSync('cat.png'), 'cat.png');
 */
export function decodeImage(bytes: Uint8Array, file: string): RawImage {
  const isPng = imageFormat(bytes, file) === 'png';
  try {
    if (isPng) {
      // RGBA out whatever the stored color type, 8 bits per channel (16-bit PNGs are scaled down).
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: false });
      return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, channels: 4, data: img.data };
  } catch (e) {
    throw new DatasetFormatError(`${file}: corrupt or unsupported ${isPng ? 'PNG' : 'JPEG'} (${(e as Error).message})`);
  }
}

/** Whether every pixel has R = G = B, so a gray model loses nothing by taking one channel. */
function isGray(img: RawImage): boolean {
  if (img.channels < 3) return true;
  const d = img.data, step = img.channels;
  for (let i = 0; i < d.length; i += step) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/**
 * One image as `channels × height × width` floats in [0, 1], written into `out` at `offset`.
 * Gray images feed RGB models by repetition; color images feed gray models by ITU-R BT.601
 * luma (0.299 R + 0.587 G + 0.114 B); alpha is dropped.
 */
export function imageToChw(img: RawImage, shape: readonly [number, number, number], out: Float32Array, offset: number, file: string): void {
  const [c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new DatasetFormatError(`${file}: the model takes ${c}-channel input; images can feed 1 (gray) or 3 (RGB) channel models`);
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * img.channels) {
    throw new DatasetFormatError(`${file}: decoded to ${img.width}×${img.height}×${img.channels} with ${img.data.length} bytes`);
  }
  const src = img.data, sc = img.channels, sw = img.width, sh = img.height;
  const gray = sc < 3 || isGray(img);
  // Source planes in the model's channels, still at the source size.
  const planes: Float32Array[] = [];
  const plane = sw * sh;
  if (gray) {
    const p = new Float32Array(plane);
    for (let i = 0; i < plane; i++) p[i] = src[i * sc]!;
    for (let k = 0; k < c; k++) planes.push(p);
  } else if (c === 1) {
    const p = new Float32Array(plane);
    for (let i = 0; i < plane; i++) p[i] = 0.299 * src[i * sc]! + 0.587 * src[i * sc + 1]! + 0.114 * src[i * sc + 2]!;
    planes.push(p);
  } else {
    for (let k = 0; k < 3; k++) {
      const p = new Float32Array(plane);
      for (let i = 0; i < plane; i++) p[i] = src[i * sc + k]!;
      planes.push(p);
    }
  }
  if (sw === w && sh === h) {
    for (let k = 0; k < c; k++) {
      const p = planes[k]!, base = offset + k * plane;
      // Byte values: the same float32 as every other loader's byte / 255.
      for (let i = 0; i < plane; i++) out[base + i] = gray || c === 3 ? UNIT_PIXEL_TABLE[p[i]!]! : p[i]! / 255;
    }
    return;
  }
  // Scale so the image covers h × w, then crop the middle: one sampling pass does both.
  const scale = Math.max(h / sh, w / sw);
  const rh = Math.max(h, Math.round(sh * scale)), rw = Math.max(w, Math.round(sw * scale));
  const top = Math.floor((rh - h) / 2), left = Math.floor((rw - w) / 2);
  const ys = axis(h, top, sh / rh, sh), xs = axis(w, left, sw / rw, sw);
  for (let k = 0; k < c; k++) {
    const p = planes[k]!, base = offset + k * h * w;
    for (let y = 0; y < h; y++) {
      const y0 = ys.lo[y]!, y1 = ys.hi[y]!, fy = ys.frac[y]!;
      for (let x = 0; x < w; x++) {
        const x0 = xs.lo[x]!, x1 = xs.hi[x]!, fx = xs.frac[x]!;
        const a = p[y0 * sw + x0]! + (p[y0 * sw + x1]! - p[y0 * sw + x0]!) * fx;
        const b = p[y1 * sw + x0]! + (p[y1 * sw + x1]! - p[y1 * sw + x0]!) * fx;
        out[base + y * w + x] = (a + (b - a) * fy) / 255;
      }
    }
  }
}

/** Bilinear taps along one axis: output i reads source lo..hi at `frac`, pixel centers aligned. */
function axis(n: number, start: number, ratio: number, size: number) {
  const lo = new Int32Array(n), hi = new Int32Array(n), frac = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.min(Math.max((i + start + 0.5) * ratio - 0.5, 0), size - 1);
    lo[i] = Math.floor(s);
    hi[i] = Math.min(lo[i]! + 1, size - 1);
    frac[i] = s - lo[i]!;
  }
  return { lo, hi, frac };
}
