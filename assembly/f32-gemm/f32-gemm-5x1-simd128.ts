// The 5x1 f32 GEMM micro-kernel: one 5-row panel of A (packed as for the 5x8 kernel,
// element (r, p) at aPanelPtr[p*5 + r]) times one contiguous column x[0..kc). It serves
// matrix-vector products (a batch-1 linear layer), where padding the column to the 5x8
// kernel's 8 would do 8 times the arithmetic on the same stream of A.
//
// Four steps of the panel are 20 floats, five whole vectors, so A is read with aligned-
// stride v128 loads and no shuffles: lane l of vector v holds element t = 4v + l, which is
// row t % 5 at step t / 5. Each vector is multiplied by x shuffled to the matching steps
// ((0,0,0,0), (0,1,1,1), (1,1,2,2), (2,2,2,3), (3,3,3,3)), and the five accumulators are
// folded into rows once at the end.

/** out[r] = sum_{p < kc} A[r, p] * x[p] for r < 5; out is 5 floats. */
export function f32_gemm_5x1__simd128(kc: i32, aPanelPtr: usize, xPtr: usize, outPtr: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0), c4 = f32x4.splat(0);
  let a = aPanelPtr;
  let x = xPtr;
  const aEnd4 = aPanelPtr + <usize>(kc >> 2) * 80;
  while (a < aEnd4) {
    const xv = v128.load(x);
    c0 = f32x4.add(c0, f32x4.mul(v128.load(a), v128.shuffle<f32>(xv, xv, 0, 0, 0, 0)));
    c1 = f32x4.add(c1, f32x4.mul(v128.load(a, 16), v128.shuffle<f32>(xv, xv, 0, 1, 1, 1)));
    c2 = f32x4.add(c2, f32x4.mul(v128.load(a, 32), v128.shuffle<f32>(xv, xv, 1, 1, 2, 2)));
    c3 = f32x4.add(c3, f32x4.mul(v128.load(a, 48), v128.shuffle<f32>(xv, xv, 2, 2, 2, 3)));
    c4 = f32x4.add(c4, f32x4.mul(v128.load(a, 64), v128.shuffle<f32>(xv, xv, 3, 3, 3, 3)));
    a += 80;
    x += 16;
  }
  let s0 = (f32x4.extract_lane(c0, 0) + f32x4.extract_lane(c1, 1)) + (f32x4.extract_lane(c2, 2) + f32x4.extract_lane(c3, 3));
  let s1 = (f32x4.extract_lane(c0, 1) + f32x4.extract_lane(c1, 2)) + (f32x4.extract_lane(c2, 3) + f32x4.extract_lane(c4, 0));
  let s2 = (f32x4.extract_lane(c0, 2) + f32x4.extract_lane(c1, 3)) + (f32x4.extract_lane(c3, 0) + f32x4.extract_lane(c4, 1));
  let s3 = (f32x4.extract_lane(c0, 3) + f32x4.extract_lane(c2, 0)) + (f32x4.extract_lane(c3, 1) + f32x4.extract_lane(c4, 2));
  let s4 = (f32x4.extract_lane(c1, 0) + f32x4.extract_lane(c2, 1)) + (f32x4.extract_lane(c3, 2) + f32x4.extract_lane(c4, 3));
  const aEnd = aPanelPtr + <usize>kc * 20;
  while (a < aEnd) {
    const xs = load<f32>(x);
    s0 += load<f32>(a) * xs;
    s1 += load<f32>(a, 4) * xs;
    s2 += load<f32>(a, 8) * xs;
    s3 += load<f32>(a, 12) * xs;
    s4 += load<f32>(a, 16) * xs;
    a += 20;
    x += 4;
  }
  store<f32>(outPtr, s0);
  store<f32>(outPtr, s1, 4);
  store<f32>(outPtr, s2, 8);
  store<f32>(outPtr, s3, 12);
  store<f32>(outPtr, s4, 16);
}
