// One definition per binary op, as scalar and f32x4 functions with the same IEEE results:
// wasm min/max (and JS Math.min/max) propagate NaN and order -0 below +0.
import { BinaryOp } from './op-codes';

@inline export function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BinaryOp.Add: return a + b;
    case BinaryOp.Sub: return a - b;
    case BinaryOp.Mul: return a * b;
    case BinaryOp.Div: return a / b;
    case BinaryOp.Max: return max<f32>(a, b);
    case BinaryOp.Min: return min<f32>(a, b);
    case BinaryOp.Pow: return Mathf.pow(a, b);
    case BinaryOp.Greater: return a > b ? 1 : 0;
    case BinaryOp.GreaterEqual: return a >= b ? 1 : 0;
    case BinaryOp.Equal: return a == b ? 1 : 0;
    default: unreachable();
  }
  return 0;
}

@inline export function binaryVector(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case BinaryOp.Add: return f32x4.add(a, b);
    case BinaryOp.Sub: return f32x4.sub(a, b);
    case BinaryOp.Mul: return f32x4.mul(a, b);
    case BinaryOp.Div: return f32x4.div(a, b);
    case BinaryOp.Max: return f32x4.max(a, b);
    case BinaryOp.Min: return f32x4.min(a, b);
    case BinaryOp.Pow: {
      // No SIMD pow: negative bases with integral exponents need the scalar special cases.
      let r = f32x4.splat(Mathf.pow(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
      r = f32x4.replace_lane(r, 1, Mathf.pow(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
      r = f32x4.replace_lane(r, 2, Mathf.pow(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
      return f32x4.replace_lane(r, 3, Mathf.pow(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
    }
    case BinaryOp.Greater: return v128.and(f32x4.gt(a, b), one);
    case BinaryOp.GreaterEqual: return v128.and(f32x4.ge(a, b), one);
    case BinaryOp.Equal: return v128.and(f32x4.eq(a, b), one);
    default: unreachable();
  }
  return one;
}

/**
 * out[t] = op(a[t * aStep], b[t * bStep]) for t in [0, len). Steps of 0 and 1 (broadcast
 * and contiguous operands) get SIMD loops; other steps walk element by element.
 */
@inline export function binaryBlock(op: i32, aPtr: usize, aStep: i32, bPtr: usize, bStep: i32, outPtr: usize, len: i32): void {
  let t = 0;
  if (aStep == 1 && bStep == 1) {
    for (; t + 4 <= len; t += 4) {
      const o = <usize>t << 2;
      v128.store(outPtr + o, binaryVector(op, v128.load(aPtr + o), v128.load(bPtr + o)));
    }
    for (; t < len; t++) {
      const o = <usize>t << 2;
      store<f32>(outPtr + o, binaryScalar(op, load<f32>(aPtr + o), load<f32>(bPtr + o)));
    }
  } else if (aStep == 1 && bStep == 0) {
    const b = load<f32>(bPtr);
    const vb = f32x4.splat(b);
    for (; t + 4 <= len; t += 4) {
      const o = <usize>t << 2;
      v128.store(outPtr + o, binaryVector(op, v128.load(aPtr + o), vb));
    }
    for (; t < len; t++) {
      const o = <usize>t << 2;
      store<f32>(outPtr + o, binaryScalar(op, load<f32>(aPtr + o), b));
    }
  } else if (aStep == 0 && bStep == 1) {
    const a = load<f32>(aPtr);
    const va = f32x4.splat(a);
    for (; t + 4 <= len; t += 4) {
      const o = <usize>t << 2;
      v128.store(outPtr + o, binaryVector(op, va, v128.load(bPtr + o)));
    }
    for (; t < len; t++) {
      const o = <usize>t << 2;
      store<f32>(outPtr + o, binaryScalar(op, a, load<f32>(bPtr + o)));
    }
  } else {
    for (; t < len; t++) {
      const v = binaryScalar(op, load<f32>(aPtr + (<usize>(t * aStep) << 2)), load<f32>(bPtr + (<usize>(t * bStep) << 2)));
      store<f32>(outPtr + (<usize>t << 2), v);
    }
  }
}
