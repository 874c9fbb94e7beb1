// Zero-point padding of NCHW planes for direct convolution: the runtime pads a layer's input
// once, so the sparse kernels read every tap without bounds checks. Element width is a
// parameter (4 for float32, 1 for uint8 codes): the copy is the same, only the fill differs,
// and a float32 zero is four zero bytes.

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
  for (let p = start; p < end; p++) {
    const src = xPtr + <usize>p * planeIn;
    const dst = yPtr + <usize>p * planeOut;
    memory.fill(dst, <u8>fill, rowOut * <usize>pt);
    let o = dst + rowOut * <usize>pt;
    for (let r = 0; r < h; r++, o += rowOut) {
      if (left) memory.fill(o, <u8>fill, left);
      memory.copy(o + left, src + <usize>r * rowIn, rowIn);
      if (right) memory.fill(o + left + rowIn, <u8>fill, right);
    }
    memory.fill(o, <u8>fill, rowOut * <usize>pb);
  }
}
