// im2col and col2im with v128 runs. Each (row, oy) of col maps to one input row read at
// columns ix0 + ox*sw; the ox whose column lies inside the image form one run [lo, hi),
// so the padding becomes two zero runs and the middle is a copy (sw = 1), an even-lane
// gather (sw = 2) or a scalar strided loop (sw >= 3, rare in CNNs).
import { tapLo, tapHi, zeroRun, loadEven } from './tap-range';

export function f32_im2col__simd128(
  xPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, colPtr: usize,
): void {
  let dst = colPtr;
  const rowBytes = <usize>ow << 2;
  for (let ci = 0; ci < c; ci++) {
    const plane = xPtr + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const ix0 = kj * dw - pw;
        const lo = tapLo(ix0, sw, ow);
        let hi = tapHi(ix0, sw, w, ow);
        if (hi < lo) hi = lo;
        for (let oy = 0; oy < oh; oy++, dst += rowBytes) {
          const iy = oy * sh - ph + ki * dh;
          if (iy < 0 || iy >= h) { zeroRun(dst, ow); continue; }
          zeroRun(dst, lo);
          gatherRow(dst + (<usize>lo << 2), plane, iy * w, w, lo * sw + ix0, sw, hi - lo);
          zeroRun(dst + (<usize>hi << 2), ow - hi);
        }
      }
    }
  }
}

// dst[k] = row[ix + k*sw] for k < n. Vector loads stay inside the row (ix + 8 <= w for
// sw = 2) so no read runs past the end of the tensor's block.
@inline
function gatherRow(dst: usize, plane: usize, rowOff: i32, w: i32, ix: i32, sw: i32, n: i32): void {
  const src = plane + (<usize>(rowOff + ix) << 2);
  let k = 0;
  if (sw == 1) {
    for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), v128.load(src + (<usize>k << 2)));
  } else if (sw == 2) {
    for (; k + 4 <= n && ix + 2 * k + 8 <= w; k += 4) v128.store(dst + (<usize>k << 2), loadEven(src + (<usize>k << 3)));
  }
  for (; k < n; k++) store<f32>(dst + (<usize>k << 2), load<f32>(src + (<usize>(k * sw) << 2)));
}

export function f32_col2im__simd128(
  colPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, xPtr: usize,
): void {
  let src = colPtr;
  const rowBytes = <usize>ow << 2;
  for (let ci = 0; ci < c; ci++) {
    const plane = xPtr + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const ix0 = kj * dw - pw;
        const lo = tapLo(ix0, sw, ow);
        const hi = tapHi(ix0, sw, w, ow);
        if (hi <= lo) { src += rowBytes * oh; continue; }
        for (let oy = 0; oy < oh; oy++, src += rowBytes) {
          const iy = oy * sh - ph + ki * dh;
          if (iy < 0 || iy >= h) continue;
          scatterAddRow(plane + (<usize>(iy * w) << 2), w, lo * sw + ix0, sw, src + (<usize>lo << 2), hi - lo);
        }
      }
    }
  }
}

// row[ix + k*sw] += src[k] for k < n. Within one (row, oy) the targets are distinct, so
// lanes never collide; for sw = 2 the odd lanes add zero and the 8-float window is kept
// inside the row, because another thread may own the next plane.
@inline
function scatterAddRow(row: usize, w: i32, ix: i32, sw: i32, src: usize, n: i32): void {
  const dst = row + (<usize>ix << 2);
  let k = 0;
  if (sw == 1) {
    for (; k + 4 <= n; k += 4) {
      const p = dst + (<usize>k << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>k << 2))));
    }
  } else if (sw == 2) {
    const z = f32x4.splat(0);
    for (; k + 4 <= n && ix + 2 * k + 8 <= w; k += 4) {
      const p = dst + (<usize>k << 3);
      const v = v128.load(src + (<usize>k << 2));
      v128.store(p, f32x4.add(v128.load(p), v128.shuffle<f32>(v, z, 0, 4, 1, 4)));
      v128.store(p, f32x4.add(v128.load(p, 16), v128.shuffle<f32>(v, z, 2, 4, 3, 4)), 16);
    }
  }
  for (; k < n; k++) {
    const p = dst + (<usize>(k * sw) << 2);
    store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>k << 2)));
  }
}
