// Reductions, softmax, cross-entropy, argmax and row copies against float64 references
// and their scalar twins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wasm, setThreads } from '../../src/kernels/index.js';
import { randomFloats } from '../helpers/assert.js';
import { put, read, free } from '../helpers/heap-buffers.js';

setThreads(2);
const rt = wasm();
const k = rt.kernels;


function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, e = want[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(g) : !Number.isFinite(e) ? g === e : Math.abs(g - e) <= atol + rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}[${i}]: got ${g}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

// ---- sums ----

/** float64 reduce: out index from in index through outStrides, plus the sum of |x| per slot for tolerances. */
function reduceRef(x: Float32Array, shape: number[], outStrides: number[], outLen: number): [Float64Array, Float64Array] {
  const out = new Float64Array(outLen), mag = new Float64Array(outLen);
  for (let i = 0; i < x.length; i++) {
    let rem = i, o = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      o += (rem % shape[d]!) * outStrides[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    out[o]! += x[i]!;
    mag[o]! += Math.abs(x[i]!);
  }
  return [out, mag];
}
const sumTol = (mag: Float64Array, n: number): number => Math.max(...mag) * n * 2 ** -23 + 1e-6;

describe('f32_reduce_sum', () => {
  const cases: [number[], boolean[]][] = [
    [[37], [true]],
    [[37], [false]],
    [[5, 33], [false, true]],
    [[5, 33], [true, false]],
    [[2, 3, 4, 5], [true, false, true, true]],
    [[2, 3, 4, 5], [false, true, false, true]],
    [[3, 1, 7, 2, 3], [true, true, false, true, false]],
    [[2, 2, 3, 1, 2, 5], [false, true, true, false, false, true]],
  ];
  for (const [shape, reduced] of cases) {
    it(`shape [${shape}] reducing [${reduced.map(Number)}]`, () => {
      const outShape = shape.map((n, d) => (reduced[d] ? 1 : n));
      let st = 1;
      const outStrides = new Array<number>(shape.length);
      for (let d = shape.length - 1; d >= 0; d--) { outStrides[d] = reduced[d] ? 0 : st; st *= outShape[d]!; }
      const n = shape.reduce((p, v) => p * v, 1);
      const x = randomFloats(n, shape.length * 7 + n, -2, 2);
      const [want, mag] = reduceRef(x, shape, outStrides, st);
      const desc = [shape.length, ...shape, ...outStrides];
      const xp = put(x), dp = put(desc, true), o1 = put(new Float32Array(st)), o2 = put(new Float32Array(st));
      // The contract allows any input split as long as calls run one after another.
      const cut = Math.floor(n / 2) + 1;
      k.f32_reduce_sum!(xp, o1, dp, 0, Math.min(cut, n), 0);
      k.f32_reduce_sum!(xp, o1, dp, Math.min(cut, n), n, 0);
      k.f32_reduce_sum__scalar!(xp, o2, dp, 0, n, 0);
      const tol = sumTol(mag, n);
      expectClose('reduce_sum', read(o1, st), want, 0, tol);
      expectClose('reduce_sum scalar twin', read(o2, st), want, 0, tol);
      free(xp, dp, o1, o2);
    });
  }
});

describe('f32_sum_rows and f32_sum_nchw_channels', () => {
  for (const [rows, cols] of [[1, 1], [3, 17], [64, 35], [5, 100], [200, 4]] as const) {
    it(`sum_rows ${rows}x${cols}`, () => {
      const x = randomFloats(rows * cols, rows + cols, -1, 1);
      const want = Array.from({ length: cols }, (_, j) => { let s = 0; for (let i = 0; i < rows; i++) s += x[i * cols + j]!; return s; });
      const xp = put(x), o1 = put(new Float32Array(cols).fill(NaN)), o2 = put(new Float32Array(cols));
      rt.pool.run('f32_sum_rows', [xp, o1, rows, cols], cols, { grain: 4 });
      k.f32_sum_rows__scalar!(xp, o2, rows, cols, 0, cols, 0);
      expectClose('sum_rows', read(o1, cols), want, 0, rows * 2e-7 + 1e-6);
      expectClose('sum_rows scalar', read(o2, cols), want, 0, rows * 2e-7 + 1e-6);
      free(xp, o1, o2);
    });
  }
  for (const [n, c, hw] of [[1, 1, 1], [2, 3, 49], [4, 16, 9], [3, 5, 1]] as const) {
    it(`sum_nchw_channels ${n}x${c}x${hw}`, () => {
      const x = randomFloats(n * c * hw, n + c + hw, -1, 1);
      const want = Array.from({ length: c }, (_, ch) => {
        let s = 0;
        for (let b = 0; b < n; b++) for (let t = 0; t < hw; t++) s += x[(b * c + ch) * hw + t]!;
        return s;
      });
      const xp = put(x), o1 = put(new Float32Array(c)), o2 = put(new Float32Array(c));
      rt.pool.run('f32_sum_nchw_channels', [xp, o1, n, c, hw], c);
      k.f32_sum_nchw_channels__scalar!(xp, o2, n, c, hw, 0, c, 0);
      expectClose('sum_nchw_channels', read(o1, c), want, 0, n * hw * 2e-7 + 1e-6);
      expectClose('sum_nchw_channels scalar', read(o2, c), want, 0, n * hw * 2e-7 + 1e-6);
      free(xp, o1, o2);
    });
  }
});

// ---- softmax ----

function softmaxRef(row: ArrayLike<number>, log: boolean): number[] {
  const m = Math.max(...Array.from(row));
  const s = Array.from(row).reduce((p, v) => p + Math.exp(v - m), 0);
  return Array.from(row, (v) => (log ? v - m - Math.log(s) : Math.exp(v - m) / s));
}

const SOFTMAX_ROWS: number[][] = [
  [0.5],
  [1, 2, 3],
  [1e4, 1e4 - 1, -1e4, 0, 1e4],
  [-1e30, 0, -1e30, 2, -Infinity, 1],
  [-1e4, -1e4 - 2, -1e4 - 0.5, -1e4 + 1],
  Array.from(randomFloats(17, 61, -5, 5)),
  Array.from(randomFloats(1000, 62, -30, 30)),
];

describe('f32_softmax_rows', () => {
  for (const log of [0, 1]) {
    it(`${log ? 'log-softmax' : 'softmax'} matches float64, rows sum to 1`, () => {
      for (const row of SOFTMAX_ROWS) {
        const cols = row.length, rows = 3;
        const x = Float32Array.from([...row, ...row.map((v) => v - 1), ...row]);
        const xp = put(x), yp = put(x), sp = put(x);
        rt.pool.run('f32_softmax_rows', [xp, yp, rows, cols, log], rows);
        k.f32_softmax_rows__scalar!(xp, sp, rows, cols, log, 0, rows, 0);
        const y = read(yp, rows * cols), s = read(sp, rows * cols);
        for (let r = 0; r < rows; r++) {
          const want = softmaxRef(x.subarray(r * cols, (r + 1) * cols), log === 1);
          const got = y.subarray(r * cols, (r + 1) * cols);
          expectClose(`row of ${cols}`, got, want, 1e-5, log ? 1e-5 : 1e-7);
          expectClose(`scalar twin, row of ${cols}`, s.subarray(r * cols, (r + 1) * cols), want, 1e-5, log ? 1e-5 : 1e-7);
          const total = Array.from(got).reduce((p, v) => p + (log ? Math.exp(v) : v), 0);
          assert.ok(Math.abs(total - 1) < 1e-5, `row of ${cols} sums to ${total}`);
        }
        free(xp, yp, sp);
      }
    });

    it(`${log ? 'log-softmax' : 'softmax'} backward matches central differences`, () => {
      for (const cols of [1, 3, 4, 9]) {
        const x = Array.from(randomFloats(cols, 70 + cols, -3, 3));
        const w = Array.from(randomFloats(cols, 80 + cols, -1, 1)); // dy; the loss is sum w * y
        const h = 1e-6;
        const numeric = x.map((_, j) => {
          const f = (d: number): number => softmaxRef(x.map((v, i) => (i === j ? v + d : v)), log === 1).reduce((p, v, i) => p + w[i]! * v, 0);
          return (f(h) - f(-h)) / (2 * h);
        });
        const xp = put(x), yp = put(x), dyp = put(w), dxp = put(w), sp = put(w);
        k.f32_softmax_rows!(xp, yp, 1, cols, log, 0, 1, 0);
        k.f32_softmax_rows_grad!(yp, dyp, dxp, 1, cols, log, 0, 1, 0);
        k.f32_softmax_rows_grad__scalar!(yp, dyp, sp, 1, cols, log, 0, 1, 0);
        expectClose(`grad of ${cols}`, read(dxp, cols), numeric, 1e-4, 1e-5);
        expectClose(`scalar grad of ${cols}`, read(sp, cols), numeric, 1e-4, 1e-5);
        free(xp, yp, dyp, dxp, sp);
      }
    });
  }
});

describe('f32_softmax_xent', () => {
  for (const smoothing of [0, 0.1]) {
    it(`loss and gradient match float64 with smoothing ${smoothing}`, () => {
      for (const cols of [1, 2, 10, 13, 100]) {
        const rows = 7;
        const x = randomFloats(rows * cols, cols, -6, 6);
        x[2 * cols] = 1e4; // a huge logit must not overflow
        const labels = Array.from({ length: rows }, (_, r) => (r * 5 + 3) % cols);
        const g = 1 / rows;
        const wantLoss: number[] = [], wantDx: number[] = [];
        for (let r = 0; r < rows; r++) {
          const lp = softmaxRef(x.subarray(r * cols, (r + 1) * cols), true);
          const t = lp.map((_, j) => (j === labels[r] ? 1 - smoothing : 0) + smoothing / cols);
          wantLoss.push(-lp.reduce((p, v, j) => p + (t[j]! === 0 ? 0 : t[j]! * v), 0));
          wantDx.push(...lp.map((v, j) => g * (Math.exp(v) - t[j]!)));
        }
        const xp = put(x), lab = put(labels, true), l1 = put(wantLoss), l2 = put(wantLoss), l3 = put(wantLoss);
        const d1 = put(x), d2 = put(x);
        rt.pool.run('f32_softmax_xent', [xp, lab, l1, d1, rows, cols, smoothing, g], rows);
        k.f32_softmax_xent__scalar!(xp, lab, l2, d2, rows, cols, smoothing, g, 0, rows, 0);
        k.f32_softmax_xent!(xp, lab, l3, 0, rows, cols, smoothing, g, 0, rows, 0); // loss only
        expectClose(`loss, ${cols} classes`, read(l1, rows), wantLoss, 1e-5, 2e-6);
        expectClose(`loss (scalar twin), ${cols} classes`, read(l2, rows), wantLoss, 1e-5, 2e-6);
        expectClose(`loss without dx, ${cols} classes`, read(l3, rows), wantLoss, 1e-5, 2e-6);
        expectClose(`dx, ${cols} classes`, read(d1, rows * cols), wantDx, 1e-5, 1e-7);
        expectClose(`dx (scalar twin), ${cols} classes`, read(d2, rows * cols), wantDx, 1e-5, 1e-7);
        free(xp, lab, l1, l2, l3, d1, d2);
      }
    });
  }

  it('writes NaN for a label outside [0, cols)', () => {
    const x = [1, 2, 3, 4, 5, 6], labels = [3, 1];
    const xp = put(x), lab = put(labels, true), lp = put([0, 0]), dp = put(x);
    k.f32_softmax_xent!(xp, lab, lp, dp, 2, 3, 0.1, 1, 0, 2, 0);
    const loss = read(lp, 2), dx = read(dp, 6);
    assert.ok(Number.isNaN(loss[0]!) && dx.subarray(0, 3).every(Number.isNaN), 'row 0 has label 3 of 3 classes');
    assert.ok(Number.isFinite(loss[1]!) && dx.subarray(3).every(Number.isFinite), 'row 1 is valid');
    free(xp, lab, lp, dp);
  });
});

describe('f32_argmax_rows', () => {
  it('first maximum wins, NaN rows give their first NaN', () => {
    const rows = [
      [3, 1, 3, 2], [1, 2, 3, 4, 5, 5, 5], [-Infinity, -Infinity], [7], [0, -0, 0],
      [1, NaN, 9, NaN], Array.from(randomFloats(37, 90)), [2, 2, 2, 2, 2, 2, 2, 2, 9, 9],
    ];
    const want = [0, 4, 0, 0, 0, 1, -1, 8];
    want[6] = rows[6]!.indexOf(Math.max(...rows[6]!));
    rows.forEach((row, r) => {
      const xp = put(row), o1 = put([0]), o2 = put([0]);
      k.f32_argmax_rows!(xp, o1, 1, row.length, 0, 1, 0);
      k.f32_argmax_rows__scalar!(xp, o2, 1, row.length, 0, 1, 0);
      assert.equal(rt.heap.i32(o1, 1)[0], want[r], `row ${r}: [${row}]`);
      assert.equal(rt.heap.i32(o2, 1)[0], want[r], `scalar twin, row ${r}`);
      free(xp, o1, o2);
    });
  });

  it('many rows on the thread pool', () => {
    const rows = 301, cols = 10;
    const x = randomFloats(rows * cols, 91);
    const xp = put(x), op = put(new Int32Array(rows), true);
    rt.pool.run('f32_argmax_rows', [xp, op, rows, cols], rows);
    const got = Array.from(rt.heap.i32(op, rows));
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
      assert.equal(got[r], row.indexOf(Math.max(...row)), `row ${r}`);
    }
    free(xp, op);
  });
});

describe('f32_copy_rows', () => {
  it('copies strided and packed blocks', () => {
    const src = randomFloats(6 * 10, 95);
    const sp = put(src), dp = put(new Float32Array(6 * 8).fill(-1));
    // Columns 2..6 of a 6x10 matrix into columns 3..7 of a 6x8 one.
    rt.pool.run('f32_copy_rows', [sp + 2 * 4, 10, dp + 3 * 4, 8, 5], 6);
    const dst = read(dp, 48);
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 8; c++) {
        assert.equal(dst[r * 8 + c], c >= 3 ? src[r * 10 + c - 1] : -1, `strided [${r}][${c}]`);
      }
    }
    const pp = put(new Float32Array(60));
    k.f32_copy_rows!(sp, 10, pp, 10, 10, 1, 5, 0);
    const packed = read(pp, 60);
    assert.deepEqual(Array.from(packed.subarray(10, 50)), Array.from(src.subarray(10, 50)));
    assert.ok(packed.subarray(0, 10).every((v) => v === 0) && packed.subarray(50).every((v) => v === 0), 'rows outside the range untouched');
    free(sp, dp, pp);
  });
});
