// Re-applies a pruning mask in place, e.g. after loading weights or a non-masked update.
import { laneMask4 } from './lane-mask';

/** w[i] = mask[i] != 0 ? w[i] : +0.0 for i in [start, end). */
export function f32_apply_mask__simd128(wPtr: usize, maskPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(wPtr + o, v128.and(v128.load(wPtr + o), laneMask4(maskPtr, i)));
  }
  for (; i < end; i++) {
    if (load<u8>(maskPtr + <usize>i) == 0) store<f32>(wPtr + (<usize>i << 2), 0);
  }
}
