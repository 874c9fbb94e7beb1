// Max and average pooling against float64 loops, their scalar twins and the thread pool;
// max-pool ties and argmax routing of gradients; the average-pool adjoint identity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { geometrySweep, describe, withHeap, dot, absDot, type Geometry } from '../helpers/conv-fixture.js';

setThreads(2);

const PLANES = 5;

// Every window must see at least one pixel; an all-padding window is no real pooling case.
function everyWindowHasTap(g: Geometry): boolean {
  const axisOk = (o: number, n: number, k: number, s: number, p: number, d: number): boolean => {
    for (let i = 0; i < o; i++) {
      let any = false;
      for (let t = 0; t < k; t++) { const x = i * s - p + t * d; if (x >= 0 && x < n) any = true; }
      if (!any) return false;
    }
    return true;
  };
  return axisOk(g.oh, g.h, g.kh, g.sh, g.ph, g.dh) && axisOk(g.ow, g.w, g.kw, g.sw, g.pw, g.dw);
}
const MAX_CASES = geometrySweep(160, 5, { dilation: true }).filter(everyWindowHasTap);
const AVG_CASES = geometrySweep(160, 9).filter(everyWindowHasTap);

function refMax(x: Float32Array, g: Geometry): { y: Float64Array; at: Int32Array } {
  const y = new Float64Array(PLANES * g.oh * g.ow), at = new Int32Array(y.length);
  let o = 0;
  for (let p = 0; p < PLANES; p++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++, o++) {
        let best = -Infinity, arg = -1;
        for (let ki = 0; ki < g.kh; ki++)
          for (let kj = 0; kj < g.kw; kj++) {
            const iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
            const v = x[p * g.h * g.w + iy * g.w + ix]!;
            if (arg < 0 || v > best) { best = v; arg = iy * g.w + ix; }
          }
        y[o] = best; at[o] = arg;
      }
  return { y, at };
}

function refAvg(x: Float32Array, g: Geometry, include: boolean): Float64Array {
  const y = new Float64Array(PLANES * g.oh * g.ow);
  let o = 0;
  for (let p = 0; p < PLANES; p++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++, o++) {
        let sum = 0, cnt = 0;
        for (let ki = 0; ki < g.kh; ki++)
          for (let kj = 0; kj < g.kw; kj++) {
            const iy = oy * g.sh - g.ph + ki, ix = ox * g.sw - g.pw + kj;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
            sum += x[p * g.h * g.w + iy * g.w + ix]!; cnt++;
          }
        y[o] = sum / (include ? g.kh * g.kw : cnt);
      }
  return y;
}

/** Adjoint of refAvg: each dy spread over its window's in-range taps. */
function refAvgBwd(dy: Float32Array, g: Geometry, include: boolean): Float64Array {
  const dx = new Float64Array(PLANES * g.h * g.w);
  let o = 0;
  for (let p = 0; p < PLANES; p++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++, o++) {
        const taps: number[] = [];
        for (let ki = 0; ki < g.kh; ki++)
          for (let kj = 0; kj < g.kw; kj++) {
            const iy = oy * g.sh - g.ph + ki, ix = ox * g.sw - g.pw + kj;
            if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) taps.push(p * g.h * g.w + iy * g.w + ix);
          }
        const share = dy[o]! / (include ? g.kh * g.kw : taps.length);
        for (const t of taps) dx[t] = dx[t]! + share;
      }
  return dx;
}

type Mode = 'direct' | 'pool';
function call(name: string, args: number[], mode: Mode): void {
  if (mode === 'pool') wasm().pool.run(name, args, PLANES);
  else wasm().kernels[name]!(...args, 0, PLANES, 0);
}

function runMax(name: string, x: Float32Array, g: Geometry, mode: Mode): { y: Float32Array; at: Int32Array } {
  return withHeap((s) => {
    const n = PLANES * g.oh * g.ow;
    const yPtr = s.f32(new Float32Array(n).fill(Number.NaN)), atPtr = s.zeros(n);
    call(name, [s.f32(x), yPtr, atPtr, PLANES, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow], mode);
    return { y: s.read(yPtr, n), at: s.readI32(atPtr, n) };
  });
}

function runMaxBwd(dy: Float32Array, at: Int32Array, g: Geometry, mode: Mode): Float32Array {
  return withHeap((s) => {
    const n = PLANES * g.h * g.w;
    const atPtr = s.zeros(at.length);
    wasm().heap.i32(atPtr, at.length).set(at);
    const dxPtr = s.f32(new Float32Array(n).fill(Number.NaN));
    call('f32_maxpool2d_bwd', [s.f32(dy), atPtr, dxPtr, PLANES, g.h, g.w, g.oh, g.ow], mode);
    return s.read(dxPtr, n);
  });
}

function runAvg(name: string, x: Float32Array, g: Geometry, include: boolean, mode: Mode, outLen: number): Float32Array {
  return withHeap((s) => {
    const yPtr = s.f32(new Float32Array(outLen).fill(Number.NaN));
    call(name, [s.f32(x), yPtr, PLANES, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, include ? 1 : 0], mode);
    return s.read(yPtr, outLen);
  });
}

test('f32_maxpool2d_fwd: values and argmax match float64, the scalar twin and the 2-thread pool', () => {
  for (const [i, g] of MAX_CASES.entries()) {
    const x = randomFloats(PLANES * g.h * g.w, 40 + i);
    const ref = refMax(x, g);
    for (const [name, mode] of [['f32_maxpool2d_fwd', 'direct'], ['f32_maxpool2d_fwd__scalar', 'direct'], ['f32_maxpool2d_fwd', 'pool']] as const) {
      const got = runMax(name, x, g, mode);
      expectAllClose(got.y, ref.y, { rtol: 0, atol: 0, what: `${name} ${mode} y ${describe(g)}` });
      assert.deepEqual(got.at, ref.at, `${name} ${mode} argmax ${describe(g)}`);
    }
  }
});

test('f32_maxpool2d_fwd breaks ties by the first tap in scan order', () => {
  for (const [i, g] of MAX_CASES.entries()) {
    // Three levels make most windows hold several equal maxima.
    const x = randomFloats(PLANES * g.h * g.w, 60 + i).map((v) => Math.round(v));
    const ref = refMax(x, g);
    for (const name of ['f32_maxpool2d_fwd', 'f32_maxpool2d_fwd__scalar']) {
      assert.deepEqual(runMax(name, x, g, 'direct').at, ref.at, `${name} ties ${describe(g)}`);
    }
  }
});

test('f32_maxpool2d_bwd sends each gradient to its argmax and overwrites dx', () => {
  for (const [i, g] of MAX_CASES.entries()) {
    const x = randomFloats(PLANES * g.h * g.w, 80 + i);
    const dy = randomFloats(PLANES * g.oh * g.ow, 90 + i);
    const { at } = runMax('f32_maxpool2d_fwd', x, g, 'direct');
    const expected = new Float64Array(PLANES * g.h * g.w);
    for (let o = 0; o < dy.length; o++) { const t = Math.floor(o / (g.oh * g.ow)) * g.h * g.w + at[o]!; expected[t] = expected[t]! + dy[o]!; }
    const overlap = Math.ceil(g.kh / g.sh) * Math.ceil(g.kw / g.sw);
    for (const mode of ['direct', 'pool'] as const) {
      expectAllClose(runMaxBwd(dy, at, g, mode), expected, { rtol: 0, atol: overlap * 2 ** -22, what: `maxpool bwd ${mode} ${describe(g)}` });
    }
  }
});

test('f32_avgpool2d_fwd matches float64 in both count modes; scalar twin bit for bit; pool', () => {
  for (const [i, g] of AVG_CASES.entries()) {
    const x = randomFloats(PLANES * g.h * g.w, 120 + i);
    const n = PLANES * g.oh * g.ow;
    for (const include of [false, true]) {
      const direct = runAvg('f32_avgpool2d_fwd', x, g, include, 'direct', n);
      expectAllClose(direct, refAvg(x, g, include), { rtol: 1e-5, atol: 1e-6, what: `avgpool include=${include} ${describe(g)}` });
      expectAllClose(runAvg('f32_avgpool2d_fwd__scalar', x, g, include, 'direct', n), direct, { rtol: 0, atol: 0, what: `avgpool scalar ${describe(g)}` });
      expectAllClose(runAvg('f32_avgpool2d_fwd', x, g, include, 'pool', n), direct, { rtol: 0, atol: 0, what: `avgpool pool ${describe(g)}` });
    }
  }
});

test('f32_avgpool2d_bwd overwrites dx with the adjoint of the forward pass', () => {
  for (const [i, g] of AVG_CASES.entries()) {
    const x = randomFloats(PLANES * g.h * g.w, 140 + i);
    const dy = randomFloats(PLANES * g.oh * g.ow, 160 + i);
    const nx = x.length;
    for (const include of [false, true]) {
      const what = `avgpool bwd include=${include} ${describe(g)}`;
      const dx = runAvg('f32_avgpool2d_bwd', dy, g, include, 'direct', nx);
      expectAllClose(dx, refAvgBwd(dy, g, include), { rtol: 1e-5, atol: 1e-5, what });
      expectAllClose(runAvg('f32_avgpool2d_bwd__scalar', dy, g, include, 'direct', nx), dx, { rtol: 0, atol: 0, what: `${what} scalar` });
      expectAllClose(runAvg('f32_avgpool2d_bwd', dy, g, include, 'pool', nx), dx, { rtol: 0, atol: 0, what: `${what} pool` });
      const y = runAvg('f32_avgpool2d_fwd', x, g, include, 'direct', dy.length);
      const a = dot(y, dy), b = dot(x, dx);
      assert.ok(Math.abs(a - b) <= 1e-5 * (absDot(y, dy) + 1), `${what}: <avg x, dy> = ${a}, <x, avg_bwd dy> = ${b}`);
    }
  }
});
