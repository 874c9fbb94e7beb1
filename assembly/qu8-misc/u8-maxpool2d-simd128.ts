// Max pooling of uint8 planes, sixteen outputs per v128 (i8x16.max_u). Output columns whose
// horizontal taps all lie inside the row, [oxA, oxB), run in 16-wide blocks: stride 1 loads
// each tap's 16 codes, stride 2 loads 32 and keeps the even bytes, and 2x2 stride 2 (the
// MNIST case) takes the max of a row's 32 codes with their neighbours first, so one shuffle
// serves both taps. A ragged tail moves the last block back over outputs already written
// (a max recomputed is the same byte). Border columns, rows that start in the padding's
// shadow and strides >= 3 use the scalar window. Loads stay inside the input row.
// Semantics: u8-maxpool2d-scalar.ts.
import { tapLo, tapHi } from '../im2col/tap-range';

// @ts-ignore: decorator
@inline function evenBytes(a: v128, b: v128): v128 {
  return v128.shuffle<u8>(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}

// @ts-ignore: decorator
@inline function maxWindow(x: usize, h: i32, w: i32, kh: i32, kw: i32, iy0: i32, ix0: i32, dh: i32, dw: i32): i32 {
  let best = 0;
  for (let ki = 0; ki < kh; ki++) {
    const iy = iy0 + ki * dh;
    if (iy < 0 || iy >= h) continue;
    for (let kj = 0; kj < kw; kj++) {
      const ix = ix0 + kj * dw;
      if (ix < 0 || ix >= w) continue;
      best = max(best, <i32>load<u8>(x + <usize>(iy * w + ix)));
    }
  }
  return best;
}

/**
 * 2x2 stride-2 windows on planes too narrow for the 16-output blocks (MNIST's 24- and 28-pixel
 * maps): 8 outputs per step from 16 bytes of each of the two input rows. A step may load up to
 * 15 bytes past the row it reads (past the plane, on the last row): the runtime's uint8 values
 * keep 64 readable bytes after their last plane. A short last step still stores 8 bytes, the
 * extra ones landing on the next output row, which is written afterwards; only the very last
 * row of the range stores its outputs one by one, since what follows it is not ours.
 */
function narrowPairs(xPtr: usize, yPtr: usize, h: i32, w: i32, oh: i32, ow: i32, start: i32, end: i32): void {
  for (let p = start; p < end; p++) {
    const x = xPtr + <usize>p * <usize>(h * w);
    const yPlane = yPtr + <usize>p * <usize>(oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = x + <usize>(2 * oy * w), r1 = r0 + <usize>w;
      const y = yPlane + <usize>(oy * ow);
      let ox = 0;
      for (; ox < ow; ox += 8) {
        const m = i8x16.max_u(v128.load(r0 + <usize>(2 * ox)), v128.load(r1 + <usize>(2 * ox)));
        // Byte 2i of max(m, m >> 8 bits) is the max of columns 2i and 2i + 1.
        const pairs = i8x16.max_u(m, i16x8.shr_u(m, 8));
        const out = evenBytes(pairs, pairs);
        if (ow - ox >= 8 || oy < oh - 1 || p < end - 1) {
          v128.store64_lane(y + <usize>ox, out, 0);
        } else {
          for (let k = 0; k < ow - ox; k++) store<u8>(y + <usize>(ox + k), <u8>maxWindow(r0, 2, w, 2, 2, 0, 2 * (ox + k), 1, 1));
        }
      }
    }
  }
}

export function u8_maxpool2d__simd128(
  xPtr: usize, yPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const oxA = tapLo(-pw, sw, ow);
  let oxB = tapHi(-pw + (kw - 1) * dw, sw, w, ow);
  if (oxB < oxA) oxB = oxA;
  // Last block start: its 16 outputs lie below oxB and, for stride 2, the 32-byte load
  // from its last tap ends inside the row.
  let maxStart = oxB - 16;
  if (sw == 2) maxStart = min(maxStart, (w - 32 + pw - (kw - 1) * dw) >> 1);
  const vector = sw <= 2 && maxStart >= oxA;
  const pair = kw == 2 && sw == 2 && dw == 1;
  if (!vector && kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1) {
    narrowPairs(xPtr, yPtr, h, w, oh, ow, start, end);
    return;
  }
  for (let p = start; p < end; p++) {
    const x = xPtr + <usize>p * <usize>(h * w);
    const yPlane = yPtr + <usize>p * <usize>(oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const kiLo = tapLo(iy0, dh, kh), kiHi = tapHi(iy0, dh, h, kh);
      const y = yPlane + <usize>(oy * ow);
      let ox = 0;
      if (vector && kiHi > kiLo) {
        for (; ox < oxA; ox++) store<u8>(y + <usize>ox, <u8>maxWindow(x, h, w, kh, kw, iy0, ox * sw - pw, dh, dw));
        let bx = oxA;
        for (;;) {
          if (bx > maxStart) {
            if (ox >= maxStart + 16) break;
            bx = maxStart;
          }
          const ixs = bx * sw - pw;
          let best = i8x16.splat(0);
          for (let ki = kiLo; ki < kiHi; ki++) {
            const row = x + <usize>((iy0 + ki * dh) * w + ixs);
            if (pair) {
              const a = v128.load(row), b = v128.load(row, 16);
              // Byte 2i of max(v, v >> 8 bits) is max(v[2i], v[2i+1]): both taps of output i.
              const ma = i8x16.max_u(a, i16x8.shr_u(a, 8)), mb = i8x16.max_u(b, i16x8.shr_u(b, 8));
              best = i8x16.max_u(best, evenBytes(ma, mb));
            } else {
              for (let kj = 0; kj < kw; kj++) {
                const t = row + <usize>(kj * dw);
                best = i8x16.max_u(best, sw == 1 ? v128.load(t) : evenBytes(v128.load(t), v128.load(t, 16)));
              }
            }
          }
          v128.store(y + <usize>bx, best);
          ox = bx + 16;
          bx += 16;
        }
      }
      for (; ox < ow; ox++) store<u8>(y + <usize>ox, <u8>maxWindow(x, h, w, kh, kw, iy0, ox * sw - pw, dh, dw));
    }
  }
}
