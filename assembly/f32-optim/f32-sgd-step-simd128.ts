// SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD.
import { laneMask4 } from './lane-mask';

/**
 * One update of elements [start, end):
 *   g' = g + weightDecay*w
 *   momentum != 0: v = firstStep ? g' : momentum*v + (1-dampening)*g'
 *                  g' = nesterov ? g' + momentum*v : v
 *   w -= lr*g'
 * Where maskPtr != 0 and mask[i] == 0, w and v are written as +0.0, so a pruned weight
 * stays exactly zero and carries no momentum into a later unmasking. vPtr is read only
 * when momentum != 0.
 */
export function f32_sgd_step__simd128(
  wPtr: usize, gPtr: usize, vPtr: usize, maskPtr: usize,
  lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: i32, firstStep: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const hasMask = maskPtr != 0;
  const useMomentum = momentum != 0;
  // PyTorch skips the decay term when it is 0; adding 0*w would turn an inf weight into NaN.
  const useDecay = weightDecay != 0;
  const lrV = f32x4.splat(lr), momV = f32x4.splat(momentum);
  const dampV = f32x4.splat(1 - dampening), wdV = f32x4.splat(weightDecay);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    let w = v128.load(wPtr + o);
    let g = v128.load(gPtr + o);
    if (useDecay) g = f32x4.add(g, f32x4.mul(wdV, w));
    let v = g;
    if (useMomentum) {
      if (firstStep == 0) v = f32x4.add(f32x4.mul(momV, v128.load(vPtr + o)), f32x4.mul(dampV, g));
      g = nesterov != 0 ? f32x4.add(g, f32x4.mul(momV, v)) : v;
    }
    w = f32x4.sub(w, f32x4.mul(lrV, g));
    if (hasMask) {
      const keep = laneMask4(maskPtr, i);
      w = v128.and(w, keep);
      v = v128.and(v, keep);
    }
    v128.store(wPtr + o, w);
    if (useMomentum) v128.store(vPtr + o, v);
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let w = load<f32>(wPtr + o);
    let g = load<f32>(gPtr + o);
    if (useDecay) g += weightDecay * w;
    let v = g;
    if (useMomentum) {
      if (firstStep == 0) v = momentum * load<f32>(vPtr + o) + (1 - dampening) * g;
      g = nesterov != 0 ? g + momentum * v : v;
    }
    w -= lr * g;
    if (hasMask && load<u8>(maskPtr + <usize>i) == 0) {
      w = 0;
      v = 0;
    }
    store<f32>(wPtr + o, w);
    if (useMomentum) store<f32>(vPtr + o, v);
  }
}
