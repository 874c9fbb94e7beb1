// One output plane of a single-channel 2-D correlation, the core of the depthwise
// forward pass and (for stride 1, through a flipped filter) of its data gradient.
//
// Outputs whose window lies wholly inside the image in x, columns [oxA, oxB), run four at
// a time with no bounds checks (a ragged tail reuses an overlapping block, see nextBlock);
// the border columns run a scalar loop.
// Both sum init first and then the taps in (ki, kj) order with separate mul and add,
// exactly as f32_dwconv2d_fwd__scalar does, so the forward passes agree bit for bit.
import { tapLo, tapHi, loadEven, nextBlock, maxEvenStart } from '../im2col/tap-range';

// wRow and wCol are byte steps between filter taps; negative steps walk the filter
// flipped, which turns the stride-1 data gradient into another correlation.
// accumulate = true adds to dst instead of starting from init.
export function dwCorrPlane(
  src: usize, h: i32, w: i32, wPtr: usize, wRow: i32, wCol: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  dst: usize, oh: i32, ow: i32, init: f32, accumulate: bool,
): void {
  const oxA = tapLo(-pw, sw, ow);
  let oxB = tapHi(-pw + (kw - 1) * dw, sw, w, ow);
  if (oxB < oxA) oxB = oxA;
  const fast3 = kh == 3 && kw == 3 && sw == 1 && dw == 1;
  let w00 = f32x4.splat(0), w01 = w00, w02 = w00, w10 = w00, w11 = w00, w12 = w00, w20 = w00, w21 = w00, w22 = w00;
  if (fast3) {
    const r1 = wPtr + <usize>wRow, r2 = r1 + <usize>wRow, c1 = <usize>wCol, c2 = <usize>(2 * wCol);
    w00 = v128.load32_splat(wPtr); w01 = v128.load32_splat(wPtr + c1); w02 = v128.load32_splat(wPtr + c2);
    w10 = v128.load32_splat(r1); w11 = v128.load32_splat(r1 + c1); w12 = v128.load32_splat(r1 + c2);
    w20 = v128.load32_splat(r2); w21 = v128.load32_splat(r2 + c1); w22 = v128.load32_splat(r2 + c2);
  }
  const vinit = f32x4.splat(init);
  const rowStep = <usize>(dh * w) << 2;
  for (let oy = 0; oy < oh; oy++) {
    const iy0 = oy * sh - ph;
    const kiLo = tapLo(iy0, dh, kh);
    let kiHi = tapHi(iy0, dh, h, kh);
    if (kiHi < kiLo) kiHi = kiLo;
    const out = dst + (<usize>(oy * ow) << 2);
    let ox = 0;
    for (; ox < oxA; ox++) scalarOut(src, w, wPtr, wRow, wCol, kiLo, kiHi, kw, sw, pw, iy0, dh, dw, out, ox, init, accumulate);
    if (fast3 && kiLo == 0 && kiHi == 3) {
      const base = src + (<usize>(iy0 * w - pw) << 2);
      for (; ox + 8 <= oxB; ox += 8) {
        const r0 = base + (<usize>ox << 2), r1 = r0 + rowStep, r2 = r1 + rowStep;
        const o = out + (<usize>ox << 2);
        let a = accumulate ? v128.load(o) : vinit;
        let b = accumulate ? v128.load(o, 16) : vinit;
        a = f32x4.add(a, f32x4.mul(w00, v128.load(r0))); b = f32x4.add(b, f32x4.mul(w00, v128.load(r0, 16)));
        a = f32x4.add(a, f32x4.mul(w01, v128.load(r0, 4))); b = f32x4.add(b, f32x4.mul(w01, v128.load(r0, 20)));
        a = f32x4.add(a, f32x4.mul(w02, v128.load(r0, 8))); b = f32x4.add(b, f32x4.mul(w02, v128.load(r0, 24)));
        a = f32x4.add(a, f32x4.mul(w10, v128.load(r1))); b = f32x4.add(b, f32x4.mul(w10, v128.load(r1, 16)));
        a = f32x4.add(a, f32x4.mul(w11, v128.load(r1, 4))); b = f32x4.add(b, f32x4.mul(w11, v128.load(r1, 20)));
        a = f32x4.add(a, f32x4.mul(w12, v128.load(r1, 8))); b = f32x4.add(b, f32x4.mul(w12, v128.load(r1, 24)));
        a = f32x4.add(a, f32x4.mul(w20, v128.load(r2))); b = f32x4.add(b, f32x4.mul(w20, v128.load(r2, 16)));
        a = f32x4.add(a, f32x4.mul(w21, v128.load(r2, 4))); b = f32x4.add(b, f32x4.mul(w21, v128.load(r2, 20)));
        a = f32x4.add(a, f32x4.mul(w22, v128.load(r2, 8))); b = f32x4.add(b, f32x4.mul(w22, v128.load(r2, 24)));
        v128.store(o, a);
        v128.store(o, b, 16);
      }
      for (;;) {
        const bx = nextBlock(ox, oxA, oxB, oxB, !accumulate);
        if (bx < 0) break;
        const r0 = base + (<usize>bx << 2), r1 = r0 + rowStep, r2 = r1 + rowStep;
        const o = out + (<usize>bx << 2);
        let a = accumulate ? v128.load(o) : vinit;
        a = f32x4.add(a, f32x4.mul(w00, v128.load(r0)));
        a = f32x4.add(a, f32x4.mul(w01, v128.load(r0, 4)));
        a = f32x4.add(a, f32x4.mul(w02, v128.load(r0, 8)));
        a = f32x4.add(a, f32x4.mul(w10, v128.load(r1)));
        a = f32x4.add(a, f32x4.mul(w11, v128.load(r1, 4)));
        a = f32x4.add(a, f32x4.mul(w12, v128.load(r1, 8)));
        a = f32x4.add(a, f32x4.mul(w20, v128.load(r2)));
        a = f32x4.add(a, f32x4.mul(w21, v128.load(r2, 4)));
        a = f32x4.add(a, f32x4.mul(w22, v128.load(r2, 8)));
        v128.store(o, a);
        ox = bx + 4;
      }
    } else if (sw <= 2) {
      // For sw = 2 each tap reads 8 floats; stop before that window leaves the row.
      const maxStart = sw == 1 ? oxB : maxEvenStart(w, (kw - 1) * dw - pw);
      for (;;) {
        const bx = nextBlock(ox, oxA, oxB, maxStart, !accumulate);
        if (bx < 0) break;
        const o = out + (<usize>bx << 2);
        let a = accumulate ? v128.load(o) : vinit;
        for (let ki = kiLo; ki < kiHi; ki++) {
          const row = src + (<usize>((iy0 + ki * dh) * w + bx * sw - pw) << 2);
          const wk = wPtr + <usize>(ki * wRow);
          for (let kj = 0; kj < kw; kj++) {
            const xs = row + (<usize>(kj * dw) << 2);
            const xv = sw == 1 ? v128.load(xs) : loadEven(xs);
            a = f32x4.add(a, f32x4.mul(v128.load32_splat(wk + <usize>(kj * wCol)), xv));
          }
        }
        v128.store(o, a);
        ox = bx + 4;
      }
    }
    for (; ox < ow; ox++) scalarOut(src, w, wPtr, wRow, wCol, kiLo, kiHi, kw, sw, pw, iy0, dh, dw, out, ox, init, accumulate);
  }
}

@inline
function scalarOut(
  src: usize, w: i32, wPtr: usize, wRow: i32, wCol: i32, kiLo: i32, kiHi: i32, kw: i32,
  sw: i32, pw: i32, iy0: i32, dh: i32, dw: i32, out: usize, ox: i32, init: f32, accumulate: bool,
): void {
  const o = out + (<usize>ox << 2);
  let acc: f32 = accumulate ? load<f32>(o) : init;
  const ix0 = ox * sw - pw;
  for (let ki = kiLo; ki < kiHi; ki++) {
    const row = src + (<usize>((iy0 + ki * dh) * w) << 2);
    const wk = wPtr + <usize>(ki * wRow);
    for (let kj = 0; kj < kw; kj++) {
      const ix = ix0 + kj * dw;
      if (ix >= 0 && ix < w) acc += load<f32>(wk + <usize>(kj * wCol)) * load<f32>(row + (<usize>ix << 2));
    }
  }
  store<f32>(o, acc);
}
