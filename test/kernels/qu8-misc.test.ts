// qu8-misc kernels: uint8 max pooling, quantize / dequantize, the requantizing residual add,
// global average pooling and the zero-point-padded uint8 im2col, each simd128 kernel
// against its scalar twin and a TypeScript reference, with ranges and two threads.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { geometrySweep, describe as geomName, type Geometry } from '../helpers/conv-fixture.js';
import {
  OUT_U8, OUT_F32, type OutKind, rng, randInt, randomBytes, roundHalfEven, withQu8Heap, outputBuffer,
  expectEpilogue, expectSame, finishF64,
} from './qu8-reference.js';

const k8 = () => wasm().kernels;
const fr = Math.fround;

// ---- max pooling ------------------------------------------------------------------

function maxpoolRef(x: Uint8Array, planes: number, g: Geometry): Uint8Array {
  const y = new Uint8Array(planes * g.oh * g.ow);
  let i = 0;
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++, i++) {
        let best = 0;
        for (let ki = 0; ki < g.kh; ki++) {
          for (let kj = 0; kj < g.kw; kj++) {
            const iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
            if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) best = Math.max(best, x[(p * g.h + iy) * g.w + ix]!);
          }
        }
        y[i] = best;
      }
    }
  }
  return y;
}

function runMaxpool(name: string, x: Uint8Array, planes: number, g: Geometry, ranges: [number, number][] | 'pool'): Uint8Array {
  return withQu8Heap((h) => {
    const xPtr = h.bytes(x, 0);
    const y = outputBuffer(h, planes * g.oh * g.ow, OUT_U8);
    const args = [xPtr, y.ptr, planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow];
    if (ranges === 'pool') wasm().pool.run(name, args, planes);
    else for (const [s, e] of ranges) k8()[name]!(...args, s, e, 0);
    return y.read() as Uint8Array;
  });
}

/** Wide rows reach the 16-byte blocks and their shifted-back tails; the sweep covers the rest. */
function poolGeometries(): Geometry[] {
  const wide: Geometry[] = [];
  const add = (h: number, w: number, k: number, s: number, p: number, d = 1): void => {
    const o = (n: number): number => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
    wide.push({ h, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: d, dw: d, oh: o(h), ow: o(w) });
  };
  for (const w of [24, 31, 32, 33, 47, 64, 70, 100]) { add(6, w, 2, 2, 0); add(5, w, 3, 1, 1); add(5, w, 3, 2, 1); add(4, w, 2, 1, 0); }
  add(24, 24, 2, 2, 0);
  // Narrow 2x2 stride-2 maps (the 8-outputs-per-step path), odd sizes included.
  for (const w of [2, 5, 9, 10, 17, 28]) add(w + 1, w, 2, 2, 0);
  add(9, 80, 3, 2, 1, 2);
  add(7, 45, 5, 1, 2);
  return [...geometrySweep(120, 5, { dilation: true }), ...wide];
}

describe('u8_maxpool2d', () => {
  it('simd128 and scalar equal the reference', () => {
    poolGeometries().forEach((g, i) => {
      const planes = 3;
      const x = randomBytes(planes * g.h * g.w, rng(i + 1));
      const want = maxpoolRef(x, planes, g);
      expectSame(`u8_maxpool2d__simd128 ${geomName(g)}`, runMaxpool('u8_maxpool2d__simd128', x, planes, g, [[0, planes]]), want);
      expectSame(`u8_maxpool2d__scalar ${geomName(g)}`, runMaxpool('u8_maxpool2d__scalar', x, planes, g, [[0, planes]]), want);
    });
  });

  it('plane ranges write only their planes', () => {
    const g = poolGeometries().at(-3)!;
    const x = randomBytes(4 * g.h * g.w, rng(99));
    const got = runMaxpool('u8_maxpool2d', x, 4, g, [[1, 3]]);
    const want = maxpoolRef(x, 4, g);
    const per = g.oh * g.ow;
    for (let i = 0; i < got.length; i++) {
      const inside = i >= per && i < 3 * per;
      assert.equal(got[i], inside ? want[i] : 0x5a, `element ${i} (plane ${Math.floor(i / per)})`);
    }
  });
});

// ---- quantize / dequantize ----------------------------------------------------------

function quantizeRef(x: number, scale: number, zp: number): number {
  const q = fr(x / scale);
  if (Number.isNaN(q)) return 0;
  return Math.min(255, Math.max(0, roundHalfEven(q) + zp));
}

describe('qu8_quantize and qu8_dequantize', () => {
  const N = 16 * 7 + 5;
  function inputs(scale: number): Float32Array {
    const r = rng(3);
    const x = new Float32Array(N);
    for (let i = 0; i < N; i++) x[i] = (r() - 0.5) * 300 * scale;
    // Exact ties (x / scale = n + 0.5), out-of-range values, infinities and NaN.
    const specials = [0.5, 1.5, 2.5, -0.5, -1.5, 127.5, -128.5, 1e9, -1e9, Infinity, -Infinity, NaN, 0, -0];
    specials.forEach((s, i) => { x[i * 3] = s * scale; x[N - 1 - i] = s * scale; });
    return x;
  }

  it('quantize: simd128 and scalar round half to even and saturate', () => {
    for (const [scale, zp] of [[0.5, 128], [0.0173, 0], [2, 255], [1, 3]] as const) {
      const x = inputs(scale);
      const want = Uint8Array.from(x, (v) => quantizeRef(v, fr(scale), zp));
      for (const name of ['qu8_quantize__simd128', 'qu8_quantize__scalar', 'qu8_quantize']) {
        const got = withQu8Heap((h) => {
          const xPtr = h.f32(x), y = outputBuffer(h, N, OUT_U8);
          k8()[name]!(xPtr, y.ptr, scale, zp, 0, N, 0);
          return y.read();
        });
        expectSame(`${name} scale ${scale} zp ${zp}`, got, want);
      }
    }
  });

  it('fake quantize: simd128 and scalar give the dequantized grid value, in place too', () => {
    for (const [scale, zp] of [[0.5, 128], [0.0173, 0], [2, 255]] as const) {
      const x = inputs(scale);
      // NaN stays NaN, as in the trainer's fake quantization (qu8_quantize's uint8 cannot hold it).
      const want = Float32Array.from(x, (v) => (Number.isNaN(v) ? NaN : fr((quantizeRef(v, fr(scale), zp) - zp) * fr(scale))));
      for (const name of ['qu8_fake_quantize__simd128', 'qu8_fake_quantize__scalar', 'qu8_fake_quantize']) {
        for (const inPlace of [false, true]) {
          const got = withQu8Heap((h) => {
            const xPtr = h.f32(x), y = inPlace ? xPtr : h.f32(new Float32Array(N));
            k8()[name]!(xPtr, y, scale, zp, 0, N, 0);
            return h.readF32(y, N);
          });
          expectSame(`${name} scale ${scale} zp ${zp}${inPlace ? ' in place' : ''}`, got, want);
        }
      }
    }
  });

  it('dequantize: simd128 and scalar give (x - zp) * scale', () => {
    for (const [scale, zp] of [[0.5, 128], [0.0173, 0], [3.25e-3, 255]] as const) {
      const x = randomBytes(N, rng(zp + 1));
      const want = Float32Array.from(x, (v) => fr((v - zp) * fr(scale)));
      for (const name of ['qu8_dequantize__simd128', 'qu8_dequantize__scalar', 'qu8_dequantize']) {
        const got = withQu8Heap((h) => {
          const xPtr = h.bytes(x), y = outputBuffer(h, N, OUT_F32);
          k8()[name]!(xPtr, y.ptr, scale, zp, 0, N, 0);
          return y.read();
        });
        expectSame(`${name} scale ${scale} zp ${zp}`, got, want);
      }
    }
  });

  it('ranges cut anywhere give the same bytes', () => {
    const x = inputs(0.25);
    const whole = withQu8Heap((h) => {
      const xPtr = h.f32(x), y = outputBuffer(h, N, OUT_U8);
      k8().qu8_quantize!(xPtr, y.ptr, 0.25, 17, 0, N, 0);
      return y.read();
    });
    const parts = withQu8Heap((h) => {
      const xPtr = h.f32(x), y = outputBuffer(h, N, OUT_U8);
      for (const [s, e] of [[0, 5], [5, 37], [37, 38], [38, N]] as const) k8().qu8_quantize!(xPtr, y.ptr, 0.25, 17, s, e, 0);
      return y.read();
    });
    expectSame('qu8_quantize ranges', parts, whole);
  });
});

// ---- add ----------------------------------------------------------------------------

interface AddCase { sa: number; za: number; sb: number; zb: number; sy: number; zy: number; qmin: number; qmax: number }

function addRef(a: number, b: number, t: AddCase): number {
  const s = fr(fr(fr(a - t.za) * fr(t.sa)) + fr(fr(b - t.zb) * fr(t.sb)));
  let v = roundHalfEven(fr(s / fr(t.sy))) + t.zy;
  v = Math.max(t.qmin, Math.min(t.qmax, v));
  return v;
}

describe('qu8_add', () => {
  const N = 16 * 9 + 11;
  const CASES: AddCase[] = [
    { sa: 0.05, za: 128, sb: 0.03, zb: 120, sy: 0.07, zy: 125, qmin: 0, qmax: 255 },
    { sa: 0.05, za: 0, sb: 0.05, zb: 0, sy: 0.1, zy: 0, qmin: 0, qmax: 255 },      // ties: (a + b) / 2
    { sa: 0.02, za: 10, sb: 0.08, zb: 250, sy: 0.04, zy: 30, qmin: 30, qmax: 255 }, // fused ReLU
    { sa: 1, za: 0, sb: 1, zb: 0, sy: 1, zy: 0, qmin: 0, qmax: 200 },              // saturation
  ];

  it('simd128 and scalar match DequantizeLinear -> Add -> QuantizeLinear in float32', () => {
    CASES.forEach((t, ci) => {
      const a = randomBytes(N, rng(ci * 2 + 1)), b = randomBytes(N, rng(ci * 2 + 2));
      const want = Uint8Array.from(a, (v, i) => addRef(v, b[i]!, t));
      for (const name of ['qu8_add__simd128', 'qu8_add__scalar', 'qu8_add']) {
        const got = withQu8Heap((h) => {
          const aPtr = h.bytes(a), bPtr = h.bytes(b), y = outputBuffer(h, N, OUT_U8);
          k8()[name]!(aPtr, t.sa, t.za, bPtr, t.sb, t.zb, y.ptr, t.sy, t.zy, t.qmin, t.qmax, 0, N, 0);
          return y.read();
        });
        expectSame(`${name} ${JSON.stringify(t)}`, got, want);
        // Within one code of the same formula in float64.
        for (let i = 0; i < N; i++) {
          const exact = Math.max(t.qmin, Math.min(t.qmax,
            roundHalfEven(((a[i]! - t.za) * t.sa + (b[i]! - t.zb) * t.sb) / t.sy) + t.zy));
          assert.ok(Math.abs(got[i]! - exact) <= 1, `${name} element ${i}: ${got[i]} vs float64 ${exact}`);
        }
      }
    });
  });
});

// ---- global average pooling -----------------------------------------------------------

describe('qu8_global_avgpool', () => {
  it('simd128 and scalar match the reference for both output kinds', () => {
    for (const hw of [1, 15, 16, 17, 49, 64, 196, 1000]) {
      for (const kind of [OUT_U8, OUT_F32] as OutKind[]) {
        const planes = 5, zx = 37, sx = 0.04, sy = 0.02, zy = 100;
        const x = randomBytes(planes * hw, rng(hw + kind));
        const mult = kind === OUT_U8 ? fr(sx / (sy * hw)) : fr(sx / hw);
        const off = kind === OUT_U8 ? zy : 0;
        const lo = kind === OUT_U8 ? zy : -Infinity, hi = kind === OUT_U8 ? 255 : Infinity;
        const acc = new Int32Array(planes);
        for (let p = 0; p < planes; p++) for (let i = 0; i < hw; i++) acc[p] = acc[p]! + x[p * hw + i]! - zx;
        for (const name of ['qu8_global_avgpool__simd128', 'qu8_global_avgpool__scalar', 'qu8_global_avgpool']) {
          const got = withQu8Heap((h) => {
            const xPtr = h.bytes(x), y = outputBuffer(h, planes, kind);
            k8()[name]!(xPtr, planes, hw, zx, mult, off, kind, lo, hi, y.ptr, 0, planes, 0);
            return y.read();
          });
          expectEpilogue(`${name} hw ${hw} kind ${kind}`, got, acc, (i) => i, () => ({ mult, off }), lo, hi, kind);
          // The requantized mean is within one code of the real-number mean.
          if (kind === OUT_U8) {
            for (let p = 0; p < planes; p++) {
              const exact = finishF64((acc[p]! * sx) / hw, 1 / sy, zy, lo, hi, OUT_U8);
              assert.ok(Math.abs(got[p]! - exact) <= 1, `${name} plane ${p}: ${got[p]} vs ${exact}`);
            }
          }
        }
      }
    }
  });
});

// ---- uint8 im2col -------------------------------------------------------------------

function im2colRef(x: Uint8Array, c: number, g: Geometry, zp: number): Uint8Array {
  const col = new Uint8Array(c * g.kh * g.kw * g.oh * g.ow);
  let i = 0;
  for (let ci = 0; ci < c; ci++)
    for (let ki = 0; ki < g.kh; ki++)
      for (let kj = 0; kj < g.kw; kj++)
        for (let oy = 0; oy < g.oh; oy++)
          for (let ox = 0; ox < g.ow; ox++, i++) {
            const iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
            col[i] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[(ci * g.h + iy) * g.w + ix]! : zp;
          }
  return col;
}

describe('u8_im2col', () => {
  it('simd128 and scalar pad with the zero point and equal the reference', () => {
    const wide: Geometry[] = [
      { h: 26, w: 26, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: 24, ow: 24 },
      { h: 9, w: 70, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, oh: 5, ow: 35 },
      { h: 5, w: 81, kh: 3, kw: 3, sh: 1, sw: 2, ph: 2, pw: 2, dh: 1, dw: 1, oh: 7, ow: 42 },
      // ResNet-20's strided convs (runs of 7 to 14 even bytes) and odd sizes near them.
      { h: 28, w: 28, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, oh: 14, ow: 14 },
      { h: 14, w: 14, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, oh: 7, ow: 7 },
      { h: 28, w: 28, kh: 1, kw: 1, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh: 14, ow: 14 },
      { h: 17, w: 17, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, oh: 9, ow: 9 },
      { h: 3, w: 19, kh: 1, kw: 1, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh: 2, ow: 10 },
      { h: 3, w: 18, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 1, dh: 1, dw: 1, oh: 1, ow: 9 },
    ];
    [...geometrySweep(100, 21, { dilation: true }), ...wide].forEach((g, i) => {
      const c = 2, zp = randInt(rng(i), 0, 255);
      const x = randomBytes(c * g.h * g.w, rng(i + 7));
      const want = im2colRef(x, c, g, zp);
      // Every other geometry reads x inside larger planes (rows 5 bytes longer, 3 more rows), as a
      // framed value's: the bytes around it must never reach the columns.
      const framed = i % 2 === 1;
      const rowStride = framed ? g.w + 5 : g.w, planeStride = framed ? (g.h + 3) * rowStride : g.h * g.w;
      const held = randomBytes(c * planeStride, rng(i + 8));
      if (framed) for (let p = 0; p < c; p++) for (let r = 0; r < g.h; r++) held.set(x.subarray((p * g.h + r) * g.w, (p * g.h + r + 1) * g.w), p * planeStride + (r + 1) * rowStride + 3);
      for (const name of ['u8_im2col__simd128', 'u8_im2col__scalar', 'u8_im2col']) {
        const got = withQu8Heap((h) => {
          const xPtr = framed ? h.bytes(held, 0) + rowStride + 3 : h.bytes(x, 0), col = outputBuffer(h, want.length + 16, OUT_U8);
          k8()[name]!(xPtr, c, g.h, g.w, rowStride, planeStride, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, zp, col.ptr);
          return col.read();
        });
        expectSame(`${name} ${geomName(g)} zp ${zp}${framed ? ' framed' : ''}`, Array.from(got).slice(0, want.length), want);
        assert.ok(Array.from(got).slice(want.length).every((v) => v === 0x5a), `${name} ${geomName(g)}: wrote past the column matrix`);
      }
    });
  });
});

// ---- two threads ------------------------------------------------------------------------

describe('qu8-misc on the thread pool', () => {
  before(() => setThreads(2));

  it('two threads equal one for every parallel kernel', () => {
    const g: Geometry = { h: 24, w: 40, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh: 12, ow: 20 };
    const planes = 9;
    const x = randomBytes(planes * g.h * g.w, rng(5));
    expectSame('u8_maxpool2d pool', runMaxpool('u8_maxpool2d', x, planes, g, 'pool'), maxpoolRef(x, planes, g));

    const n = 1000;
    const a = randomBytes(n, rng(6)), b = randomBytes(n, rng(7));
    const f = Float32Array.from(a, (v) => (v - 100) * 0.37);
    const one: ArrayLike<number>[] = [], two: ArrayLike<number>[] = [];
    for (const [out, pooled] of [[one, false], [two, true]] as const) {
      withQu8Heap((h) => {
        const aPtr = h.bytes(a), bPtr = h.bytes(b), fPtr = h.f32(f);
        const runs: [string, number[], number, OutKind][] = [
          ['qu8_add', [aPtr, 0.1, 100, bPtr, 0.2, 50, -1, 0.3, 20, 20, 255], n, OUT_U8],
          ['qu8_quantize', [fPtr, -1, 0.37, 100], n, OUT_U8],
          ['qu8_dequantize', [aPtr, -1, 0.37, 100], n, OUT_F32],
          ['qu8_global_avgpool', [aPtr, 10, 100, 3, 0.01, 7, OUT_U8, 0, 255, -1], 10, OUT_U8],
        ];
        for (const [name, args, total, kind] of runs) {
          const y = outputBuffer(h, n, kind);
          const full = args.map((v) => (v === -1 ? y.ptr : v));
          if (pooled) wasm().pool.run(name, full, total, { grain: 1 });
          else k8()[name]!(...full, 0, total, 0);
          out.push(y.read());
        }
      });
    }
    one.forEach((v, i) => expectSame(`pool run ${i}`, two[i]!, v));
  });
});
