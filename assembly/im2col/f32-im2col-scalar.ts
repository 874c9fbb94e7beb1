// Plain-loop im2col and col2im: the oracles for the simd128 twins (STYLE.md §10).
// col has c*kh*kw rows (row = (ci*kh + ki)*kw + kj) of oh*ow columns, matching a
// [cout][c*kh*kw] filter matrix so a convolution becomes one GEMM.

/**
 * The walk both share, over col in order: toCol copies each tap's input pixel (0 outside
 * the image) into col; otherwise col is added back into the image, padding taps dropped.
 */
@inline function walkColumns(
  toCol: bool, xPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, colPtr: usize,
): void {
  let col = colPtr;
  for (let ci = 0; ci < c; ci++) {
    const plane = xPtr + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki * dh;
          for (let ox = 0; ox < ow; ox++, col += 4) {
            const ix = ox * sw - pw + kj * dw;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            const p = plane + (<usize>(iy * w + ix) << 2);
            if (toCol) {
              let v: f32 = 0;
              if (inside) v = load<f32>(p); // p is out of range otherwise: no load
              store<f32>(col, v);
            } else if (inside) {
              store<f32>(p, load<f32>(p) + load<f32>(col));
            }
          }
        }
      }
    }
  }
}

export function f32_im2col__scalar(
  xPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, colPtr: usize,
): void {
  walkColumns(true, xPtr, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, colPtr);
}

export function f32_col2im__scalar(
  colPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, xPtr: usize,
): void {
  walkColumns(false, xPtr, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, colPtr);
}
