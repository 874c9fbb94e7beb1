// uint8 im2col for the 8-bit convolution: one image's x[c][h][w] codes become col[c*kh*kw][oh*ow]
// (row (ci*kh + ki)*kw + kj, as f32_im2col), so a conv is one int8 GEMM. Taps that fall in
// the padding read the activation zero point, not 0: the code zp is the real value 0.
//
// The simd128 form splits each (row, oy) into the ox whose tap lies inside the image (one
// run [lo, hi), from the same tap-range helpers as the f32 kernels) and the padding on
// either side, and copies the run 16 bytes at a time (sw = 1, a ragged end overlapping) or gathers
// its even bytes 16 or 8 at a time (sw = 2, a ragged end overlapping); sw >= 3 copies byte by
// byte. Vector loads stay inside the input row.
import { tapLo, tapHi } from '../im2col/tap-range';

/** Plain-loop twin: the oracle for u8_im2col__simd128 (STYLE.md §10). */
export function u8_im2col__scalar(
  xPtr: usize, c: i32, h: i32, w: i32, xRowStride: i32, xPlaneStride: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, zeroPoint: i32, colPtr: usize,
): void {
  let dst = colPtr;
  for (let ci = 0; ci < c; ci++) {
    const plane = xPtr + <usize>ci * <usize>xPlaneStride;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki * dh;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + kj * dw;
            let v = zeroPoint;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) v = <i32>load<u8>(plane + <usize>(iy * xRowStride + ix));
            store<u8>(dst, <u8>v);
            dst++;
          }
        }
      }
    }
  }
}

/** Sets n bytes at p to the byte in fill (splatted in every lane); a tail reuses an overlapping store. */
// @ts-ignore: decorator
@inline function fillRun(p: usize, n: i32, fill: v128): void {
  if (n >= 16) {
    let i = 0;
    for (; i + 16 <= n; i += 16) v128.store(p + <usize>i, fill);
    if (i < n) v128.store(p + <usize>(n - 16), fill);
  } else if (n >= 8) {
    v128.store64_lane(p, fill, 0);
    v128.store64_lane(p + <usize>(n - 8), fill, 0);
  } else {
    const b = <u8>i8x16.extract_lane_u(fill, 0);
    for (let i = 0; i < n; i++) store<u8>(p + <usize>i, b);
  }
}

/**
 * dst[k] = src[k*sw] for k < n, src inside a row that has `room` readable bytes from src.
 * For sw = 1 a ragged end is one more 16- or 8-byte copy that overlaps bytes already copied.
 */
// @ts-ignore: decorator
@inline function gatherRun(dst: usize, src: usize, sw: i32, n: i32, room: i32): void {
  let k = 0;
  if (sw == 1) {
    if (n >= 16) {
      for (; k + 16 <= n; k += 16) v128.store(dst + <usize>k, v128.load(src + <usize>k));
      if (k < n) v128.store(dst + <usize>(n - 16), v128.load(src + <usize>(n - 16)));
      return;
    }
    if (n >= 8) {
      v128.store64_lane(dst, v128.load64_zero(src), 0);
      v128.store64_lane(dst + <usize>(n - 8), v128.load64_zero(src + <usize>(n - 8)), 0);
      return;
    }
  } else if (sw == 2) {
    for (; k + 16 <= n && 2 * k + 32 <= room; k += 16) {
      const s = src + (<usize>k << 1);
      v128.store(dst + <usize>k, v128.shuffle<u8>(v128.load(s), v128.load(s, 16),
        0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
    }
    // Runs of 8 from 16 bytes: a strided conv's rows are 7 to 14 wide, byte by byte otherwise.
    for (; k + 8 <= n && 2 * k + 16 <= room; k += 8) {
      const v = v128.load(src + (<usize>k << 1));
      v128.store64_lane(dst + <usize>k, v128.shuffle<u8>(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14), 0);
    }
    if (k < n && n >= 9) {
      // The last 8: the 16 bytes that end at the last byte used, odd lanes (overlaps bytes done).
      const v = v128.load(src + <usize>(2 * n - 17));
      v128.store64_lane(dst + <usize>(n - 8), v128.shuffle<u8>(v, v, 1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15), 0);
      return;
    }
  }
  for (; k < n; k++) store<u8>(dst + <usize>k, load<u8>(src + <usize>(k * sw)));
}

export function u8_im2col__simd128(
  xPtr: usize, c: i32, h: i32, w: i32, xRowStride: i32, xPlaneStride: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, zeroPoint: i32, colPtr: usize,
): void {
  const fill = i8x16.splat(<i8>zeroPoint);
  let dst = colPtr;
  for (let ci = 0; ci < c; ci++) {
    const plane = xPtr + <usize>ci * <usize>xPlaneStride;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const ix0 = kj * dw - pw;
        const lo = tapLo(ix0, sw, ow);
        let hi = tapHi(ix0, sw, w, ow);
        if (hi < lo) hi = lo;
        for (let oy = 0; oy < oh; oy++, dst += <usize>ow) {
          const iy = oy * sh - ph + ki * dh;
          if (iy < 0 || iy >= h) { fillRun(dst, ow, fill); continue; }
          fillRun(dst, lo, fill);
          const ix = lo * sw + ix0;
          gatherRun(dst + <usize>lo, plane + <usize>(iy * xRowStride + ix), sw, hi - lo, w - ix);
          fillRun(dst + <usize>hi, ow - hi, fill);
        }
      }
    }
  }
}

/**
 * One image's x[c][h][w] -> col[c*kh*kw][oh*ow]; taps in the padding read zeroPoint. Rows of x
 * are xRowStride bytes apart and planes xPlaneStride (w and h*w dense, more inside a frame).
 */
export function u8_im2col(
  xPtr: usize, c: i32, h: i32, w: i32, xRowStride: i32, xPlaneStride: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, zeroPoint: i32, colPtr: usize,
): void {
  u8_im2col__simd128(xPtr, c, h, w, xRowStride, xPlaneStride, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, zeroPoint, colPtr);
}
