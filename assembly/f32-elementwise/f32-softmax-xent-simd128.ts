// Fused softmax cross-entropy with label smoothing, per row of a rows x cols logit matrix.
// Target t = (1 - s) * onehot(label) + s / cols. With z = x - max and lse = log sum exp z:
//   loss = -sum_j t_j (z_j - lse) = lse - (1 - s) z_label - s * mean(z)
//   dx_j = gradScale * (exp(z_j) / sum - t_j)
// so one pass gathers sum exp z (leaving exp z in dx) and sum z, and a second scales dx.
// A label outside [0, cols) gives a NaN loss and a NaN dx row (the TS side validates first).
import { exp_f32, exp_f32x4, log_f32 } from './f32-math';
import { rowMax__simd128 } from './f32-row-max';

export function f32_softmax_xent__simd128(xPtr: usize, labelsPtr: usize, lossPtr: usize, dxPtr: usize, rows: i32, cols: i32, smoothing: f32, gradScale: f32, start: i32, end: i32, scratchPtr: usize): void {
  const wantDx = dxPtr != 0;
  for (let r = start; r < end; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = xPtr + off, dxr = dxPtr + off;
    const label = load<i32>(labelsPtr + (<usize>r << 2));
    if (label < 0 || label >= cols) {
      store<f32>(lossPtr + (<usize>r << 2), NaN);
      if (wantDx) for (let t = 0; t < cols; t++) store<f32>(dxr + (<usize>t << 2), NaN);
      continue;
    }
    const m = rowMax__simd128(xr, cols);
    const vm = f32x4.splat(m);
    let accE = f32x4.splat(0), accZ = f32x4.splat(0);
    let tailE: f32 = 0, tailZ: f32 = 0;
    let t = 0;
    for (; t + 4 <= cols; t += 4) {
      const o = <usize>t << 2;
      const z = f32x4.sub(v128.load(xr + o), vm);
      const e = exp_f32x4(z);
      if (wantDx) v128.store(dxr + o, e);
      accE = f32x4.add(accE, e);
      accZ = f32x4.add(accZ, z);
    }
    for (; t < cols; t++) {
      const o = <usize>t << 2;
      const z = load<f32>(xr + o) - m;
      const e = exp_f32(z);
      if (wantDx) store<f32>(dxr + o, e);
      tailE += e;
      tailZ += z;
    }
    const sumE = (f32x4.extract_lane(accE, 0) + f32x4.extract_lane(accE, 1)) + (f32x4.extract_lane(accE, 2) + f32x4.extract_lane(accE, 3)) + tailE;
    const sumZ = (f32x4.extract_lane(accZ, 0) + f32x4.extract_lane(accZ, 1)) + (f32x4.extract_lane(accZ, 2) + f32x4.extract_lane(accZ, 3)) + tailZ;
    const lse = log_f32(sumE);
    const zLabel = load<f32>(xr + (<usize>label << 2)) - m;
    let loss = lse - (<f32>1.0 - smoothing) * zLabel;
    // Skipped at s = 0 so a -inf logit elsewhere in the row cannot turn 0 * -inf into NaN.
    if (smoothing != 0) loss -= smoothing * (sumZ / <f32>cols);
    store<f32>(lossPtr + (<usize>r << 2), loss);

    if (wantDx) {
      const scale = gradScale / sumE;
      const floor = gradScale * smoothing / <f32>cols;
      const vs = f32x4.splat(scale), vf = f32x4.splat(floor);
      t = 0;
      for (; t + 4 <= cols; t += 4) {
        const o = <usize>t << 2;
        v128.store(dxr + o, f32x4.sub(f32x4.mul(v128.load(dxr + o), vs), vf));
      }
      for (; t < cols; t++) {
        const o = <usize>t << 2;
        store<f32>(dxr + o, load<f32>(dxr + o) * scale - floor);
      }
      const pl = dxr + (<usize>label << 2);
      store<f32>(pl, load<f32>(pl) - gradScale * (<f32>1.0 - smoothing));
    }
  }
}
