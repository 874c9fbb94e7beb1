// xx_pad2d: each plane of x lands in the middle of its padded plane, every other byte the fill,
// for uint8 codes (any fill byte) and float32 (four bytes per element, zero fill); rows of 1 to 33
// elements (byte runs below 4, 4 to 7, 8 to 15, 16 and longer, ragged), pads of 0 to 3 on each
// side, one plane and several, plane ranges that start and end inside the tensor, and two threads.
// Bytes outside the planes asked for must stay untouched (a neighbour plane may be another thread's).
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
