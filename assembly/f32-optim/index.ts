// Optimizer update kernels (SGD, Adam/AdamW) and the pruning-mask apply. Each takes an
// optional u8 mask so pruned weights and their optimizer state stay exactly zero inside
// the same pass over memory. The plain names forward to the SIMD kernels; the scalar
// twins are exported as their test oracles.
import { f32_sgd_step__simd128 } from './f32-sgd-step-simd128';
import { f32_adam_step__simd128 } from './f32-adam-step-simd128';
import { f32_apply_mask__simd128 } from './f32-apply-mask-simd128';

export { f32_sgd_step__simd128 } from './f32-sgd-step-simd128';
export { f32_sgd_step__scalar } from './f32-sgd-step-scalar';
export { f32_adam_step__simd128 } from './f32-adam-step-simd128';
export { f32_adam_step__scalar } from './f32-adam-step-scalar';
export { f32_apply_mask__simd128 } from './f32-apply-mask-simd128';
export { f32_apply_mask__scalar } from './f32-apply-mask-scalar';

/** SGD (PyTorch semantics) over elements [start, end); maskPtr 0 = unmasked, vPtr 0 allowed without momentum. */
export function f32_sgd_step(
  wPtr: usize, gPtr: usize, vPtr: usize, maskPtr: usize,
  lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: i32, firstStep: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_sgd_step__simd128(wPtr, gPtr, vPtr, maskPtr, lr, momentum, dampening, weightDecay, nesterov, firstStep, start, end, scratchPtr);
}

/** Adam (decoupled = 0) or AdamW (decoupled = 1) over elements [start, end); bias1/bias2 = 1 - beta^t. */
export function f32_adam_step(
  wPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, maskPtr: usize,
  lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, decoupled: i32,
  bias1: f32, bias2: f32, start: i32, end: i32, scratchPtr: usize,
): void {
  f32_adam_step__simd128(wPtr, gPtr, mPtr, vPtr, maskPtr, lr, beta1, beta2, eps, weightDecay, decoupled, bias1, bias2, start, end, scratchPtr);
}

/** w[i] = mask[i] ? w[i] : 0 over elements [start, end). */
export function f32_apply_mask(wPtr: usize, maskPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  f32_apply_mask__simd128(wPtr, maskPtr, start, end, scratchPtr);
}
