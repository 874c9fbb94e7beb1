// The qu8-gemm family's front door: dense int8 weights x uint8 activations.
//   packing (once per layer): qu8_gemm_pack_w, qu8_gemm_packed_w_bytes; qu8_gemm_pack_x (per call, in scratch)
//   drivers: qu8_gemm_prepacked (+ _rows for the pool), qu8_conv2d (images), qu8_linear (features)
//   micro-kernels and their scalar twins, for the tests: 4x8c2 GEMM tile, 16c2 GEMV.
// All end in the qu8 epilogue (../qu8-misc/qu8-epilogue.ts): outKind 0 requantizes to uint8,
// 1 dequantizes to float32, both clamped to [clampLo, clampHi].
export { qu8_gemm_pack_w, qu8_gemm_packed_w_bytes, qu8_gemm_pack_x } from './qu8-gemm-pack';
export { qu8_gemm_prepacked, qu8_gemm_prepacked_rows, qu8_gemm_scratch_bytes } from './qu8-gemm-prepacked';
export { qu8_conv2d, qu8_conv2d_scratch_bytes } from './qu8-conv2d';
export { qu8_linear, qu8_linear_scratch_bytes } from './qu8-linear';
export { qu8_gemm_4x8c2__simd128 } from './qu8-gemm-4x8c2-simd128';
export { qu8_gemm_4x8c2__scalar } from './qu8-gemm-4x8c2-scalar';
export { qu8_gemv_16c2__simd128 } from './qu8-gemv-16c2-simd128';
export { qu8_gemv_16c2__scalar } from './qu8-gemv-16c2-scalar';
