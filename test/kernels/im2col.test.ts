// im2col / col2im against plain float64 loops, against their scalar twins, and against
// each other as adjoints: <im2col(x), y> == <x, col2im(y)>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wasm } from '../../src/kernels/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { geometrySweep, describe, withHeap, dot, absDot, type Geometry } from '../helpers/conv-fixture.js';

const C = 3;
const CASES = geometrySweep(160, 11, { dilation: true });

function refIm2col(x: Float32Array, c: number, g: Geometry): Float64Array {
  const col = new Float64Array(c * g.kh * g.kw * g.oh * g.ow);
  let i = 0;
  for (let ci = 0; ci < c; ci++)
    for (let ki = 0; ki < g.kh; ki++)
      for (let kj = 0; kj < g.kw; kj++)
        for (let oy = 0; oy < g.oh; oy++)
          for (let ox = 0; ox < g.ow; ox++, i++) {
            const iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
            if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) col[i] = x[(ci * g.h + iy) * g.w + ix]!;
          }
  return col;
}

function refCol2im(col: Float32Array, c: number, g: Geometry, x0: Float32Array): Float64Array {
  const x = Float64Array.from(x0);
  let i = 0;
  for (let ci = 0; ci < c; ci++)
    for (let ki = 0; ki < g.kh; ki++)
      for (let kj = 0; kj < g.kw; kj++)
        for (let oy = 0; oy < g.oh; oy++)
          for (let ox = 0; ox < g.ow; ox++, i++) {
            const iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
            if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) { const t = (ci * g.h + iy) * g.w + ix; x[t] = x[t]! + col[i]!; }
          }
  return x;
}

function geomArgs(g: Geometry): number[] {
  return [C, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow];
}

function runIm2col(name: string, x: Float32Array, g: Geometry): Float32Array {
  const n = C * g.kh * g.kw * g.oh * g.ow;
  return withHeap((s) => {
    const xPtr = s.f32(x);
    // Poison the output so a skipped zero run shows up.
    const colPtr = s.f32(new Float32Array(n).fill(Number.NaN));
    wasm().kernels[name]!(xPtr, ...geomArgs(g), colPtr);
    return s.read(colPtr, n);
  });
}

function runCol2im(name: string, col: Float32Array, x0: Float32Array, g: Geometry): Float32Array {
  return withHeap((s) => {
    const colPtr = s.f32(col);
    const xPtr = s.f32(x0);
    wasm().kernels[name]!(colPtr, ...geomArgs(g), xPtr);
    return s.read(xPtr, x0.length);
  });
}

test('f32_im2col matches the float64 reference and its scalar twin exactly', () => {
  for (const [i, g] of CASES.entries()) {
    const x = randomFloats(C * g.h * g.w, 100 + i);
    const ref = refIm2col(x, C, g);
    for (const name of ['f32_im2col', 'f32_im2col__simd128', 'f32_im2col__scalar']) {
      expectAllClose(runIm2col(name, x, g), ref, { rtol: 0, atol: 0, what: `${name} ${describe(g)}` });
    }
  }
});

test('f32_col2im accumulates into x and matches the float64 reference and its scalar twin', () => {
  for (const [i, g] of CASES.entries()) {
    const col = randomFloats(C * g.kh * g.kw * g.oh * g.ow, 300 + i);
    const x0 = randomFloats(C * g.h * g.w, 500 + i);
    const ref = refCol2im(col, C, g, x0);
    const taps = Math.ceil(g.kh / g.sh) * Math.ceil(g.kw / g.sw) + 1;
    const simd = runCol2im('f32_col2im', col, x0, g);
    const scalar = runCol2im('f32_col2im__scalar', col, x0, g);
    expectAllClose(simd, ref, { rtol: 0, atol: taps * 2 ** -22, what: `f32_col2im ${describe(g)}` });
    // Both add the same terms in the same (row, oy, ox) order, so they agree bit for bit.
    expectAllClose(simd, scalar, { rtol: 0, atol: 0, what: `f32_col2im vs scalar ${describe(g)}` });
  }
});

test('f32_col2im is the adjoint of f32_im2col', () => {
  for (const [i, g] of CASES.entries()) {
    const x = randomFloats(C * g.h * g.w, 700 + i);
    const y = randomFloats(C * g.kh * g.kw * g.oh * g.ow, 900 + i);
    const ax = runIm2col('f32_im2col', x, g);
    const aty = runCol2im('f32_col2im', y, new Float32Array(x.length), g);
    const lhs = dot(ax, y), rhs = dot(x, aty);
    const tol = 1e-5 * (absDot(ax, y) + 1);
    assert.ok(Math.abs(lhs - rhs) <= tol, `${describe(g)}: <im2col x, y> = ${lhs}, <x, col2im y> = ${rhs}`);
  }
});

test('f32_im2col handles a single-pixel image and a window wider than the image', () => {
  const g: Geometry = { h: 1, w: 1, kh: 3, kw: 5, sh: 1, sw: 1, ph: 1, pw: 2, dh: 1, dw: 1, oh: 1, ow: 1 };
  const x = Float32Array.from([1, 2, 3]);
  const col = runIm2col('f32_im2col', x, g);
  // Only the centre tap (ki 1, kj 2) of each channel sees the pixel.
  const expected = new Float32Array(C * 15);
  for (let ci = 0; ci < C; ci++) expected[ci * 15 + 7] = ci + 1;
  expectAllClose(col, expected, { rtol: 0, atol: 0 });
});
