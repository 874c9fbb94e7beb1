// Short byte runs copied and filled with whole vector stores (xx_pad2d, u8_pad2d_phases).

/** n bytes from src to dst (n >= 1, no overlap), in overlapping 16-, 8- or 4-byte moves where n allows. */
// @ts-ignore: decorator
@inline export function copyRun(dst: usize, src: usize, n: usize): void {
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
@inline export function fillRun(dst: usize, fill: v128, n: usize): void {
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
