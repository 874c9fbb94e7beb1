// Scalar twins of f32-unary-simd128.ts: one element at a time, the test oracle (STYLE §10).
import { UnaryOp } from './op-codes';
import { unaryScalar, unaryGradScalar } from './f32-unary-ops';

export function f32_unary__scalar(op: i32, xPtr: usize, yPtr: usize, alpha: f32, start: i32, end: i32, scratchPtr: usize): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(yPtr + o, unaryScalar(op, load<f32>(xPtr + o), alpha));
  }
}

export function f32_unary_grad__scalar(op: i32, xPtr: usize, yPtr: usize, dyPtr: usize, dxPtr: usize, alpha: f32, start: i32, end: i32, scratchPtr: usize): void {
  const useY = op == UnaryOp.Sigmoid || op == UnaryOp.Tanh || op == UnaryOp.Exp;
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    const y = useY ? load<f32>(yPtr + o) : <f32>0;
    store<f32>(dxPtr + o, unaryGradScalar(op, load<f32>(xPtr + o), y, load<f32>(dyPtr + o), alpha));
  }
}
