// Depthwise filter (and bias) gradient with v128 dot products. Each tap (ki, kj) of
// output channel o is one dot product of dy[o] with a shifted view of x[ci], summed over
// images; the rows and columns where the shifted view falls in padding are cut off
// before the loop, so the inner loop is a plain contiguous (sw = 1) or even-lane
// (sw = 2) dot product. Threads split by input channel, so each owns its dw rows.
import { tapLo, tapHi, loadEven } from '../im2col/tap-range';

export function f32_dwconv2d_bwd_filter__simd128(
  xPtr: usize, dyPtr: usize, dwPtr: usize, dbPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const dyImgStep = <usize>(c * mult * oh * ow) << 2;
  const xImgStep = <usize>(c * h * w) << 2;
  for (let ci = start; ci < end; ci++) {
    const x0 = xPtr + (<usize>(ci * h * w) << 2);
    for (let j = 0; j < mult; j++) {
      const o = ci * mult + j;
      const dy0 = dyPtr + (<usize>(o * oh * ow) << 2);
      for (let ki = 0; ki < kh; ki++) {
        const iyOff = ki * dh - ph;
        const oyLo = tapLo(iyOff, sh, oh), oyHi = tapHi(iyOff, sh, h, oh);
        for (let kj = 0; kj < kw; kj++) {
          const ixOff = kj * dw - pw;
          const lo = tapLo(ixOff, sw, ow), hi = tapHi(ixOff, sw, w, ow);
          let acc: f32 = 0;
          if (hi > lo && oyHi > oyLo) acc = tapDot(x0, dy0, xImgStep, dyImgStep, n, w, ow, sh, sw, iyOff, ixOff, oyLo, oyHi, lo, hi);
          store<f32>(dwPtr + (<usize>((o * kh + ki) * kw + kj) << 2), acc);
        }
      }
      if (dbPtr != 0) store<f32>(dbPtr + (<usize>o << 2), planeSum(dy0, dyImgStep, n, oh * ow));
    }
  }
}

// sum over images and rows oy in [oyLo, oyHi) of dy[oy][lo..hi) . x[oy*sh + iyOff][lo*sw + ixOff ...].
@inline
function tapDot(
  x0: usize, dy0: usize, xImgStep: usize, dyImgStep: usize, n: i32, w: i32, ow: i32, sh: i32, sw: i32,
  iyOff: i32, ixOff: i32, oyLo: i32, oyHi: i32, lo: i32, hi: i32,
): f32 {
  let vacc = f32x4.splat(0);
  let acc: f32 = 0;
  const len = hi - lo;
  const ix = lo * sw + ixOff;
  for (let img = 0; img < n; img++) {
    const xImg = x0 + <usize>img * xImgStep;
    const dyImg = dy0 + <usize>img * dyImgStep;
    for (let oy = oyLo; oy < oyHi; oy++) {
      const xs = xImg + (<usize>((oy * sh + iyOff) * w + ix) << 2);
      const ds = dyImg + (<usize>(oy * ow + lo) << 2);
      let k = 0;
      if (sw == 1) {
        for (; k + 4 <= len; k += 4) {
          vacc = f32x4.add(vacc, f32x4.mul(v128.load(ds + (<usize>k << 2)), v128.load(xs + (<usize>k << 2))));
        }
      } else if (sw == 2) {
        for (; k + 4 <= len && ix + 2 * k + 8 <= w; k += 4) {
          vacc = f32x4.add(vacc, f32x4.mul(v128.load(ds + (<usize>k << 2)), loadEven(xs + (<usize>k << 3))));
        }
      }
      for (; k < len; k++) acc += load<f32>(ds + (<usize>k << 2)) * load<f32>(xs + (<usize>(k * sw) << 2));
    }
  }
  return acc + hsum(vacc);
}

@inline
function planeSum(dy0: usize, dyImgStep: usize, n: i32, len: i32): f32 {
  let vacc = f32x4.splat(0);
  let acc: f32 = 0;
  for (let img = 0; img < n; img++) {
    const ds = dy0 + <usize>img * dyImgStep;
    let k = 0;
    for (; k + 4 <= len; k += 4) vacc = f32x4.add(vacc, v128.load(ds + (<usize>k << 2)));
    for (; k < len; k++) acc += load<f32>(ds + (<usize>k << 2));
  }
  return acc + hsum(vacc);
}

@inline
function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
