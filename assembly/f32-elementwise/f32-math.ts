// f32 transcendental functions, each as a scalar function and an f32x4 twin that performs
// the same IEEE operations in the same order, so SIMD loops and their scalar tails (and the
// __scalar oracle kernels) agree bit for bit.
//
// exp: x = n*ln2 + r with |r| <= ln2/2, exp(r) by its degree-7 Taylor polynomial
// (truncation r^8/8! < 5e-9, so rounding dominates: ~1-2 ulp), then scaled by 2^n. The
// scale is applied as two powers of two, 2^(n>>1) * 2^(n - (n>>1)), so that results in the
// subnormal range round once instead of flushing to zero, and overflow gives +inf. Inputs
// are clamped to [-104, 89], past which exp is 0 or +inf in f32 anyway; NaN propagates
// (wasm min/max propagate NaN).

const LOG2E: f32 = 1.44269504;
// ln2 split so n*LN2_HI is exact for |n| < 2^15 (LN2_HI has 9 significant bits).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
// Adding 1.5 * 2^23 rounds |v| < 2^22 to an integer (ties to even, like nearest) and
// leaves that integer in the low mantissa bits, so one add replaces nearest + convert.
const ROUND_MAGIC: f32 = 12582912.0;
const ROUND_MAGIC_BITS: i32 = 0x4b400000;
const EXP_LO: f32 = -104.0;
const EXP_HI: f32 = 89.0;
const C2: f32 = 0.5;
const C3: f32 = 0.16666666666666666;
const C4: f32 = 0.041666666666666664;
const C5: f32 = 0.008333333333333333;
const C6: f32 = 0.001388888888888889;
const C7: f32 = 0.0001984126984126984;
const C8: f32 = 0.0000248015873015873;
const C9: f32 = 0.0000027557319223985893;
// Below this |x|, expm1 and tanh switch to series: the exp-based formulas lose
// relative accuracy to cancellation near 0.
const EXPM1_SMALL: f32 = 0.35;
const TANH_SMALL: f32 = 0.3125;
const SQRT2: f32 = 1.41421356;
const MIN_NORMAL: f32 = 1.17549435e-38;
const TWO_P23: f32 = 8388608.0;

// ---- scalar ----

@inline export function exp_f32(x: f32): f32 {
  if (x != x) return x;
  const xc = min<f32>(max<f32>(x, EXP_LO), EXP_HI);
  const biased = xc * LOG2E + ROUND_MAGIC;
  const nf = biased - ROUND_MAGIC;
  const r = (xc - nf * LN2_HI) - nf * LN2_LO;
  const p: f32 = 1.0 + r + r * r * (C2 + r * (C3 + r * (C4 + r * (C5 + r * (C6 + r * C7)))));
  const n = reinterpret<i32>(biased) - ROUND_MAGIC_BITS;
  const n1 = n >> 1;
  const s1 = reinterpret<f32>((n1 + 127) << 23);
  const s2 = reinterpret<f32>((n - n1 + 127) << 23);
  return p * s1 * s2;
}

/** exp(x) - 1, accurate relative to the result near 0 too. */
@inline export function expm1_f32(x: f32): f32 {
  if (abs<f32>(x) < EXPM1_SMALL) {
    return x + x * x * (C2 + x * (C3 + x * (C4 + x * (C5 + x * (C6 + x * (C7 + x * (C8 + x * C9)))))));
  }
  return exp_f32(x) - 1.0;
}

/** Natural log: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh((m-1)/(m+1)). */
@inline export function log_f32(x: f32): f32 {
  if (x != x || x < 0) return NaN;
  if (x == 0) return -Infinity;
  if (x == Infinity) return Infinity;
  let bias: i32 = 127;
  let xs = x;
  if (xs < MIN_NORMAL) { xs *= TWO_P23; bias = 127 + 23; }
  const bits = reinterpret<i32>(xs);
  let e = (bits >> 23) - bias;
  let m = reinterpret<f32>((bits & 0x7fffff) | 0x3f800000);
  if (m > SQRT2) { m *= 0.5; e += 1; }
  return logFinish(m, <f32>e);
}

@inline function logFinish(m: f32, ef: f32): f32 {
  const s = (m - 1.0) / (m + 1.0);
  const z = s * s;
  // |s| <= 0.1716, so the first omitted term 2 s^11 / 11 is below 1e-9 of log m.
  const lm = (s + s) * (1.0 + z * (<f32>(1.0 / 3.0) + z * (<f32>0.2 + z * (<f32>(1.0 / 7.0) + z * <f32>(1.0 / 9.0)))));
  return ef * LN2_HI + (lm + ef * LN2_LO);
}

@inline export function sigmoid_f32(x: f32): f32 {
  // Written through exp(-|x|) so neither branch overflows and the tail x << 0 keeps its
  // relative accuracy (z / (1 + z) instead of 1 - 1 / (1 + z)).
  const z = exp_f32(-abs<f32>(x));
  const s: f32 = 1.0 / (1.0 + z);
  return x >= 0 ? s : z * s;
}

@inline export function tanh_f32(x: f32): f32 {
  // Evaluated on |x| and signed last, so tanh is exactly odd and tanh(-0) = -0.
  const a = abs<f32>(x);
  if (a < TANH_SMALL) return copysign<f32>(tanhSeries(a), x);
  const e = exp_f32(a + a);
  return copysign<f32>(1.0 - 2.0 / (e + 1.0), x);
}

@inline function tanhSeries(x: f32): f32 {
  // Taylor series; at |x| < 0.3125 the first omitted term (x^13) is below 1e-9 relative.
  const z = x * x;
  return x + x * z * (<f32>(-1.0 / 3.0) + z * (<f32>(2.0 / 15.0) + z * (<f32>(-17.0 / 315.0) +
    z * (<f32>(62.0 / 2835.0) + z * <f32>(-1382.0 / 155925.0)))));
}

// ---- f32x4 twins ----

@inline export function exp_f32x4(x: v128): v128 {
  // pmin/pmax are single instructions where min/max are long NaN-aware sequences; with x
  // as the first operand they still pass NaN through.
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const biased = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const nf = f32x4.sub(biased, f32x4.splat(ROUND_MAGIC));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, f32x4.splat(LN2_HI))), f32x4.mul(nf, f32x4.splat(LN2_LO)));
  let q = f32x4.add(f32x4.splat(C6), f32x4.mul(r, f32x4.splat(C7)));
  q = f32x4.add(f32x4.splat(C5), f32x4.mul(r, q));
  q = f32x4.add(f32x4.splat(C4), f32x4.mul(r, q));
  q = f32x4.add(f32x4.splat(C3), f32x4.mul(r, q));
  q = f32x4.add(f32x4.splat(C2), f32x4.mul(r, q));
  const p = f32x4.add(f32x4.add(f32x4.splat(1.0), r), f32x4.mul(f32x4.mul(r, r), q));
  // NaN lanes get a meaningless n here but stay NaN through p.
  const n = i32x4.sub(biased, i32x4.splat(ROUND_MAGIC_BITS));
  const n1 = i32x4.shr_s(n, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(n, n1), bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

@inline export function expm1_f32x4(x: v128): v128 {
  let q = f32x4.add(f32x4.splat(C8), f32x4.mul(x, f32x4.splat(C9)));
  q = f32x4.add(f32x4.splat(C7), f32x4.mul(x, q));
  q = f32x4.add(f32x4.splat(C6), f32x4.mul(x, q));
  q = f32x4.add(f32x4.splat(C5), f32x4.mul(x, q));
  q = f32x4.add(f32x4.splat(C4), f32x4.mul(x, q));
  q = f32x4.add(f32x4.splat(C3), f32x4.mul(x, q));
  q = f32x4.add(f32x4.splat(C2), f32x4.mul(x, q));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(x, x), q));
  const big = f32x4.sub(exp_f32x4(x), f32x4.splat(1.0));
  return v128.bitselect(small, big, f32x4.lt(f32x4.abs(x), f32x4.splat(EXPM1_SMALL)));
}

@inline export function log_f32x4(x: v128): v128 {
  const sub = f32x4.lt(x, f32x4.splat(MIN_NORMAL));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(TWO_P23)), x, sub);
  const bias = v128.bitselect(i32x4.splat(127 + 23), i32x4.splat(127), sub);
  let e = i32x4.sub(i32x4.shr_s(xs, 23), bias);
  let m = v128.or(v128.and(xs, i32x4.splat(0x7fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, f32x4.splat(SQRT2));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // a true lane is -1
  const ef = f32x4.convert_i32x4_s(e);
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1.0)), f32x4.add(m, f32x4.splat(1.0)));
  const z = f32x4.mul(s, s);
  let q = f32x4.add(f32x4.splat(<f32>(1.0 / 7.0)), f32x4.mul(z, f32x4.splat(<f32>(1.0 / 9.0))));
  q = f32x4.add(f32x4.splat(<f32>0.2), f32x4.mul(z, q));
  q = f32x4.add(f32x4.splat(<f32>(1.0 / 3.0)), f32x4.mul(z, q));
  q = f32x4.add(f32x4.splat(1.0), f32x4.mul(z, q));
  const lm = f32x4.mul(f32x4.add(s, s), q);
  let r = f32x4.add(f32x4.mul(ef, f32x4.splat(LN2_HI)), f32x4.add(lm, f32x4.mul(ef, f32x4.splat(LN2_LO))));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(x, f32x4.splat(Infinity)));
  const invalid = v128.or(f32x4.ne(x, x), f32x4.lt(x, f32x4.splat(0)));
  return v128.bitselect(f32x4.splat(NaN), r, invalid);
}

@inline export function sigmoid_f32x4(x: v128): v128 {
  const z = exp_f32x4(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), z));
  return v128.bitselect(s, f32x4.mul(z, s), f32x4.ge(x, f32x4.splat(0)));
}

@inline export function tanh_f32x4(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let q = f32x4.add(f32x4.splat(<f32>(62.0 / 2835.0)), f32x4.mul(z, f32x4.splat(<f32>(-1382.0 / 155925.0))));
  q = f32x4.add(f32x4.splat(<f32>(-17.0 / 315.0)), f32x4.mul(z, q));
  q = f32x4.add(f32x4.splat(<f32>(2.0 / 15.0)), f32x4.mul(z, q));
  q = f32x4.add(f32x4.splat(<f32>(-1.0 / 3.0)), f32x4.mul(z, q));
  const small = f32x4.add(a, f32x4.mul(f32x4.mul(a, z), q));
  const e = exp_f32x4(f32x4.add(a, a));
  const t = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const magnitude = v128.bitselect(small, t, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
  return v128.or(magnitude, v128.and(x, i32x4.splat(0x80000000)));
}
