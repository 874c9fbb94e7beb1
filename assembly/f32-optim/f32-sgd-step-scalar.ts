// Scalar twin and test oracle of f32_sgd_step__simd128.

export function f32_sgd_step__scalar(
  wPtr: usize, gPtr: usize, vPtr: usize, maskPtr: usize,
  lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: i32, firstStep: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const useMomentum = momentum != 0;
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    let w = load<f32>(wPtr + o);
    let g = load<f32>(gPtr + o);
    if (weightDecay != 0) g += weightDecay * w;
    let v = g;
    if (useMomentum) {
      if (firstStep == 0) v = momentum * load<f32>(vPtr + o) + (1 - dampening) * g;
      g = nesterov != 0 ? g + momentum * v : v;
    }
    w -= lr * g;
    if (maskPtr != 0 && load<u8>(maskPtr + <usize>i) == 0) {
      w = 0;
      v = 0;
    }
    store<f32>(wPtr + o, w);
    if (useMomentum) store<f32>(vPtr + o, v);
  }
}
