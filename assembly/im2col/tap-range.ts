// Index ranges shared by the convolution and pooling kernels.
//
// Every strided window visits positions off + i*step, i = 0, 1, ...; the kernels split
// each loop into the indices whose position lands inside [0, n) and those that fall in
// the padding, so inner loops run without bounds checks. The dwconv and pool families
// import these too: one definition of "in range" keeps all three families consistent.

/** Smallest i in [0, limit] with off + i*step >= 0 (step >= 1). */
@inline
export function tapLo(off: i32, step: i32, limit: i32): i32 {
  if (off >= 0) return 0;
  const i = (step - 1 - off) / step;
  return i < limit ? i : limit;
}

/** One past the largest i in [0, limit) with off + i*step <= n - 1 (0 if none). */
@inline
export function tapHi(off: i32, step: i32, n: i32, limit: i32): i32 {
  if (off > n - 1) return 0;
  const i = (n - 1 - off) / step + 1;
  return i < limit ? i : limit;
}

/** Stores zero to n floats from ptr; unaligned is fine. */
@inline
export function zeroRun(ptr: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(ptr + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(ptr + (<usize>i << 2), 0);
}

/** Loads lanes src[0], src[2], src[4], src[6]: four taps of a stride-2 window row. */
@inline
export function loadEven(src: usize): v128 {
  return v128.shuffle<f32>(v128.load(src), v128.load(src, 16), 0, 2, 4, 6);
}

/**
 * Start of the next 4-output block at or after ox within [lo, hi), or -1 when none is
 * left. Blocks may start at most at maxStart (where their loads still fit in the row).
 * With overlap, a ragged tail is covered by moving the last block back over outputs
 * already written; recomputing them yields the same bits, so kernels that overwrite
 * their output may pass overlap = true, those that accumulate into it may not.
 */
@inline
export function nextBlock(ox: i32, lo: i32, hi: i32, maxStart: i32, overlap: bool): i32 {
  let last = hi - 4;
  if (maxStart < last) last = maxStart;
  if (ox <= last) return ox;
  if (!overlap || last < lo || ox >= last + 4) return -1;
  return last;
}

/** Largest block start whose stride-2 window (8 floats from bx*2 + tap) fits in width w. */
@inline
export function maxEvenStart(w: i32, tap: i32): i32 {
  return (w - 8 - tap) >> 1; // arithmetic shift floors negative values too
}
