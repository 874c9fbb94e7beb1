/**
 * Op codes of the elementwise kernels, mirroring assembly/f32-elementwise/op-codes.ts
 * number for number. The compiled module exports the same codes as globals
 * (`UnaryOp.Relu`, ...), and test/kernels/elementwise.test.ts checks the two agree.
 * Append new codes; never renumber.
 */

/** Op codes of `f32_unary` / `f32_unary_grad`; `alpha` is the op's one parameter. */
export const UnaryOp = {
  Identity: 0,
  Relu: 1,
  Relu6: 2,
  /** alpha = slope for x < 0 */
  LeakyRelu: 3,
  Sigmoid: 4,
  Tanh: 5,
  /** x * relu6(x + 3) / 6 */
  HardSwish: 6,
  Exp: 7,
  Log: 8,
  Neg: 9,
  Sqrt: 10,
  Square: 11,
  Abs: 12,
  Reciprocal: 13,
  /** y = alpha * x */
  Scale: 14,
  /** y = x + alpha */
  AddScalar: 15,
  /** x > 0 ? x : alpha * (exp(x) - 1) */
  Elu: 16,
} as const;
export type UnaryOp = (typeof UnaryOp)[keyof typeof UnaryOp];

/** Op codes of `f32_binary`. Comparisons write 1.0 or 0.0. */
export const BinaryOp = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  Max: 4,
  Min: 5,
  Pow: 6,
  Greater: 7,
  GreaterEqual: 8,
  Equal: 9,
} as const;
export type BinaryOp = (typeof BinaryOp)[keyof typeof BinaryOp];
