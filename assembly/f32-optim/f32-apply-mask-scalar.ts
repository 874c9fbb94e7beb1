// Scalar twin and test oracle of f32_apply_mask__simd128.

export function f32_apply_mask__scalar(wPtr: usize, maskPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  for (let i = start; i < end; i++) {
    if (load<u8>(maskPtr + <usize>i) == 0) store<f32>(wPtr + (<usize>i << 2), 0);
  }
}
