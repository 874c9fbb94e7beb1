// Depthwise convolution forward and data gradient with v128 rows.
//
// Forward: each (input plane, j) is one dwCorrPlane call. Data gradient: with stride 1
// it is the correlation of dy with the flipped filter, padded by (k-1)*d - p, so it
// reuses the same register-blocked row code (mult > 1 accumulates the later j). Larger
// strides scatter instead: each (oy, ki, kj) adds w * dy[oy][lo..hi) into one dx row.
import { tapLo, tapHi, zeroRun } from '../im2col/tap-range';
import { dwCorrPlane } from './f32-dwconv-plane-simd128';

export function f32_dwconv2d_fwd__simd128(
  xPtr: usize, wPtr: usize, biasPtr: usize, yPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const img = p / c, ci = p - img * c;
    const x = xPtr + (<usize>(p * h * w) << 2);
    for (let j = 0; j < mult; j++) {
      const o = ci * mult + j;
      const y = yPtr + (<usize>((img * c * mult + o) * oh * ow) << 2);
      const f = wPtr + (<usize>(o * kh * kw) << 2);
      const bias: f32 = biasPtr != 0 ? load<f32>(biasPtr + (<usize>o << 2)) : 0;
      dwCorrPlane(x, h, w, f, kw * 4, 4, kh, kw, sh, sw, ph, pw, dh, dw, y, oh, ow, bias, false);
    }
  }
}

export function f32_dwconv2d_bwd_data__simd128(
  dyPtr: usize, wPtr: usize, dxPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const unitStride = sh == 1 && sw == 1;
  for (let p = start; p < end; p++) {
    const img = p / c, ci = p - img * c;
    const dx = dxPtr + (<usize>(p * h * w) << 2);
    if (!unitStride) zeroRun(dx, h * w);
    for (let j = 0; j < mult; j++) {
      const o = ci * mult + j;
      const dy = dyPtr + (<usize>((img * c * mult + o) * oh * ow) << 2);
      const f = wPtr + (<usize>(o * kh * kw) << 2);
      if (unitStride) {
        const flipped = f + (<usize>(kh * kw - 1) << 2);
        dwCorrPlane(dy, oh, ow, flipped, -kw * 4, -4, kh, kw, 1, 1,
          (kh - 1) * dh - ph, (kw - 1) * dw - pw, dh, dw, dx, h, w, 0, j > 0);
      } else {
        scatterPlane(dy, f, dx, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
      }
    }
  }
}

@inline
function scatterPlane(
  dy: usize, f: usize, dx: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  for (let oy = 0; oy < oh; oy++) {
    const dyRow = dy + (<usize>(oy * ow) << 2);
    for (let ki = 0; ki < kh; ki++) {
      const iy = oy * sh - ph + ki * dh;
      if (iy < 0 || iy >= h) continue;
      const dxRow = dx + (<usize>(iy * w) << 2);
      for (let kj = 0; kj < kw; kj++) {
        const ix0 = kj * dw - pw;
        const lo = tapLo(ix0, sw, ow), hi = tapHi(ix0, sw, w, ow);
        if (hi <= lo) continue;
        axpyStrided(dxRow, w, lo * sw + ix0, sw, dyRow + (<usize>lo << 2), hi - lo, load<f32>(f + (<usize>(ki * kw + kj) << 2)));
      }
    }
  }
}

// row[ix + k*sw] += a * src[k]. For sw = 2 the product is interleaved with zeros so one
// 8-float window updates four taps; the window stays inside the row, because the next
// plane may belong to another thread and a read-modify-write there would race.
@inline
function axpyStrided(row: usize, w: i32, ix: i32, sw: i32, src: usize, n: i32, a: f32): void {
  const dst = row + (<usize>ix << 2);
  const va = f32x4.splat(a);
  let k = 0;
  if (sw == 1) {
    for (; k + 4 <= n; k += 4) {
      const q = dst + (<usize>k << 2);
      v128.store(q, f32x4.add(v128.load(q), f32x4.mul(va, v128.load(src + (<usize>k << 2)))));
    }
  } else if (sw == 2) {
    const z = f32x4.splat(0);
    for (; k + 4 <= n && ix + 2 * k + 8 <= w; k += 4) {
      const q = dst + (<usize>k << 3);
      const v = f32x4.mul(va, v128.load(src + (<usize>k << 2)));
      v128.store(q, f32x4.add(v128.load(q), v128.shuffle<f32>(v, z, 0, 4, 1, 4)));
      v128.store(q, f32x4.add(v128.load(q, 16), v128.shuffle<f32>(v, z, 2, 4, 3, 4)), 16);
    }
  }
  for (; k < n; k++) {
    const q = dst + (<usize>(k * sw) << 2);
    store<f32>(q, load<f32>(q) + a * load<f32>(src + (<usize>k << 2)));
  }
}
