// The f32 GEMM family's front door: the blocked GEMM, its parallel forms, the scalar
// oracle, and the micro-kernel pair and packers the tests exercise directly; and, for
// inference, the weight prepacker with the prepacked GEMM and its conv and linear drivers.
export { f32_gemm, f32_gemm_rows, f32_gemm_cols, f32_gemm_scratch_bytes } from './f32-gemm-blocked';
export { f32_gemm__scalar } from './f32-gemm-scalar';
export { f32_gemm_5x8__simd128 } from './f32-gemm-5x8-simd128';
export { f32_gemm_5x8__scalar } from './f32-gemm-5x8-scalar';
export { f32_gemm_5x1__simd128 } from './f32-gemm-5x1-simd128';
export { f32_gemm_5x1__scalar } from './f32-gemm-5x1-scalar';
export { f32_gemm_pack_a_5, f32_gemm_pack_b_8 } from './f32-gemm-pack';
export { f32_gemm_prepack_a, f32_gemm_prepack_a_bytes } from './f32-gemm-prepack';
export { f32_gemm_prepacked, f32_gemm_prepacked_scratch_bytes } from './f32-gemm-prepacked';
export { f32_conv2d_prepacked, f32_conv2d_prepacked_scratch_bytes } from './f32-conv2d-prepacked';
export { f32_linear_prepacked, f32_linear_prepacked_units, f32_linear_prepacked_scratch_bytes } from './f32-linear-prepacked';
