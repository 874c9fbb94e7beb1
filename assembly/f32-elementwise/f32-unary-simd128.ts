// Unary ops and their gradients over [start, end) of a contiguous f32 array, 4 lanes at a
// time with a scalar tail. Each op gets its own small function that inlines the loop with a
// literal op code: inside a function of its own the code is a constant the optimizer folds,
// while inlining all cases into one function would share the op local and keep the switch
// inside the loop body.
import { UnaryOp } from './op-codes';
import { unaryScalar, unaryVector, unaryGradScalar, unaryGradVector } from './f32-unary-ops';

@inline function unaryLoop(op: i32, xPtr: usize, yPtr: usize, alpha: f32, start: i32, end: i32): void {
  const va = f32x4.splat(alpha);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(yPtr + o, unaryVector(op, v128.load(xPtr + o), va));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(yPtr + o, unaryScalar(op, load<f32>(xPtr + o), alpha));
  }
}

@inline function gradLoop(op: i32, xPtr: usize, yPtr: usize, dyPtr: usize, dxPtr: usize, alpha: f32, start: i32, end: i32): void {
  const va = f32x4.splat(alpha);
  // Only Sigmoid, Tanh and Exp read y; the others never touch yPtr, which may be 0.
  const useY = op == UnaryOp.Sigmoid || op == UnaryOp.Tanh || op == UnaryOp.Exp;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const vy = useY ? v128.load(yPtr + o) : f32x4.splat(0);
    v128.store(dxPtr + o, unaryGradVector(op, v128.load(xPtr + o), vy, v128.load(dyPtr + o), va));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const y = useY ? load<f32>(yPtr + o) : <f32>0;
    store<f32>(dxPtr + o, unaryGradScalar(op, load<f32>(xPtr + o), y, load<f32>(dyPtr + o), alpha));
  }
}

function fwdIdentity(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Identity, x, y, a, s, e); }
function fwdRelu(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Relu, x, y, a, s, e); }
function fwdRelu6(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Relu6, x, y, a, s, e); }
function fwdLeakyRelu(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.LeakyRelu, x, y, a, s, e); }
function fwdSigmoid(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Sigmoid, x, y, a, s, e); }
function fwdTanh(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Tanh, x, y, a, s, e); }
function fwdHardSwish(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.HardSwish, x, y, a, s, e); }
function fwdExp(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Exp, x, y, a, s, e); }
function fwdLog(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Log, x, y, a, s, e); }
function fwdNeg(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Neg, x, y, a, s, e); }
function fwdSqrt(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Sqrt, x, y, a, s, e); }
function fwdSquare(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Square, x, y, a, s, e); }
function fwdAbs(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Abs, x, y, a, s, e); }
function fwdReciprocal(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Reciprocal, x, y, a, s, e); }
function fwdScale(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Scale, x, y, a, s, e); }
function fwdAddScalar(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.AddScalar, x, y, a, s, e); }
function fwdElu(x: usize, y: usize, a: f32, s: i32, e: i32): void { unaryLoop(UnaryOp.Elu, x, y, a, s, e); }

function bwdIdentity(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Identity, x, y, dy, dx, a, s, e); }
function bwdRelu(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Relu, x, y, dy, dx, a, s, e); }
function bwdRelu6(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Relu6, x, y, dy, dx, a, s, e); }
function bwdLeakyRelu(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.LeakyRelu, x, y, dy, dx, a, s, e); }
function bwdSigmoid(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Sigmoid, x, y, dy, dx, a, s, e); }
function bwdTanh(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Tanh, x, y, dy, dx, a, s, e); }
function bwdHardSwish(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.HardSwish, x, y, dy, dx, a, s, e); }
function bwdExp(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Exp, x, y, dy, dx, a, s, e); }
function bwdLog(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Log, x, y, dy, dx, a, s, e); }
function bwdNeg(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Neg, x, y, dy, dx, a, s, e); }
function bwdSqrt(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Sqrt, x, y, dy, dx, a, s, e); }
function bwdSquare(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Square, x, y, dy, dx, a, s, e); }
function bwdAbs(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Abs, x, y, dy, dx, a, s, e); }
function bwdReciprocal(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Reciprocal, x, y, dy, dx, a, s, e); }
function bwdScale(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Scale, x, y, dy, dx, a, s, e); }
function bwdAddScalar(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.AddScalar, x, y, dy, dx, a, s, e); }
function bwdElu(x: usize, y: usize, dy: usize, dx: usize, a: f32, s: i32, e: i32): void { gradLoop(UnaryOp.Elu, x, y, dy, dx, a, s, e); }

/** y[i] = op(x[i]; alpha) for i in [start, end). y may alias x. */
export function f32_unary__simd128(op: i32, xPtr: usize, yPtr: usize, alpha: f32, start: i32, end: i32, scratchPtr: usize): void {
  switch (op) {
    case UnaryOp.Identity: fwdIdentity(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Relu: fwdRelu(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Relu6: fwdRelu6(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.LeakyRelu: fwdLeakyRelu(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Sigmoid: fwdSigmoid(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Tanh: fwdTanh(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.HardSwish: fwdHardSwish(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Exp: fwdExp(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Log: fwdLog(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Neg: fwdNeg(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Sqrt: fwdSqrt(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Square: fwdSquare(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Abs: fwdAbs(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Reciprocal: fwdReciprocal(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Scale: fwdScale(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.AddScalar: fwdAddScalar(xPtr, yPtr, alpha, start, end); break;
    case UnaryOp.Elu: fwdElu(xPtr, yPtr, alpha, start, end); break;
    default: unreachable();
  }
}

/** dx[i] = dy[i] * op'(x[i]) for i in [start, end). dx may alias dy. */
export function f32_unary_grad__simd128(op: i32, xPtr: usize, yPtr: usize, dyPtr: usize, dxPtr: usize, alpha: f32, start: i32, end: i32, scratchPtr: usize): void {
  switch (op) {
    case UnaryOp.Identity: bwdIdentity(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Relu: bwdRelu(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Relu6: bwdRelu6(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.LeakyRelu: bwdLeakyRelu(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Sigmoid: bwdSigmoid(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Tanh: bwdTanh(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.HardSwish: bwdHardSwish(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Exp: bwdExp(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Log: bwdLog(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Neg: bwdNeg(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Sqrt: bwdSqrt(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Square: bwdSquare(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Abs: bwdAbs(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Reciprocal: bwdReciprocal(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Scale: bwdScale(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.AddScalar: bwdAddScalar(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    case UnaryOp.Elu: bwdElu(xPtr, yPtr, dyPtr, dxPtr, alpha, start, end); break;
    default: unreachable();
  }
}
