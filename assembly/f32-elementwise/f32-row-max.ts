// Row maxima shared by softmax, cross-entropy and argmax. Both propagate NaN (wasm max
// does), so a row holding NaN yields NaN outputs rather than a silently wrong softmax.

@inline export function rowMax__simd128(ptr: usize, cols: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let t = 0;
  for (; t + 4 <= cols; t += 4) m = f32x4.max(m, v128.load(ptr + (<usize>t << 2)));
  let s = max<f32>(max<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max<f32>(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; t < cols; t++) s = max<f32>(s, load<f32>(ptr + (<usize>t << 2)));
  return s;
}

@inline export function rowMax__scalar(ptr: usize, cols: i32): f32 {
  let s: f32 = -Infinity;
  for (let t = 0; t < cols; t++) s = max<f32>(s, load<f32>(ptr + (<usize>t << 2)));
  return s;
}
