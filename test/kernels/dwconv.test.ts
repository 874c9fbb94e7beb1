// Depthwise convolution forward, data gradient and filter gradient against float64
// loops, their scalar twins, the thread pool, and the dot-product (adjoint) identities
// <fwd(x; w), dy> == <x, bwd_data(dy; w)> == <w, bwd_filter(x, dy)>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { geometrySweep, describe, withHeap, dot, absDot, type Geometry } from '../helpers/conv-fixture.js';

setThreads(2);

const N = 2, C = 3;
const CASES = geometrySweep(120, 23, { dilation: true });

interface Problem { g: Geometry; mult: number; x: Float32Array; f: Float32Array; bias: Float32Array; dy: Float32Array }

function problem(g: Geometry, mult: number, seed: number): Problem {
  return {
    g, mult,
    x: randomFloats(N * C * g.h * g.w, seed),
    f: randomFloats(C * mult * g.kh * g.kw, seed + 1),
    bias: randomFloats(C * mult, seed + 2),
    dy: randomFloats(N * C * mult * g.oh * g.ow, seed + 3),
  };
}

// Visits every (img, o, oy, ox, ki, kj) whose input tap is in range, with flat indices.
function forTaps(p: Problem, fn: (yi: number, xi: number, wi: number) => void): void {
  const { g, mult } = p;
  for (let img = 0; img < N; img++)
    for (let o = 0; o < C * mult; o++) {
      const ci = Math.floor(o / mult);
      for (let oy = 0; oy < g.oh; oy++)
        for (let ox = 0; ox < g.ow; ox++)
          for (let ki = 0; ki < g.kh; ki++)
            for (let kj = 0; kj < g.kw; kj++) {
              const iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              fn(((img * C * mult + o) * g.oh + oy) * g.ow + ox, ((img * C + ci) * g.h + iy) * g.w + ix, (o * g.kh + ki) * g.kw + kj);
            }
    }
}

/** Reference value and the sum of |terms| behind it, which scales its float32 rounding error. */
function refFwd(p: Problem, withBias: boolean): { v: Float64Array; mag: Float64Array } {
  const { g, mult } = p;
  const plane = g.oh * g.ow;
  const v = new Float64Array(N * C * mult * plane), mag = new Float64Array(v.length);
  if (withBias) for (let i = 0; i < v.length; i++) { v[i] = p.bias[Math.floor(i / plane) % (C * mult)]!; mag[i] = Math.abs(v[i]!); }
  forTaps(p, (yi, xi, wi) => { v[yi] = v[yi]! + p.f[wi]! * p.x[xi]!; mag[yi] = mag[yi]! + Math.abs(p.f[wi]! * p.x[xi]!); });
  return { v, mag };
}

function refBwdData(p: Problem): { v: Float64Array; mag: Float64Array } {
  const v = new Float64Array(p.x.length), mag = new Float64Array(v.length);
  forTaps(p, (yi, xi, wi) => { v[xi] = v[xi]! + p.f[wi]! * p.dy[yi]!; mag[xi] = mag[xi]! + Math.abs(p.f[wi]! * p.dy[yi]!); });
  return { v, mag };
}

function refBwdFilter(p: Problem): { v: Float64Array; mag: Float64Array } {
  const v = new Float64Array(p.f.length), mag = new Float64Array(v.length);
  forTaps(p, (yi, xi, wi) => { v[wi] = v[wi]! + p.x[xi]! * p.dy[yi]!; mag[wi] = mag[wi]! + Math.abs(p.x[xi]! * p.dy[yi]!); });
  return { v, mag };
}

function expectNear(got: Float32Array, ref: { v: Float64Array; mag: Float64Array }, what: string): void {
  assert.equal(got.length, ref.v.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    // float32 sums of up to a few thousand terms: error well under 2^-12 of the magnitude.
    const tol = ref.mag[i]! * 2 ** -12 + 1e-6;
    if (!(Math.abs(got[i]! - ref.v[i]!) <= tol)) assert.fail(`${what}[${i}]: got ${got[i]}, expected ${ref.v[i]} (tol ${tol})`);
  }
}

type Mode = 'direct' | 'pool';
function geomArgs(p: Problem): number[] {
  const { g } = p;
  return [N, C, g.h, g.w, p.mult, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow];
}
function call(name: string, args: number[], total: number, mode: Mode): void {
  if (mode === 'pool') wasm().pool.run(name, args, total);
  else wasm().kernels[name]!(...args, 0, total, 0);
}

function runFwd(name: string, p: Problem, withBias: boolean, mode: Mode): Float32Array {
  return withHeap((s) => {
    const yLen = N * C * p.mult * p.g.oh * p.g.ow;
    const yPtr = s.f32(new Float32Array(yLen).fill(Number.NaN));
    call(name, [s.f32(p.x), s.f32(p.f), withBias ? s.f32(p.bias) : 0, yPtr, ...geomArgs(p)], N * C, mode);
    return s.read(yPtr, yLen);
  });
}

function runBwdData(name: string, p: Problem, mode: Mode): Float32Array {
  return withHeap((s) => {
    const dxPtr = s.f32(new Float32Array(p.x.length).fill(Number.NaN));
    call(name, [s.f32(p.dy), s.f32(p.f), dxPtr, ...geomArgs(p)], N * C, mode);
    return s.read(dxPtr, p.x.length);
  });
}

function runBwdFilter(name: string, p: Problem, mode: Mode): { dw: Float32Array; db: Float32Array } {
  return withHeap((s) => {
    const dwPtr = s.f32(new Float32Array(p.f.length).fill(Number.NaN));
    const dbPtr = s.f32(new Float32Array(C * p.mult).fill(Number.NaN));
    call(name, [s.f32(p.x), s.f32(p.dy), dwPtr, dbPtr, ...geomArgs(p)], C, mode);
    return { dw: s.read(dwPtr, p.f.length), db: s.read(dbPtr, C * p.mult) };
  });
}

function* problems(): Generator<Problem> {
  for (const [i, g] of CASES.entries()) yield problem(g, 1 + (i % 2), 1000 + 10 * i);
}
const label = (p: Problem): string => `${describe(p.g)} mult${p.mult}`;

test('f32_dwconv2d_fwd matches float64, its scalar twin bit for bit, and the 2-thread pool', () => {
  for (const p of problems()) {
    const withBias = p.mult === 1;
    const ref = refFwd(p, withBias);
    const direct = runFwd('f32_dwconv2d_fwd', p, withBias, 'direct');
    expectNear(direct, ref, `fwd ${label(p)}`);
    expectAllClose(runFwd('f32_dwconv2d_fwd__scalar', p, withBias, 'direct'), direct, { rtol: 0, atol: 0, what: `fwd scalar ${label(p)}` });
    expectAllClose(runFwd('f32_dwconv2d_fwd', p, withBias, 'pool'), direct, { rtol: 0, atol: 0, what: `fwd pool ${label(p)}` });
  }
});

test('f32_dwconv2d_bwd_data overwrites dx with the data gradient (direct, scalar twin, pool)', () => {
  for (const p of problems()) {
    const ref = refBwdData(p);
    expectNear(runBwdData('f32_dwconv2d_bwd_data', p, 'direct'), ref, `bwd_data ${label(p)}`);
    expectNear(runBwdData('f32_dwconv2d_bwd_data__scalar', p, 'direct'), ref, `bwd_data scalar ${label(p)}`);
    expectNear(runBwdData('f32_dwconv2d_bwd_data', p, 'pool'), ref, `bwd_data pool ${label(p)}`);
  }
});

test('f32_dwconv2d_bwd_filter overwrites dw and db, summed over images (direct, scalar twin, pool)', () => {
  for (const p of problems()) {
    const ref = refBwdFilter(p);
    const plane = p.g.oh * p.g.ow;
    const db = { v: new Float64Array(C * p.mult), mag: new Float64Array(C * p.mult) };
    for (let i = 0; i < p.dy.length; i++) {
      const o = Math.floor(i / plane) % (C * p.mult);
      db.v[o] = db.v[o]! + p.dy[i]!;
      db.mag[o] = db.mag[o]! + Math.abs(p.dy[i]!);
    }
    for (const [name, mode] of [['f32_dwconv2d_bwd_filter', 'direct'], ['f32_dwconv2d_bwd_filter__scalar', 'direct'], ['f32_dwconv2d_bwd_filter', 'pool']] as const) {
      const got = runBwdFilter(name, p, mode);
      expectNear(got.dw, ref, `${name} ${mode} dw ${label(p)}`);
      expectNear(got.db, db, `${name} ${mode} db ${label(p)}`);
    }
  }
});

test('bwd_data and bwd_filter are the adjoints of fwd (dot-product test)', () => {
  for (const p of problems()) {
    const y = runFwd('f32_dwconv2d_fwd', p, false, 'direct');
    const dx = runBwdData('f32_dwconv2d_bwd_data', p, 'direct');
    const { dw } = runBwdFilter('f32_dwconv2d_bwd_filter', p, 'direct');
    const a = dot(y, p.dy), b = dot(p.x, dx), c = dot(p.f, dw);
    const tol = 1e-5 * (absDot(y, p.dy) + 1);
    assert.ok(Math.abs(a - b) <= tol, `${label(p)}: <fwd x, dy> = ${a}, <x, bwd_data dy> = ${b}`);
    assert.ok(Math.abs(a - c) <= tol, `${label(p)}: <fwd x, dy> = ${a}, <w, bwd_filter> = ${c}`);
  }
});

test('with dbPtr = 0 and biasPtr = 0 only the filter gradient and the plain convolution are computed', () => {
  const g = CASES[0]!;
  const p = problem(g, 2, 77);
  const dwOnly = withHeap((s) => {
    const dwPtr = s.zeros(p.f.length);
    wasm().kernels['f32_dwconv2d_bwd_filter']!(s.f32(p.x), s.f32(p.dy), dwPtr, 0, ...geomArgs(p), 0, C, 0);
    return s.read(dwPtr, p.f.length);
  });
  expectNear(dwOnly, refBwdFilter(p), 'bwd_filter without db');
  expectNear(runFwd('f32_dwconv2d_fwd', p, false, 'direct'), refFwd(p, false), 'fwd without bias');
});
