// Grouped 2-D convolution over NCHW images as im2col + GEMM, one image at a time.
// Threads split the batch: each handles images [start, end) with its own scratch, laid out
//   [ col: kg*oh*ow floats | GEMM packing scratch ].
// The weight gradient is summed per fixed run of images (imagesPerPartial) into its own
// partial, and the TypeScript side adds the partials in order: the sums then do not depend
// on how many threads split the batch.
import { f32_gemm, f32_gemm_scratch_bytes } from '../f32-gemm/index';
import { f32_im2col, f32_col2im } from '../im2col/index';

@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

// The geometry the three kernels share. Scratch per thread is [ col | GEMM packing | ... ],
// each part 64-byte aligned; a group g of image img starts at channel g * (channels / groups).

@inline function gemmScratchPtr(scratchPtr: usize, kg: i32, ohw: i32): usize {
  return scratchPtr + align64(<usize>kg * ohw * 4);
}

/** Start of image img's group g in an NCHW tensor with `channels` channels of `plane` floats. */
@inline function groupPtr(base: usize, img: i32, channels: i32, g: i32, groupChannels: i32, plane: i32): usize {
  return base + ((<usize>img * channels + g * groupChannels) * plane << 2);
}

/**
 * The column matrix [kg][oh*ow] of one image's group: a 1x1, stride-1, unpadded conv reads
 * the image itself; any other conv im2cols it into colPtr.
 */
@inline function columns(
  xg: usize, cg: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, colPtr: usize,
): usize {
  if (isPointwise(kh, kw, sh, sw, ph, pw)) return xg;
  f32_im2col(xg, cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, colPtr);
  return colPtr;
}

@inline function isPointwise(kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32): bool {
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
}

/**
 * Bytes of per-thread scratch the three conv kernels need. withPartials != 0 adds room for
 * one dW and dB partial (oc*kg + oc floats), for callers that keep them in scratch.
 */
export function f32_conv2d_scratch_bytes(c: i32, oc: i32, oh: i32, ow: i32, kh: i32, kw: i32, groups: i32, withPartials: i32): i32 {
  const kg = (c / groups) * kh * kw;
  let bytes = gemmScratchPtr(0, kg, oh * ow) + align64(<usize>f32_gemm_scratch_bytes());
  if (withPartials) bytes += align64(<usize>(oc * kg + oc) * 4);
  return <i32>bytes;
}

export function f32_conv2d_fwd(
  xPtr: usize, wPtr: usize, biasPtr: usize, yPtr: usize,
  n: i32, c: i32, h: i32, w: i32, oc: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, groups: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const cg = c / groups, ocg = oc / groups, kg = cg * kh * kw, ohw = oh * ow;
  const gemmPtr = gemmScratchPtr(scratchPtr, kg, ohw);
  for (let img = start; img < end; img++) {
    for (let g = 0; g < groups; g++) {
      const col = columns(groupPtr(xPtr, img, c, g, cg, h * w), cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, scratchPtr);
      f32_gemm(0, 0, ocg, ohw, kg, 1.0, wPtr + (<usize>g * ocg * kg << 2), kg, col, ohw, 0.0, groupPtr(yPtr, img, oc, g, ocg, ohw), ohw, gemmPtr);
    }
    if (biasPtr != 0) {
      for (let o = 0; o < oc; o++) {
        const b = load<f32>(biasPtr + (<usize>o << 2));
        const bv = f32x4.splat(b);
        const row = yPtr + ((<usize>img * oc + o) * ohw << 2);
        let j = 0;
        for (; j + 4 <= ohw; j += 4) {
          const p = row + (<usize>j << 2);
          v128.store(p, f32x4.add(v128.load(p), bv));
        }
        for (; j < ohw; j++) {
          const p = row + (<usize>j << 2);
          store<f32>(p, load<f32>(p) + b);
        }
      }
    }
  }
}

/** dx for images [start, end): dcol = W_g^T dy_g, then col2im. Overwrites dx. */
export function f32_conv2d_bwd_data(
  dyPtr: usize, wPtr: usize, dxPtr: usize,
  n: i32, c: i32, h: i32, w: i32, oc: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, groups: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const cg = c / groups, ocg = oc / groups, kg = cg * kh * kw, ohw = oh * ow;
  const gemmPtr = gemmScratchPtr(scratchPtr, kg, ohw);
  const pointwise = isPointwise(kh, kw, sh, sw, ph, pw);
  for (let img = start; img < end; img++) {
    for (let g = 0; g < groups; g++) {
      const dxg = groupPtr(dxPtr, img, c, g, cg, h * w);
      const dyg = groupPtr(dyPtr, img, oc, g, ocg, ohw);
      const wg = wPtr + (<usize>g * ocg * kg << 2);
      // A pointwise conv's column matrix is the image itself, so dcol is dx.
      f32_gemm(1, 0, kg, ohw, ocg, 1.0, wg, kg, dyg, ohw, 0.0, pointwise ? dxg : scratchPtr, ohw, gemmPtr);
      if (!pointwise) {
        memory.fill(dxg, 0, <usize>cg * h * w << 2);
        f32_col2im(scratchPtr, cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dxg);
      }
    }
  }
}

/**
 * dW (and dB when withBias) per run of images: image img adds into partial
 * p = img / imagesPerPartial at partialsPtr + p * (oc*kg + oc) floats ([dW oc x kg | dB oc]),
 * the first image of a run overwriting it. A run must not be split between threads: the
 * caller's slices start at multiples of imagesPerPartial (the pool's grain).
 */
export function f32_conv2d_bwd_filter(
  xPtr: usize, dyPtr: usize, withBias: i32, partialsPtr: usize, imagesPerPartial: i32,
  n: i32, c: i32, h: i32, w: i32, oc: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, groups: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const cg = c / groups, ocg = oc / groups, kg = cg * kh * kw, ohw = oh * ow;
  const gemmPtr = gemmScratchPtr(scratchPtr, kg, ohw);
  const partialBytes = <usize>(oc * kg + oc) << 2;
  for (let img = start; img < end; img++) {
    const dwPtr = partialsPtr + <usize>(img / imagesPerPartial) * partialBytes;
    const dbPtr = dwPtr + (<usize>oc * kg << 2);
    const first = img == start || img % imagesPerPartial == 0;
    for (let g = 0; g < groups; g++) {
      const col = columns(groupPtr(xPtr, img, c, g, cg, h * w), cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, scratchPtr);
      f32_gemm(0, 1, ocg, kg, ohw, 1.0, groupPtr(dyPtr, img, oc, g, ocg, ohw), ohw, col, ohw, first ? 0.0 : 1.0,
        dwPtr + (<usize>g * ocg * kg << 2), kg, gemmPtr);
    }
    if (withBias) {
      for (let o = 0; o < oc; o++) {
        const row = dyPtr + ((<usize>img * oc + o) * ohw << 2);
        let acc = f32x4.splat(0);
        let j = 0;
        for (; j + 4 <= ohw; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
        let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
        for (; j < ohw; j++) s += load<f32>(row + (<usize>j << 2));
        const p = dbPtr + (<usize>o << 2);
        store<f32>(p, first ? s : load<f32>(p) + s);
      }
    }
  }
}
