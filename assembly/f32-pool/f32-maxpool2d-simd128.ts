// Max pooling forward, four outputs per v128. The max and its index are kept together
// with a compare-and-select (not f32x4.max), so ties and NaNs resolve exactly as in the
// scalar twin: the first tap seeds the max and a later tap wins only if strictly greater.
// 2x2 stride 2 (the MNIST hot case) loads each input row pair once and splits it into
// even and odd lanes; other windows with sw <= 2 go through the generic tap loop; border
// columns and sw >= 3 use the scalar window.
import { tapLo, tapHi, loadEven, nextBlock, maxEvenStart } from '../im2col/tap-range';

export function f32_maxpool2d_fwd__simd128(
  xPtr: usize, yPtr: usize, argmaxPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const oxA = tapLo(-pw, sw, ow);
  let oxB = tapHi(-pw + (kw - 1) * dw, sw, w, ow);
  if (oxB < oxA) oxB = oxA;
  const lastTap = (kw - 1) * dw - pw;
  const pair = kh == 2 && kw == 2 && sw == 2 && dw == 1;
  const laneOff = sw == 1 ? i32x4(0, 1, 2, 3) : i32x4(0, 2, 4, 6);
  for (let p = start; p < end; p++) {
    const x = xPtr + (<usize>(p * h * w) << 2);
    const out = <usize>(p * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const kiLo = tapLo(iy0, dh, kh);
      const kiHi = tapHi(iy0, dh, h, kh);
      const y = yPtr + out + (<usize>(oy * ow) << 2);
      const am = argmaxPtr + out + (<usize>(oy * ow) << 2);
      let ox = 0;
      for (; ox < oxA; ox++) maxWindow(x, h, w, kh, kw, iy0, ox * sw - pw, dh, dw, y, am, ox);
      if (pair && kiLo == 0 && kiHi == 2) {
        const rowIdx = iy0 * w - pw;
        const dRow = i32x4.splat(dh * w);
        for (;;) {
          const bx = nextBlock(ox, oxA, oxB, maxEvenStart(w, -pw), true);
          if (bx < 0) break;
          const r0 = x + (<usize>(rowIdx + bx * 2) << 2), r1 = r0 + (<usize>(dh * w) << 2);
          const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
          const i00 = i32x4.add(i32x4.splat(rowIdx + bx * 2), laneOff);
          const one = i32x4.splat(1);
          let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
          let at = i00;
          let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
          let m = f32x4.gt(v, best);
          best = v128.bitselect(v, best, m); at = v128.bitselect(i32x4.add(i00, one), at, m);
          v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
          m = f32x4.gt(v, best);
          const i10 = i32x4.add(i00, dRow);
          best = v128.bitselect(v, best, m); at = v128.bitselect(i10, at, m);
          v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
          m = f32x4.gt(v, best);
          best = v128.bitselect(v, best, m); at = v128.bitselect(i32x4.add(i10, one), at, m);
          v128.store(y + (<usize>bx << 2), best);
          v128.store(am + (<usize>bx << 2), at);
          ox = bx + 4;
        }
      } else if (kiHi > kiLo && sw <= 2) {
        const maxStart = sw == 1 ? oxB : maxEvenStart(w, lastTap);
        for (;;) {
          const bx = nextBlock(ox, oxA, oxB, maxStart, true);
          if (bx < 0) break;
          const ixs = bx * sw - pw;
          let rowIdx = (iy0 + kiLo * dh) * w + ixs;
          let best = tap(x, rowIdx, sw);
          let at = i32x4.add(i32x4.splat(rowIdx), laneOff);
          for (let ki = kiLo; ki < kiHi; ki++) {
            rowIdx = (iy0 + ki * dh) * w + ixs;
            for (let kj = ki == kiLo ? 1 : 0; kj < kw; kj++) {
              const idx = rowIdx + kj * dw;
              const v = tap(x, idx, sw);
              const m = f32x4.gt(v, best);
              best = v128.bitselect(v, best, m);
              at = v128.bitselect(i32x4.add(i32x4.splat(idx), laneOff), at, m);
            }
          }
          v128.store(y + (<usize>bx << 2), best);
          v128.store(am + (<usize>bx << 2), at);
          ox = bx + 4;
        }
      }
      for (; ox < ow; ox++) maxWindow(x, h, w, kh, kw, iy0, ox * sw - pw, dh, dw, y, am, ox);
    }
  }
}

// Four taps x[idx + lane*sw], lane 0..3.
@inline
function tap(x: usize, idx: i32, sw: i32): v128 {
  const src = x + (<usize>idx << 2);
  return sw == 1 ? v128.load(src) : loadEven(src);
}

@inline
function maxWindow(
  x: usize, h: i32, w: i32, kh: i32, kw: i32, iy0: i32, ix0: i32, dh: i32, dw: i32, y: usize, am: usize, ox: i32,
): void {
  let best = -Infinity as f32;
  let at = -1;
  for (let ki = 0; ki < kh; ki++) {
    const iy = iy0 + ki * dh;
    if (iy < 0 || iy >= h) continue;
    for (let kj = 0; kj < kw; kj++) {
      const ix = ix0 + kj * dw;
      if (ix < 0 || ix >= w) continue;
      const v = load<f32>(x + (<usize>(iy * w + ix) << 2));
      if (at < 0 || v > best) { best = v; at = iy * w + ix; }
    }
  }
  store<f32>(y + (<usize>ox << 2), best);
  store<i32>(am + (<usize>ox << 2), at);
}
