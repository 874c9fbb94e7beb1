// One definition per unary op and its derivative, as scalar and f32x4 functions. Kernels
// inline these with a constant op code, so the op switch folds away and each op gets its
// own loop; the scalar forms also serve the SIMD loops' tails and the __scalar oracles.
import { UnaryOp } from './op-codes';
import {
  exp_f32, expm1_f32, log_f32, sigmoid_f32, tanh_f32,
  exp_f32x4, expm1_f32x4, log_f32x4, sigmoid_f32x4, tanh_f32x4,
} from './f32-math';

const SIXTH: f32 = 1.0 / 6.0;

// Clamps use wasm's pmin/pmax semantics (b < a ? b : a, a < b ? b : a): one instruction
// each on x86, where min/max need a NaN- and sign-aware sequence several times longer.
// With x first, NaN passes through, and relu(-0) stays -0 (equal to 0 for every use).
@inline function pmax(a: f32, b: f32): f32 { return a < b ? b : a; }
@inline function pmin(a: f32, b: f32): f32 { return b < a ? b : a; }

@inline export function unaryScalar(op: i32, x: f32, alpha: f32): f32 {
  switch (op) {
    case UnaryOp.Identity: return x;
    case UnaryOp.Relu: return pmax(x, 0);
    case UnaryOp.Relu6: return pmin(pmax(x, 0), 6);
    case UnaryOp.LeakyRelu: return x > 0 ? x : alpha * x;
    case UnaryOp.Sigmoid: return sigmoid_f32(x);
    case UnaryOp.Tanh: return tanh_f32(x);
    case UnaryOp.HardSwish: return x * pmin(pmax(x + 3, 0), 6) * SIXTH;
    case UnaryOp.Exp: return exp_f32(x);
    case UnaryOp.Log: return log_f32(x);
    case UnaryOp.Neg: return -x;
    case UnaryOp.Sqrt: return sqrt<f32>(x);
    case UnaryOp.Square: return x * x;
    case UnaryOp.Abs: return abs<f32>(x);
    case UnaryOp.Reciprocal: return <f32>1.0 / x;
    case UnaryOp.Scale: return alpha * x;
    case UnaryOp.AddScalar: return x + alpha;
    case UnaryOp.Elu: return x > 0 ? x : alpha * expm1_f32(x);
    default: unreachable();
  }
  return 0;
}

@inline export function unaryVector(op: i32, x: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case UnaryOp.Identity: return x;
    case UnaryOp.Relu: return f32x4.pmax(x, zero);
    case UnaryOp.Relu6: return f32x4.pmin(f32x4.pmax(x, zero), f32x4.splat(6));
    case UnaryOp.LeakyRelu: return v128.bitselect(x, f32x4.mul(alpha, x), f32x4.gt(x, zero));
    case UnaryOp.Sigmoid: return sigmoid_f32x4(x);
    case UnaryOp.Tanh: return tanh_f32x4(x);
    case UnaryOp.HardSwish: {
      const r6 = f32x4.pmin(f32x4.pmax(f32x4.add(x, f32x4.splat(3)), zero), f32x4.splat(6));
      return f32x4.mul(f32x4.mul(x, r6), f32x4.splat(SIXTH));
    }
    case UnaryOp.Exp: return exp_f32x4(x);
    case UnaryOp.Log: return log_f32x4(x);
    case UnaryOp.Neg: return f32x4.neg(x);
    case UnaryOp.Sqrt: return f32x4.sqrt(x);
    case UnaryOp.Square: return f32x4.mul(x, x);
    case UnaryOp.Abs: return f32x4.abs(x);
    case UnaryOp.Reciprocal: return f32x4.div(f32x4.splat(1), x);
    case UnaryOp.Scale: return f32x4.mul(alpha, x);
    case UnaryOp.AddScalar: return f32x4.add(x, alpha);
    case UnaryOp.Elu: return v128.bitselect(x, f32x4.mul(alpha, expm1_f32x4(x)), f32x4.gt(x, zero));
    default: unreachable();
  }
  return zero;
}

// Derivatives. y is the forward output, read only by Sigmoid, Tanh and Exp (callers may
// pass any pointer for the others). At kinks we follow PyTorch: relu'(0) = 0,
// relu6' is 0 at 0 and 6, |x|'(0) = 0, hardswish' = 0 below -3, (2x+3)/6 on [-3, 3], 1 above.

@inline export function unaryGradScalar(op: i32, x: f32, y: f32, dy: f32, alpha: f32): f32 {
  switch (op) {
    case UnaryOp.Identity: return dy;
    case UnaryOp.Relu: return x > 0 ? dy : 0;
    case UnaryOp.Relu6: return x > 0 && x < 6 ? dy : 0;
    case UnaryOp.LeakyRelu: return x > 0 ? dy : alpha * dy;
    case UnaryOp.Sigmoid: return dy * (y * (<f32>1.0 - y));
    case UnaryOp.Tanh: return dy * (<f32>1.0 - y * y);
    case UnaryOp.HardSwish: return x < -3 ? 0 : x > 3 ? dy : dy * ((x + x + 3) * SIXTH);
    case UnaryOp.Exp: return dy * y;
    case UnaryOp.Log: return dy / x;
    case UnaryOp.Neg: return -dy;
    case UnaryOp.Sqrt: return dy * <f32>0.5 / sqrt<f32>(x);
    case UnaryOp.Square: return dy * (x + x);
    case UnaryOp.Abs: return x > 0 ? dy : x < 0 ? -dy : 0;
    case UnaryOp.Reciprocal: return -dy / (x * x);
    case UnaryOp.Scale: return alpha * dy;
    case UnaryOp.AddScalar: return dy;
    case UnaryOp.Elu: return x > 0 ? dy : dy * (alpha * exp_f32(x));
    default: unreachable();
  }
  return 0;
}

@inline export function unaryGradVector(op: i32, x: v128, y: v128, dy: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case UnaryOp.Identity: return dy;
    case UnaryOp.Relu: return v128.and(dy, f32x4.gt(x, zero));
    case UnaryOp.Relu6: return v128.and(dy, v128.and(f32x4.gt(x, zero), f32x4.lt(x, f32x4.splat(6))));
    case UnaryOp.LeakyRelu: return v128.bitselect(dy, f32x4.mul(alpha, dy), f32x4.gt(x, zero));
    case UnaryOp.Sigmoid: return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(one, y)));
    case UnaryOp.Tanh: return f32x4.mul(dy, f32x4.sub(one, f32x4.mul(y, y)));
    case UnaryOp.HardSwish: {
      const mid = f32x4.mul(dy, f32x4.mul(f32x4.add(f32x4.add(x, x), f32x4.splat(3)), f32x4.splat(SIXTH)));
      const upper = v128.bitselect(dy, mid, f32x4.gt(x, f32x4.splat(3)));
      return v128.andnot(upper, f32x4.lt(x, f32x4.splat(-3)));
    }
    case UnaryOp.Exp: return f32x4.mul(dy, y);
    case UnaryOp.Log: return f32x4.div(dy, x);
    case UnaryOp.Neg: return f32x4.neg(dy);
    case UnaryOp.Sqrt: return f32x4.div(f32x4.mul(dy, f32x4.splat(0.5)), f32x4.sqrt(x));
    case UnaryOp.Square: return f32x4.mul(dy, f32x4.add(x, x));
    case UnaryOp.Abs: {
      const pos = v128.and(dy, f32x4.gt(x, zero));
      return v128.bitselect(f32x4.neg(dy), pos, f32x4.lt(x, zero));
    }
    case UnaryOp.Reciprocal: return f32x4.div(f32x4.neg(dy), f32x4.mul(x, x));
    case UnaryOp.Scale: return f32x4.mul(alpha, dy);
    case UnaryOp.AddScalar: return dy;
    case UnaryOp.Elu: return v128.bitselect(dy, f32x4.mul(dy, f32x4.mul(alpha, exp_f32x4(x))), f32x4.gt(x, zero));
    default: unreachable();
  }
  return zero;
}
