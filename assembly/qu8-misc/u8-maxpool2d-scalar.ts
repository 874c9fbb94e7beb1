// Plain-loop max pooling of uint8 planes: the oracle for u8_maxpool2d__simd128 (STYLE.md §10).
// The quantization is monotonic (real = (q - zp) * scale, scale > 0), so the max of the
// codes is the code of the max, and the output keeps the input's scale and zero point.
// A window with no tap inside the image (only when a pad reaches the kernel's extent)
// yields code 0; padding never wins otherwise.

export function u8_maxpool2d__scalar(
  xPtr: usize, yPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const x = xPtr + <usize>p * <usize>(h * w);
    const y = yPtr + <usize>p * <usize>(oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = 0;
        for (let ki = 0; ki < kh; ki++) {
          const iy = oy * sh - ph + ki * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = ox * sw - pw + kj * dw;
            if (ix < 0 || ix >= w) continue;
            best = max(best, <i32>load<u8>(x + <usize>(iy * w + ix)));
          }
        }
        store<u8>(y + <usize>(oy * ow + ox), <u8>best);
      }
    }
  }
}
