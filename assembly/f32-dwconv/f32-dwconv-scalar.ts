// Plain-loop depthwise convolution, forward and both gradients: the oracles for the
// simd128 twins (STYLE.md §10). Output channel o = ci*mult + j reads input channel ci
// through filter w[o][kh][kw]; planes are NCHW, p = img*c + ci.
//
// All three passes walk the same window, in one place (windowPass): for each output pixel
// (oy, ox), in order, the taps (ki, kj) whose input pixel lies inside the image.

const FWD = 0, BWD_DATA = 1, BWD_FILTER = 2;

/**
 * One (input plane, output plane, filter) triple. FWD: y[o] = init + sum w[t] * x[i];
 * BWD_DATA: x[i] += w[t] * y[o] (x is dx, y is dy); BWD_FILTER: w[t] += y[o] * x[i] (w is dw).
 * Every term is added in the order of the walk, so each pass sums as a plain loop would.
 */
@inline function windowPass(
  pass: i32, x: usize, f: usize, y: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, init: f32,
): void {
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const yo = y + (<usize>(oy * ow + ox) << 2);
      const g: f32 = pass == FWD ? 0 : load<f32>(yo);
      let acc = init;
      for (let ki = 0; ki < kh; ki++) {
        const iy = oy * sh - ph + ki * dh;
        if (iy < 0 || iy >= h) continue;
        for (let kj = 0; kj < kw; kj++) {
          const ix = ox * sw - pw + kj * dw;
          if (ix < 0 || ix >= w) continue;
          const xi = x + (<usize>(iy * w + ix) << 2), ft = f + (<usize>(ki * kw + kj) << 2);
          if (pass == FWD) acc += load<f32>(ft) * load<f32>(xi);
          else if (pass == BWD_DATA) store<f32>(xi, load<f32>(xi) + load<f32>(ft) * g);
          else store<f32>(ft, load<f32>(ft) + g * load<f32>(xi));
        }
      }
      if (pass == FWD) store<f32>(yo, acc);
    }
  }
}

@inline function plane(base: usize, index: i32, size: i32): usize {
  return base + (<usize>(index * size) << 2);
}

export function f32_dwconv2d_fwd__scalar(
  xPtr: usize, wPtr: usize, biasPtr: usize, yPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const img = p / c, ci = p - img * c;
    for (let j = 0; j < mult; j++) {
      const o = ci * mult + j;
      const bias: f32 = biasPtr != 0 ? load<f32>(biasPtr + (<usize>o << 2)) : 0;
      windowPass(FWD, plane(xPtr, p, h * w), plane(wPtr, o, kh * kw), plane(yPtr, img * c * mult + o, oh * ow),
        h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, bias);
    }
  }
}

export function f32_dwconv2d_bwd_data__scalar(
  dyPtr: usize, wPtr: usize, dxPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const img = p / c, ci = p - img * c;
    const dx = plane(dxPtr, p, h * w);
    for (let i = 0; i < h * w; i++) store<f32>(dx + (<usize>i << 2), 0);
    for (let j = 0; j < mult; j++) {
      const o = ci * mult + j;
      windowPass(BWD_DATA, dx, plane(wPtr, o, kh * kw), plane(dyPtr, img * c * mult + o, oh * ow),
        h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, 0);
    }
  }
}

export function f32_dwconv2d_bwd_filter__scalar(
  xPtr: usize, dyPtr: usize, dwPtr: usize, dbPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let ci = start; ci < end; ci++) {
    for (let j = 0; j < mult; j++) {
      const o = ci * mult + j;
      const f = plane(dwPtr, o, kh * kw);
      for (let t = 0; t < kh * kw; t++) store<f32>(f + (<usize>t << 2), 0);
      let db: f32 = 0;
      for (let img = 0; img < n; img++) {
        const dy = plane(dyPtr, img * c * mult + o, oh * ow);
        windowPass(BWD_FILTER, plane(xPtr, img * c + ci, h * w), f, dy, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, 0);
        if (dbPtr != 0) for (let i = 0; i < oh * ow; i++) db += load<f32>(dy + (<usize>i << 2));
      }
      if (dbPtr != 0) store<f32>(dbPtr + (<usize>o << 2), db);
    }
  }
}
