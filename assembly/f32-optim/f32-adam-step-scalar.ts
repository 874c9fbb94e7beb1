// Scalar twin and test oracle of f32_adam_step__simd128.

export function f32_adam_step__scalar(
  wPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, maskPtr: usize,
  lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, decoupled: i32,
  bias1: f32, bias2: f32, start: i32, end: i32, scratchPtr: usize,
): void {
  const decay: f32 = 1 - lr * weightDecay;
  const stepSize: f32 = lr / bias1;
  const invSqrtBias2: f32 = <f32>(1.0 / Math.sqrt(<f64>bias2));
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    let w = load<f32>(wPtr + o);
    let g = load<f32>(gPtr + o);
    if (weightDecay != 0) {
      if (decoupled != 0) w *= decay;
      else g += weightDecay * w;
    }
    let m = beta1 * load<f32>(mPtr + o) + (1 - beta1) * g;
    let v = beta2 * load<f32>(vPtr + o) + (1 - beta2) * (g * g);
    w -= stepSize * (m / (Mathf.sqrt(v) * invSqrtBias2 + eps));
    if (maskPtr != 0 && load<u8>(maskPtr + <usize>i) == 0) {
      w = 0;
      m = 0;
      v = 0;
    }
    store<f32>(wPtr + o, w);
    store<f32>(mPtr + o, m);
    store<f32>(vPtr + o, v);
  }
}
