// Plain-loop depthwise convolution, forward and both gradients: the oracles for the
// simd128 twins (STYLE.md §10). Output channel o = ci*mult + j reads input channel ci
// through filter w[o][kh][kw]; planes are NCHW, p = img*c + ci.

export function f32_dwconv2d_fwd__scalar(
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
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let acc = bias;
          for (let ki = 0; ki < kh; ki++) {
            const iy = oy * sh - ph + ki * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kj = 0; kj < kw; kj++) {
              const ix = ox * sw - pw + kj * dw;
              if (ix < 0 || ix >= w) continue;
              acc += load<f32>(f + (<usize>(ki * kw + kj) << 2)) * load<f32>(x + (<usize>(iy * w + ix) << 2));
            }
          }
          store<f32>(y + (<usize>(oy * ow + ox) << 2), acc);
        }
      }
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
    const dx = dxPtr + (<usize>(p * h * w) << 2);
    for (let i = 0; i < h * w; i++) store<f32>(dx + (<usize>i << 2), 0);
    for (let j = 0; j < mult; j++) {
      const o = ci * mult + j;
      const dy = dyPtr + (<usize>((img * c * mult + o) * oh * ow) << 2);
      const f = wPtr + (<usize>(o * kh * kw) << 2);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const g = load<f32>(dy + (<usize>(oy * ow + ox) << 2));
          for (let ki = 0; ki < kh; ki++) {
            const iy = oy * sh - ph + ki * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kj = 0; kj < kw; kj++) {
              const ix = ox * sw - pw + kj * dw;
              if (ix < 0 || ix >= w) continue;
              const q = dx + (<usize>(iy * w + ix) << 2);
              store<f32>(q, load<f32>(q) + load<f32>(f + (<usize>(ki * kw + kj) << 2)) * g);
            }
          }
        }
      }
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
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          let acc: f32 = 0;
          for (let img = 0; img < n; img++) {
            const x = xPtr + (<usize>((img * c + ci) * h * w) << 2);
            const dy = dyPtr + (<usize>((img * c * mult + o) * oh * ow) << 2);
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * sh - ph + ki * dh;
              if (iy < 0 || iy >= h) continue;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * sw - pw + kj * dw;
                if (ix < 0 || ix >= w) continue;
                acc += load<f32>(dy + (<usize>(oy * ow + ox) << 2)) * load<f32>(x + (<usize>(iy * w + ix) << 2));
              }
            }
          }
          store<f32>(dwPtr + (<usize>((o * kh + ki) * kw + kj) << 2), acc);
        }
      }
      if (dbPtr != 0) {
        let acc: f32 = 0;
        for (let img = 0; img < n; img++) {
          const dy = dyPtr + (<usize>((img * c * mult + o) * oh * ow) << 2);
          for (let i = 0; i < oh * ow; i++) acc += load<f32>(dy + (<usize>i << 2));
        }
        store<f32>(dbPtr + (<usize>o << 2), acc);
      }
    }
  }
}
