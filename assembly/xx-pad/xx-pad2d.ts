// Zero-point padding of NCHW planes for direct convolution: the runtime pads a layer's input
// once, so the sparse kernels read every tap without bounds checks. Element width is a
// parameter (4 for float32, 1 for uint8 codes): the copy is the same, only the fill differs,
// and a float32 zero is four zero bytes.
//
// Rows are short (7 to 28 codes in the zoo's convs), so a memory.copy and two memory.fills per
// row cost more in call overhead than in bytes: 0.2 ms per batch of 32 16x28x28 uint8 planes on
// one core. A row is written instead with whole vector stores, each run of bytes as runs of 16,
// 8 or 4 with one overlapping store for a ragged end: the fill first over the whole row, then
// the input row over its middle. No store leaves the row (another thread may own the next plane).
import { copyRun, fillRun } from './byte-runs';

/**
 * Planes [start, end): y plane (h + pt + pb) x (w + pl + pr) gets x plane h x w at (pt, pl),
 * every other byte set to `fill`.
 */
export function xx_pad2d(
  xPtr: usize, yPtr: usize, h: i32, w: i32, elemBytes: i32, pt: i32, pl: i32, pb: i32, pr: i32, fill: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const hp = h + pt + pb, wp = w + pl + pr;
  const rowIn = <usize>(w * elemBytes), rowOut = <usize>(wp * elemBytes);
  const planeIn = rowIn * <usize>h, planeOut = rowOut * <usize>hp;
  const left = <usize>(pl * elemBytes), right = <usize>(pr * elemBytes);
  const f = i8x16.splat(<i8>fill);
  for (let p = start; p < end; p++) {
    const src = xPtr + <usize>p * planeIn;
    const dst = yPtr + <usize>p * planeOut;
    fillRun(dst, f, rowOut * <usize>pt);
    let o = dst + rowOut * <usize>pt;
    for (let r = 0; r < h; r++, o += rowOut) {
      // The fill over the whole row when there is any, then the input over its middle.
      if (left | right) fillRun(o, f, rowOut);
      if (rowIn > 0) copyRun(o + left, src + <usize>r * rowIn, rowIn);
    }
    fillRun(o, f, rowOut * <usize>pb);
  }
}

/**
 * Planes [start, end): the h x w plane at (top, left) of each fh x fw plane of x lands as a plane
 * of y: the inverse of xx_pad2d, which takes a value out of its halo frame for a kernel that
 * reads planes whole (plan/frames.ts).
 */
export function xx_crop2d(
  xPtr: usize, yPtr: usize, h: i32, w: i32, elemBytes: i32, top: i32, left: i32, fh: i32, fw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const rowIn = <usize>(fw * elemBytes), rowOut = <usize>(w * elemBytes);
  const planeIn = rowIn * <usize>fh, planeOut = rowOut * <usize>h;
  const skip = <usize>top * rowIn + <usize>(left * elemBytes);
  if (rowOut == 0) return;
  for (let p = start; p < end; p++) {
    const src = xPtr + <usize>p * planeIn + skip;
    const dst = yPtr + <usize>p * planeOut;
    for (let r = 0; r < h; r++) copyRun(dst + <usize>r * rowOut, src + <usize>r * rowIn, rowOut);
  }
}
