// A stride-2 convolution as a stride-1 one: the input, padded with the zero point, split into its
// four 2x2 phases. Phase (a, b) of a padded plane P (hp x wp) is the plane Q_ab[i][j] = P[2i+a][2j+b],
// PH = ceil(hp/2) by PW = ceil(wp/2) (the fill where 2i+a or 2j+b falls past P). A stride-2 tap
// (ky, kx) reads P[2oy+ky][2ox+kx] = Q_(ky&1)(kx&1)[oy + (ky>>1)][ox + (kx>>1)]: contiguous runs
// of the output row, which the direct sparse kernel walks as it does a stride-1 conv (no im2col,
// whose uint8 matrix is 9/4 of the input for a 3x3 conv and written a few bytes at a time).
//
// Per padded row: the row is built in scratch (fill, the input row, fill; whole vector stores as
// in xx_pad2d), then its even and odd bytes go to the two phase rows, 16 or 8 at a time from 32
// or 16 bytes, a ragged end overlapping. Output plane p holds its four phases in the order
// (0,0), (0,1), (1,0), (1,1), each PH*PW bytes.
import { copyRun, fillRun } from '../xx-pad/byte-runs';

/** Scratch bytes u8_pad2d_phases needs per thread for padded rows of wp bytes. */
export function u8_pad2d_phases_scratch_bytes(wp: i32): i32 {
  return ((wp + 1) >> 1) * 2 + 32;
}

/** Plain-loop twin: the oracle for u8_pad2d_phases__simd128 (STYLE.md §10). */
export function u8_pad2d_phases__scalar(
  xPtr: usize, yPtr: usize, h: i32, w: i32, xRowStride: i32, xPlaneStride: i32, pt: i32, pl: i32, pb: i32, pr: i32, fill: i32,
  phaseRowStride: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  const hp = h + pt + pb, wp = w + pl + pr, PH = (hp + 1) >> 1, PW = (wp + 1) >> 1, QS = phaseRowStride;
  for (let p = start; p < end; p++) {
    const src = xPtr + <usize>p * <usize>xPlaneStride, dst = yPtr + <usize>p * <usize>(4 * PH * QS);
    for (let ph = 0; ph < 4; ph++) {
      const a = ph >> 1, b = ph & 1;
      for (let i = 0; i < PH; i++) {
        for (let j = 0; j < PW; j++) {
          const r = 2 * i + a - pt, c = 2 * j + b - pl;
          const v = r >= 0 && r < h && c >= 0 && c < w ? <i32>load<u8>(src + <usize>(r * xRowStride + c)) : fill;
          store<u8>(dst + <usize>((ph * PH + i) * QS + j), <u8>v);
        }
      }
    }
  }
}

/** Even bytes of s[0, 2n) to e, odd bytes to o (n >= 1); stores stay inside [e, e+n) and [o, o+n). */
// @ts-ignore: decorator
@inline function deinterleave(s: usize, e: usize, o: usize, n: i32): void {
  if (n >= 16) {
    let j = 0;
    for (;; j += 16) {
      if (j + 16 > n) j = n - 16;
      const lo = v128.load(s + (<usize>j << 1)), hi = v128.load(s + (<usize>j << 1), 16);
      v128.store(e + <usize>j, v128.shuffle<u8>(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
      v128.store(o + <usize>j, v128.shuffle<u8>(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31));
      if (j + 16 >= n) break;
    }
  } else if (n >= 8) {
    for (let j = 0; ; j = n - 8) {
      const v = v128.load(s + (<usize>j << 1));
      v128.store64_lane(e + <usize>j, v128.shuffle<u8>(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14), 0);
      v128.store64_lane(o + <usize>j, v128.shuffle<u8>(v, v, 1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15), 0);
      if (j == n - 8) break;
    }
  } else {
    for (let j = 0; j < n; j++) {
      store<u8>(e + <usize>j, load<u8>(s + (<usize>j << 1)));
      store<u8>(o + <usize>j, load<u8>(s + (<usize>j << 1), 1));
    }
  }
}

export function u8_pad2d_phases__simd128(
  xPtr: usize, yPtr: usize, h: i32, w: i32, xRowStride: i32, xPlaneStride: i32, pt: i32, pl: i32, pb: i32, pr: i32, fill: i32,
  phaseRowStride: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  const hp = h + pt + pb, wp = w + pl + pr, PH = (hp + 1) >> 1, PW = (wp + 1) >> 1;
  const f = i8x16.splat(<i8>fill);
  const row = <usize>(2 * PW), plane = <usize>(PH * phaseRowStride);
  for (let p = start; p < end; p++) {
    const src = xPtr + <usize>p * <usize>xPlaneStride, dst = yPtr + <usize>p * (plane << 2);
    for (let r = 0; r < 2 * PH; r++) {
      const x = r - pt;
      const a = <usize>(r & 1), i = <usize>(r >> 1);
      const even = dst + (a << 1) * plane + i * <usize>phaseRowStride;
      if (pl == 0 && pr == 0 && x >= 0 && x < h && w > 0) {
        // A row needing no padding (an input already inside its frame) splits straight from x:
        // building it in scratch first cost as much again (stores the loads then wait on). An
        // odd row's last odd byte was read past its end and becomes the fill.
        deinterleave(src + <usize>(x * xRowStride), even, even + plane, PW);
        if (w & 1) store<u8>(even + plane + <usize>(PW - 1), <u8>fill);
        continue;
      }
      // The padded row r, even length 2*PW (an odd wp gets one more fill byte), in scratch.
      fillRun(scratchPtr, f, row);
      if (x >= 0 && x < h && w > 0) copyRun(scratchPtr + <usize>pl, src + <usize>(x * xRowStride), <usize>w);
      deinterleave(scratchPtr, even, even + plane, PW);
    }
  }
}

/**
 * Planes [start, end): plane p of x (h x w codes, rows xRowStride and planes xPlaneStride bytes
 * apart: w and h*w dense, more inside a frame), padded by pt, pl, pb, pr with `fill`, becomes its
 * four 2x2 phases at yPtr + p * 4 * PH * phaseRowStride, rows phaseRowStride >= PW bytes apart
 * (columns past PW left as they are: a conv run flat reads them only for outputs it masks).
 * scratchPtr: u8_pad2d_phases_scratch_bytes(wp). Without left and right pads, a row of x may be
 * read one byte past its end (an odd w).
 */
export function u8_pad2d_phases(
  xPtr: usize, yPtr: usize, h: i32, w: i32, xRowStride: i32, xPlaneStride: i32, pt: i32, pl: i32, pb: i32, pr: i32, fill: i32,
  phaseRowStride: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  u8_pad2d_phases__simd128(xPtr, yPtr, h, w, xRowStride, xPlaneStride, pt, pl, pb, pr, fill, phaseRowStride, start, end, scratchPtr);
}
