// Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW (amsgrad off).
import { laneMask4 } from './lane-mask';

/**
 * One update of elements [start, end). decoupled = 0 (Adam): g' = g + wd*w;
 * decoupled = 1 (AdamW): w *= 1 - lr*wd first and g' = g. Then
 *   m = b1*m + (1-b1)*g',  v = b2*v + (1-b2)*g'^2,
 *   w -= lr * (m / bias1) / (sqrt(v / bias2) + eps),
 * with bias1 = 1 - b1^t and bias2 = 1 - b2^t from the caller, who owns the step count.
 * sqrt(v / bias2) is computed as sqrt(v) / sqrt(bias2), as PyTorch does, which saves a
 * division per element. Masked entries (mask[i] == 0) get w = m = v = +0.0.
 */
export function f32_adam_step__simd128(
  wPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, maskPtr: usize,
  lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, decoupled: i32,
  bias1: f32, bias2: f32, start: i32, end: i32, scratchPtr: usize,
): void {
  const hasMask = maskPtr != 0;
  const l2 = weightDecay != 0 && decoupled == 0;
  const shrink = weightDecay != 0 && decoupled != 0;
  const decay: f32 = 1 - lr * weightDecay;
  const stepSize: f32 = lr / bias1;
  const invSqrtBias2: f32 = <f32>(1.0 / Math.sqrt(<f64>bias2));
  const b1V = f32x4.splat(beta1), c1V = f32x4.splat(1 - beta1);
  const b2V = f32x4.splat(beta2), c2V = f32x4.splat(1 - beta2);
  const wdV = f32x4.splat(weightDecay), decayV = f32x4.splat(decay);
  const stepV = f32x4.splat(stepSize), ib2V = f32x4.splat(invSqrtBias2), epsV = f32x4.splat(eps);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    let w = v128.load(wPtr + o);
    let g = v128.load(gPtr + o);
    if (l2) g = f32x4.add(g, f32x4.mul(wdV, w));
    if (shrink) w = f32x4.mul(w, decayV);
    let m = f32x4.add(f32x4.mul(b1V, v128.load(mPtr + o)), f32x4.mul(c1V, g));
    let v = f32x4.add(f32x4.mul(b2V, v128.load(vPtr + o)), f32x4.mul(c2V, f32x4.mul(g, g)));
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(v), ib2V), epsV);
    w = f32x4.sub(w, f32x4.mul(stepV, f32x4.div(m, denom)));
    if (hasMask) {
      const keep = laneMask4(maskPtr, i);
      w = v128.and(w, keep);
      m = v128.and(m, keep);
      v = v128.and(v, keep);
    }
    v128.store(wPtr + o, w);
    v128.store(mPtr + o, m);
    v128.store(vPtr + o, v);
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let w = load<f32>(wPtr + o);
    let g = load<f32>(gPtr + o);
    if (l2) g += weightDecay * w;
    if (shrink) w *= decay;
    let m = beta1 * load<f32>(mPtr + o) + (1 - beta1) * g;
    let v = beta2 * load<f32>(vPtr + o) + (1 - beta2) * (g * g);
    w -= stepSize * (m / (Mathf.sqrt(v) * invSqrtBias2 + eps));
    if (hasMask && load<u8>(maskPtr + <usize>i) == 0) {
      w = 0;
      m = 0;
      v = 0;
    }
    store<f32>(wPtr + o, w);
    store<f32>(mPtr + o, m);
    store<f32>(vPtr + o, v);
  }
}
