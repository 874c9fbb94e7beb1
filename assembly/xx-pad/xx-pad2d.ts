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

/** n bytes from src to dst (n >= 1, no overlap), in overlapping 16-, 8- or 4-byte moves where n allows. */
// @ts-ignore: decorator
@inline function copyRun(dst: usize, src: usize, n: usize): void {
  if (n >= 16) {
    let i: usize = 0;
    for (; i + 16 <= n; i += 16) v128.store(dst + i, v128.load(src + i));
    if (i < n) v128.store(dst + n - 16, v128.load(src + n - 16));
  } else if (n >= 8) {
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + n - 8, load<u64>(src + n - 8));
  } else if (n >= 4) {
    store<u32>(dst, load<u32>(src));
    store<u32>(dst + n - 4, load<u32>(src + n - 4));
  } else {
    memory.copy(dst, src, n);
  }
}

/** n bytes at dst set to the byte in every lane of fill, in overlapping vector stores where n allows. */
// @ts-ignore: decorator
@inline function fillRun(dst: usize, fill: v128, n: usize): void {
  if (n >= 16) {
    let i: usize = 0;
    for (; i + 16 <= n; i += 16) v128.store(dst + i, fill);
    if (i < n) v128.store(dst + n - 16, fill);
  } else if (n >= 8) {
    v128.store64_lane(dst, fill, 0);
    v128.store64_lane(dst + n - 8, fill, 0);
  } else if (n >= 4) {
    v128.store32_lane(dst, fill, 0);
    v128.store32_lane(dst + n - 4, fill, 0);
  } else {
    memory.fill(dst, <u8>i8x16.extract_lane_u(fill, 0), n);
  }
}

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
