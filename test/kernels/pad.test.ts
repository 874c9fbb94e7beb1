// xx_pad2d: each plane of x lands in the middle of its padded plane, every other byte the fill,
// for uint8 codes (any fill byte) and float32 (four bytes per element, zero fill); rows of 1 to 33
// elements (byte runs below 4, 4 to 7, 8 to 15, 16 and longer, ragged), pads of 0 to 3 on each
// side, one plane and several, plane ranges that start and end inside the tensor, and two threads.
// Bytes outside the planes asked for must stay untouched (a neighbour plane may be another thread's).
// xx_crop2d, its inverse, takes planes back out of such frames.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { rng, randInt, randomBytes, withQu8Heap } from './qu8-reference.js';

interface PadCase { h: number; w: number; elem: 1 | 4; pads: [number, number, number, number]; fill: number; planes: number }

/** The padded planes [start, end) in a y of `planes` planes, the rest of y the sentinel. */
function padRef(x: Uint8Array, t: PadCase, start: number, end: number, sentinel: number): Uint8Array {
  const [pt, pl, pb, pr] = t.pads;
  const hp = t.h + pt + pb, wp = t.w + pl + pr, e = t.elem;
  const y = new Uint8Array(t.planes * hp * wp * e).fill(sentinel);
  for (let p = start; p < end; p++) {
    for (let r = 0; r < hp; r++) {
      for (let c = 0; c < wp; c++) {
        const inside = r >= pt && r < pt + t.h && c >= pl && c < pl + t.w;
        for (let b = 0; b < e; b++) {
          y[((p * hp + r) * wp + c) * e + b] = inside ? x[((p * t.h + r - pt) * t.w + c - pl) * e + b]! : t.fill;
        }
      }
    }
  }
  return y;
}

function checkPad(t: PadCase, seed: number): void {
  withQu8Heap((h) => {
    const { kernels, pool } = wasm();
    const [pt, pl, pb, pr] = t.pads;
    const x = randomBytes(t.planes * t.h * t.w * t.elem, rng(seed));
    const xPtr = h.bytes(x, 0);
    const size = t.planes * (t.h + pt + pb) * (t.w + pl + pr) * t.elem;
    const SENTINEL = 0x5a;
    const run = (start: number, end: number, threads: boolean) => {
      const y = h.alloc(size + 64);
      wasm().heap.u8(y, size + 64).fill(SENTINEL);
      const args = [xPtr, y, t.h, t.w, t.elem, pt, pl, pb, pr, t.fill];
      if (threads) pool.run('xx_pad2d', args, t.planes, { grain: 1 });
      else kernels.xx_pad2d!(...args, start, end, 0);
      return h.readU8(y, size + 64);
    };
    const label = `${JSON.stringify(t)}`;
    const ranges: [number, number][] = [[0, t.planes]];
    if (t.planes > 2) ranges.push([1, t.planes - 1]);
    for (const [s, e] of ranges) {
      const got = run(s, e, false), want = padRef(x, t, s, e, SENTINEL);
      for (let i = 0; i < got.length; i++) {
        const w = i < want.length ? want[i]! : SENTINEL;
        if (got[i] !== w) assert.fail(`${label} planes [${s}, ${e}): byte ${i} = ${got[i]}, want ${w}`);
      }
    }
    const got = run(0, t.planes, true), want = padRef(x, t, 0, t.planes, SENTINEL);
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.fail(`${label} (2 threads): byte ${i} = ${got[i]}, want ${want[i]}`);
  });
}

before(() => setThreads(2));

/** xx_crop2d over planes [start, end) (and on two threads) equals the planes at (top, left) of each framed plane; the rest of y keeps its sentinel. */
function checkCrop(t: PadCase, seed: number): void {
  withQu8Heap((h) => {
    const { kernels, pool } = wasm();
    const [pt, pl, pb, pr] = t.pads;
    const fh = t.h + pt + pb, fw = t.w + pl + pr, e = t.elem;
    const x = randomBytes(t.planes * fh * fw * e, rng(seed));
    const xPtr = h.bytes(x, 0);
    const size = t.planes * t.h * t.w * e, SENTINEL = 0x5a;
    const run = (start: number, end: number, threads: boolean) => {
      const y = h.alloc(size + 64);
      wasm().heap.u8(y, size + 64).fill(SENTINEL);
      const args = [xPtr, y, t.h, t.w, e, pt, pl, fh, fw];
      if (threads) pool.run('xx_crop2d', args, t.planes, { grain: 1 });
      else kernels.xx_crop2d!(...args, start, end, 0);
      return h.readU8(y, size + 64);
    };
    const ranges: [number, number, boolean][] = [[0, t.planes, false], [0, t.planes, true]];
    if (t.planes > 2) ranges.push([1, t.planes - 1, false]);
    for (const [s, end, threads] of ranges) {
      const got = run(s, end, threads);
      for (let i = 0; i < got.length; i++) {
        const p = Math.floor(i / (t.h * t.w * e)), r = Math.floor((i % (t.h * t.w * e)) / (t.w * e)), c = i % (t.w * e);
        const want = i < size && p >= s && p < end ? x[p * fh * fw * e + (pt + r) * fw * e + pl * e + c]! : SENTINEL;
        if (got[i] !== want) assert.fail(`crop ${JSON.stringify(t)} planes [${s}, ${end})${threads ? ' (2 threads)' : ''}: byte ${i} = ${got[i]}, want ${want}`);
      }
    }
  });
}

describe('xx_pad2d', () => {
  it('pads uint8 and float32 planes of every row length with the fill and nothing outside', () => {
    const r = rng(3);
    let seed = 0;
    for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 14, 15, 16, 17, 28, 33]) {
      for (const elem of [1, 4] as const) {
        const pads: [number, number, number, number] = [randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3)];
        checkPad({ h: randInt(r, 1, 5), w, elem, pads, fill: elem === 4 ? 0 : randInt(r, 0, 255), planes: 3 }, seed++);
      }
    }
    // ResNet-20's 3x3 convs, and no padding at all.
    for (const [h, w] of [[28, 28], [14, 14], [7, 7]]) checkPad({ h: h!, w: w!, elem: 1, pads: [1, 1, 1, 1], fill: 137, planes: 5 }, seed++);
    checkPad({ h: 4, w: 9, elem: 1, pads: [0, 0, 0, 0], fill: 9, planes: 2 }, seed++);
    checkPad({ h: 3, w: 6, elem: 4, pads: [2, 0, 0, 3], fill: 0, planes: 1 }, seed++);
  });
});

describe('xx_crop2d', () => {
  it('takes each plane out of its frame, for every row length, and writes nothing else', () => {
    const r = rng(5);
    let seed = 100;
    for (const w of [1, 3, 4, 7, 8, 9, 15, 16, 17, 28, 33]) {
      for (const elem of [1, 4] as const) {
        const pads: [number, number, number, number] = [randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3)];
        checkCrop({ h: randInt(r, 1, 5), w, elem, pads, fill: 0, planes: 3 }, seed++);
      }
    }
    checkCrop({ h: 7, w: 7, elem: 1, pads: [1, 1, 1, 1], fill: 0, planes: 4 }, seed++);
  });
});

// u8_pad2d_phases: plane p's padded image P split into its 2x2 phases, Q_ab[i][j] = P[2i+a][2j+b]
// (the fill past P's edge), four PH x PW planes per input plane; simd128, scalar twin and entry
// point against this reference, odd and even padded sizes, phase rows of 1 to 20 bytes, plane
// ranges and two threads, nothing written outside the planes asked for.
function phasesRef(x: Uint8Array, t: PadCase, start: number, end: number, sentinel: number, QS: number): Uint8Array {
  const [pt, pl, pb, pr] = t.pads;
  const PH = (t.h + pt + pb + 1) >> 1, PW = (t.w + pl + pr + 1) >> 1;
  const y = new Uint8Array(t.planes * 4 * PH * QS).fill(sentinel);
  for (let p = start; p < end; p++) {
    for (let ph = 0; ph < 4; ph++) {
      for (let i = 0; i < PH; i++) {
        for (let j = 0; j < PW; j++) {
          const r = 2 * i + (ph >> 1) - pt, c = 2 * j + (ph & 1) - pl;
          y[((p * 4 + ph) * PH + i) * QS + j] = r >= 0 && r < t.h && c >= 0 && c < t.w ? x[(p * t.h + r) * t.w + c]! : t.fill;
        }
      }
    }
  }
  return y;
}

/**
 * With `frame`, x's planes sit inside larger ones (rows 3 bytes longer, 2 more rows) as a framed
 * value's, and the phase rows are 2 bytes longer than PW (the bytes between stay untouched).
 */
function checkPhases(t: PadCase, seed: number, frame = false): void {
  withQu8Heap((h) => {
    const { kernels, pool } = wasm();
    const [pt, pl, pb, pr] = t.pads;
    const PH = (t.h + pt + pb + 1) >> 1, PW = (t.w + pl + pr + 1) >> 1;
    const x = randomBytes(t.planes * t.h * t.w, rng(seed));
    const rowStride = frame ? t.w + 3 : t.w, planeStride = frame ? (t.h + 2) * rowStride : t.h * t.w;
    const held = randomBytes(t.planes * planeStride, rng(seed + 1));
    if (frame) for (let p = 0; p < t.planes; p++) for (let r = 0; r < t.h; r++) held.set(x.subarray((p * t.h + r) * t.w, (p * t.h + r + 1) * t.w), p * planeStride + (r + 1) * rowStride + 2);
    const xPtr = h.bytes(frame ? held : x, 0) + (frame ? rowStride + 2 : 0);
    const QS = frame ? PW + 2 : PW;
    const size = t.planes * 4 * PH * QS;
    const scratchBytes = kernels.u8_pad2d_phases_scratch_bytes!(t.w + pl + pr);
    const SENTINEL = 0x5a;
    const label = `${JSON.stringify(t)}${frame ? ' framed' : ''}`;
    const args = (y: number) => [xPtr, y, t.h, t.w, rowStride, planeStride, pt, pl, pb, pr, t.fill, QS];
    const buffer = () => {
      const y = h.alloc(size + 64);
      wasm().heap.u8(y, size + 64).fill(SENTINEL);
      return y;
    };
    const expect = (what: string, y: number, s: number, e: number) => {
      const got = h.readU8(y, size + 64), want = phasesRef(x, t, s, e, SENTINEL, QS);
      for (let i = 0; i < got.length; i++) {
        const w = i < want.length ? want[i]! : SENTINEL;
        if (got[i] !== w) assert.fail(`${what} ${label} planes [${s}, ${e}): byte ${i} = ${got[i]}, want ${w}`);
      }
    };
    const ranges: [number, number][] = [[0, t.planes]];
    if (t.planes > 2) ranges.push([1, t.planes - 1]);
    for (const name of ['u8_pad2d_phases__simd128', 'u8_pad2d_phases__scalar', 'u8_pad2d_phases']) {
      for (const [s, e] of ranges) {
        const y = buffer();
        kernels[name]!(...args(y), s, e, h.alloc(scratchBytes));
        expect(name, y, s, e);
      }
    }
    const y = buffer();
    pool.run('u8_pad2d_phases', args(y), t.planes, { grain: 1, scratchPtrs: [h.alloc(scratchBytes), h.alloc(scratchBytes)] });
    expect('u8_pad2d_phases (2 threads)', y, 0, t.planes);
  });
}

describe('u8_pad2d_phases', () => {
  it('splits padded planes into their 2x2 phases, for odd and even sizes', () => {
    const r = rng(11);
    let seed = 100;
    for (const w of [1, 2, 5, 7, 13, 14, 15, 16, 17, 28, 31, 33, 40]) {
      const pads: [number, number, number, number] = [randInt(r, 0, 2), randInt(r, 0, 2), randInt(r, 0, 2), randInt(r, 0, 2)];
      checkPhases({ h: randInt(r, 1, 7), w, elem: 1, pads, fill: randInt(r, 0, 255), planes: 3 }, seed++, w % 2 === 1);
    }
    // Rows with no left or right pads split straight from x, odd ones reading a byte past their end.
    for (const [w, pads] of [[13, [0, 0, 0, 0]], [7, [2, 0, 1, 0]], [30, [0, 0, 0, 0]], [17, [1, 0, 0, 0]]] as const) {
      for (const frame of [false, true]) checkPhases({ h: 5, w, elem: 1, pads: [...pads], fill: 201, planes: 3 }, seed++, frame);
    }
    // ResNet-20's strided convs: 3x3 pad 1 on 28x28 and 14x14, 1x1 without padding; framed inputs too.
    for (const [hw, pad] of [[28, 1], [14, 1], [28, 0], [14, 0]]) {
      for (const frame of [false, true]) checkPhases({ h: hw!, w: hw!, elem: 1, pads: [pad!, pad!, pad!, pad!], fill: 77, planes: 4 }, seed++, frame);
    }
  });
});
