// Average pooling forward and backward, four outputs per v128 across the columns
// [oxA, oxB) whose window lies inside the image in x; there every output of a row divides
// by the same count. Sums and divisions happen in the scalar twins' order, so the
// results agree bit for bit. Borders and sw >= 3 run scalar.
import { tapLo, tapHi, zeroRun, loadEven, nextBlock, maxEvenStart } from '../im2col/tap-range';
import { avgCount } from './f32-pool-scalar';

export function f32_avgpool2d_fwd__simd128(
  xPtr: usize, yPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  const include = countIncludePad != 0;
  const oxA = tapLo(-pw, sw, ow);
  let oxB = tapHi(-pw + kw - 1, sw, w, ow);
  if (oxB < oxA) oxB = oxA;
  for (let p = start; p < end; p++) {
    const x = xPtr + (<usize>(p * h * w) << 2);
    const y = yPtr + (<usize>(p * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const kiLo = tapLo(iy0, 1, kh), kiHi = tapHi(iy0, 1, h, kh);
      const yRow = y + (<usize>(oy * ow) << 2);
      let ox = 0;
      for (; ox < oxA; ox++) avgWindow(x, h, w, kh, kw, sh, sw, ph, pw, oy, ox, include, yRow);
      if (kiHi > kiLo && sw <= 2) {
        const vcnt = f32x4.splat(<f32>(include ? kh * kw : (kiHi - kiLo) * kw));
        const maxStart = sw == 1 ? oxB : maxEvenStart(w, kw - 1 - pw);
        for (;;) {
          const bx = nextBlock(ox, oxA, oxB, maxStart, true);
          if (bx < 0) break;
          let sum = f32x4.splat(0);
          for (let ki = kiLo; ki < kiHi; ki++) {
            const row = x + (<usize>((iy0 + ki) * w + bx * sw - pw) << 2);
            for (let kj = 0; kj < kw; kj++) {
              const src = row + (<usize>kj << 2);
              sum = f32x4.add(sum, sw == 1 ? v128.load(src) : loadEven(src));
            }
          }
          v128.store(yRow + (<usize>bx << 2), f32x4.div(sum, vcnt));
          ox = bx + 4;
        }
      }
      for (; ox < ow; ox++) avgWindow(x, h, w, kh, kw, sh, sw, ph, pw, oy, ox, include, yRow);
    }
  }
}

@inline
function avgWindow(
  x: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oy: i32, ox: i32, include: bool, yRow: usize,
): void {
  let sum: f32 = 0;
  for (let ki = 0; ki < kh; ki++) {
    const iy = oy * sh - ph + ki;
    if (iy < 0 || iy >= h) continue;
    for (let kj = 0; kj < kw; kj++) {
      const ix = ox * sw - pw + kj;
      if (ix >= 0 && ix < w) sum += load<f32>(x + (<usize>(iy * w + ix) << 2));
    }
  }
  const cnt = avgCount(oy, ox, h, w, kh, kw, sh, sw, ph, pw, include);
  store<f32>(yRow + (<usize>ox << 2), cnt > 0 ? sum / <f32>cnt : 0);
}

export function f32_avgpool2d_bwd__simd128(
  dyPtr: usize, dxPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  const include = countIncludePad != 0;
  const oxA = tapLo(-pw, sw, ow);
  let oxB = tapHi(-pw + kw - 1, sw, w, ow);
  if (oxB < oxA) oxB = oxA;
  const z = f32x4.splat(0);
  for (let p = start; p < end; p++) {
    const dy = dyPtr + (<usize>(p * oh * ow) << 2);
    const dx = dxPtr + (<usize>(p * h * w) << 2);
    zeroRun(dx, h * w);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const kiLo = tapLo(iy0, 1, kh), kiHi = tapHi(iy0, 1, h, kh);
      const dyRow = dy + (<usize>(oy * ow) << 2);
      const vcnt = f32x4.splat(<f32>(include ? kh * kw : (kiHi - kiLo) * kw));
      for (let ki = kiLo; ki < kiHi; ki++) {
        const dxRow = dx + (<usize>((iy0 + ki) * w) << 2);
        for (let kj = 0; kj < kw; kj++) {
          const ix0 = kj - pw;
          const lo = tapLo(ix0, sw, ow), hi = tapHi(ix0, sw, w, ow);
          let ox = lo;
          // Columns before the interior: their count varies, so scalar.
          for (; ox < hi && ox < oxA; ox++) avgScatter(dyRow, dxRow, ox, ox * sw + ix0, h, w, kh, kw, sh, sw, ph, pw, oy, include);
          if (sw == 1) {
            for (; ox + 4 <= hi && ox + 4 <= oxB; ox += 4) {
              const q = dxRow + (<usize>(ox + ix0) << 2);
              v128.store(q, f32x4.add(v128.load(q), f32x4.div(v128.load(dyRow + (<usize>ox << 2)), vcnt)));
            }
          } else if (sw == 2) {
            for (; ox + 4 <= hi && ox + 4 <= oxB && ox * 2 + ix0 + 8 <= w; ox += 4) {
              const q = dxRow + (<usize>(ox * 2 + ix0) << 2);
              const g = f32x4.div(v128.load(dyRow + (<usize>ox << 2)), vcnt);
              v128.store(q, f32x4.add(v128.load(q), v128.shuffle<f32>(g, z, 0, 4, 1, 4)));
              v128.store(q, f32x4.add(v128.load(q, 16), v128.shuffle<f32>(g, z, 2, 4, 3, 4)), 16);
            }
          }
          for (; ox < hi; ox++) avgScatter(dyRow, dxRow, ox, ox * sw + ix0, h, w, kh, kw, sh, sw, ph, pw, oy, include);
        }
      }
    }
  }
}

@inline
function avgScatter(
  dyRow: usize, dxRow: usize, ox: i32, ix: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oy: i32, include: bool,
): void {
  const cnt = avgCount(oy, ox, h, w, kh, kw, sh, sw, ph, pw, include);
  const q = dxRow + (<usize>ix << 2);
  store<f32>(q, load<f32>(q) + load<f32>(dyRow + (<usize>ox << 2)) / <f32>cnt);
}
