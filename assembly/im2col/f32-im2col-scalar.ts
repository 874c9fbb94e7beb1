// Plain-loop im2col and col2im: the oracles for the simd128 twins (STYLE.md §10).
// col has c*kh*kw rows (row = (ci*kh + ki)*kw + kj) of oh*ow columns, matching a
// [cout][c*kh*kw] filter matrix so a convolution becomes one GEMM.

export function f32_im2col__scalar(
  xPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, colPtr: usize,
): void {
  let dst = colPtr;
  for (let ci = 0; ci < c; ci++) {
    const plane = xPtr + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki * dh;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + kj * dw;
            let v: f32 = 0;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) v = load<f32>(plane + (<usize>(iy * w + ix) << 2));
            store<f32>(dst, v);
            dst += 4;
          }
        }
      }
    }
  }
}

export function f32_col2im__scalar(
  colPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, xPtr: usize,
): void {
  let src = colPtr;
  for (let ci = 0; ci < c; ci++) {
    const plane = xPtr + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki * dh;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + kj * dw;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const p = plane + (<usize>(iy * w + ix) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(src));
            }
            src += 4;
          }
        }
      }
    }
  }
}
