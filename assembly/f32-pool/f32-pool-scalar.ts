// Plain-loop 2-D pooling over independent planes: the oracles for the simd128 twins
// (STYLE.md §10), and the max-pool backward, which is a data-dependent scatter that
// v128 cannot help with. Windows scan taps in (ki, kj) order.
import { tapLo, tapHi, zeroRun } from '../im2col/tap-range';

// A window with no tap inside the image (only possible when pad >= kernel extent) yields
// -inf and argmax -1; the backward skips such outputs.
export function f32_maxpool2d_fwd__scalar(
  xPtr: usize, yPtr: usize, argmaxPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const x = xPtr + (<usize>(p * h * w) << 2);
    const out = <usize>(p * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity as f32;
        let at = -1;
        for (let ki = 0; ki < kh; ki++) {
          const iy = oy * sh - ph + ki * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = ox * sw - pw + kj * dw;
            if (ix < 0 || ix >= w) continue;
            const v = load<f32>(x + (<usize>(iy * w + ix) << 2));
            // The first in-range tap always seeds the max; later ones win only if larger,
            // so ties keep the earliest tap in scan order.
            if (at < 0 || v > best) { best = v; at = iy * w + ix; }
          }
        }
        const k = <usize>(oy * ow + ox) << 2;
        store<f32>(yPtr + out + k, best);
        store<i32>(argmaxPtr + out + k, at);
      }
    }
  }
}

/** Overwrites dx planes in range: zero, then dy[k] added at argmax[k]. */
export function f32_maxpool2d_bwd__scalar(
  dyPtr: usize, argmaxPtr: usize, dxPtr: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const dx = dxPtr + (<usize>(p * h * w) << 2);
    const off = <usize>(p * oh * ow) << 2;
    zeroRun(dx, h * w);
    for (let k = 0; k < oh * ow; k++) {
      const at = load<i32>(argmaxPtr + off + (<usize>k << 2));
      if (at < 0) continue;
      const q = dx + (<usize>at << 2);
      store<f32>(q, load<f32>(q) + load<f32>(dyPtr + off + (<usize>k << 2)));
    }
  }
}

/** Number of taps an average divides by; 0 only for an all-padding window when pads are excluded. */
@inline
export function avgCount(oy: i32, ox: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, includePad: bool): i32 {
  if (includePad) return kh * kw;
  const iy0 = oy * sh - ph, ix0 = ox * sw - pw;
  const rows = tapHi(iy0, 1, h, kh) - tapLo(iy0, 1, kh);
  const cols = tapHi(ix0, 1, w, kw) - tapLo(ix0, 1, kw);
  return rows > 0 && cols > 0 ? rows * cols : 0;
}

export function f32_avgpool2d_fwd__scalar(
  xPtr: usize, yPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const x = xPtr + (<usize>(p * h * w) << 2);
    const y = yPtr + (<usize>(p * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let sum: f32 = 0;
        for (let ki = 0; ki < kh; ki++) {
          const iy = oy * sh - ph + ki;
          if (iy < 0 || iy >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = ox * sw - pw + kj;
            if (ix >= 0 && ix < w) sum += load<f32>(x + (<usize>(iy * w + ix) << 2));
          }
        }
        const cnt = avgCount(oy, ox, h, w, kh, kw, sh, sw, ph, pw, countIncludePad != 0);
        store<f32>(y + (<usize>(oy * ow + ox) << 2), cnt > 0 ? sum / <f32>cnt : 0);
      }
    }
  }
}

// Scatters in (oy, ki, kj, ox) order, the order the simd128 twin vectorizes over ox, so
// the two add the same terms in the same sequence.
export function f32_avgpool2d_bwd__scalar(
  dyPtr: usize, dxPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const dy = dyPtr + (<usize>(p * oh * ow) << 2);
    const dx = dxPtr + (<usize>(p * h * w) << 2);
    zeroRun(dx, h * w);
    for (let oy = 0; oy < oh; oy++) {
      for (let ki = 0; ki < kh; ki++) {
        const iy = oy * sh - ph + ki;
        if (iy < 0 || iy >= h) continue;
        for (let kj = 0; kj < kw; kj++) {
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + kj;
            if (ix < 0 || ix >= w) continue;
            const cnt = avgCount(oy, ox, h, w, kh, kw, sh, sw, ph, pw, countIncludePad != 0);
            const q = dx + (<usize>(iy * w + ix) << 2);
            store<f32>(q, load<f32>(q) + load<f32>(dy + (<usize>(oy * ow + ox) << 2)) / <f32>cnt);
          }
        }
      }
    }
  }
}
