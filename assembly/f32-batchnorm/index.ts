// Batch normalization kernels: channel statistics, the per-channel affine that applies
// them, and the training-mode backward. The plain names are what the TypeScript side
// calls; each forwards to the SIMD kernel, whose scalar twin is exported as its oracle.
import { f32_batchnorm_stats__simd128 } from './f32-batchnorm-stats-simd128';
import { f32_channel_affine__simd128 } from './f32-channel-affine-simd128';
import { f32_batchnorm_bwd__simd128 } from './f32-batchnorm-bwd-simd128';
import { f32_standardize__simd128 } from './f32-standardize';

export { f32_batchnorm_stats__simd128 } from './f32-batchnorm-stats-simd128';
export { f32_batchnorm_stats__scalar } from './f32-batchnorm-stats-scalar';
export { f32_channel_affine__simd128 } from './f32-channel-affine-simd128';
export { f32_channel_affine__scalar } from './f32-channel-affine-scalar';
export { f32_batchnorm_bwd__simd128 } from './f32-batchnorm-bwd-simd128';
export { f32_batchnorm_bwd__scalar } from './f32-batchnorm-bwd-scalar';
export { f32_standardize__simd128, f32_standardize__scalar } from './f32-standardize';

/** Mean and biased variance per channel, for channels [start, end). */
export function f32_batchnorm_stats(
  xPtr: usize, n: i32, c: i32, hw: i32, meanPtr: usize, varPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_batchnorm_stats__simd128(xPtr, n, c, hw, meanPtr, varPtr, start, end, scratchPtr);
}

/** y = x * scale[ch] + shift[ch] over planes [start, end) (plane p = img*c + ch). */
export function f32_channel_affine(
  xPtr: usize, scalePtr: usize, shiftPtr: usize, yPtr: usize, n: i32, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_channel_affine__simd128(xPtr, scalePtr, shiftPtr, yPtr, n, c, hw, start, end, scratchPtr);
}

/** Training-mode batch-norm backward for channels [start, end): writes dx, dgamma, dbeta. */
export function f32_batchnorm_bwd(
  xPtr: usize, dyPtr: usize, meanPtr: usize, invstdPtr: usize, gammaPtr: usize,
  dxPtr: usize, dgammaPtr: usize, dbetaPtr: usize, n: i32, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_batchnorm_bwd__simd128(xPtr, dyPtr, meanPtr, invstdPtr, gammaPtr, dxPtr, dgammaPtr, dbetaPtr, n, c, hw, start, end, scratchPtr);
}

/** y = f32((f64(x) − mean[ch]) · invStd[ch]) over planes [start, end) of c channels (plane p = img*c + ch); float64 mean and invStd. */
export function f32_standardize(
  xPtr: usize, meanPtr: usize, invStdPtr: usize, yPtr: usize, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_standardize__simd128(xPtr, meanPtr, invStdPtr, yPtr, c, hw, start, end, scratchPtr);
}
