/**
 * The thread pool: every thread gets its own slice, results are complete, and a wake-up
 * that carries no new job (a late notify) does not run the last job twice — which would
 * drive the pending counter negative and hang run() forever.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnaryOp, setThreads, wasm } from '../../src/kernels/index.js';

setThreads(2);

test('parallel fill covers [0, total) exactly once across threads', () => {
  const rt = wasm();
  const n = 1003;
  const p = rt.heap.alloc(n * 4);
  rt.heap.f32(p, n).fill(-1);
  rt.pool.run('f32_fill_range', [p, 7], n, { grain: 4 });
  assert.ok(rt.heap.f32(p, n).every((v) => v === 7));
  rt.heap.free(p);
});

test('spurious wake-ups between jobs neither rerun a job nor hang', async () => {
  const rt = wasm();
  const n = 4096;
  const p = rt.heap.alloc(n * 4);
  for (let i = 0; i < 300; i++) {
    rt.pool.run('f32_fill_range', [p, i], n, { grain: 4 });
    rt.pool.wakeWithoutJob();
    // Let the woken worker run: if it reran job i it would decrement 'pending' below 0,
    // and a later job's count would never reach 0.
    if (i % 20 === 0) {
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(rt.pool.pending, 0, `after a spurious wake-up following job ${i}`);
    }
    const v = rt.heap.f32(p, n);
    assert.ok(v[0] === i && v[n - 1] === i, `job ${i}: got ${v[0]} / ${v[n - 1]}`);
  }
  rt.heap.free(p);
});

test('a kernel name that does not exist is a KernelError naming it', () => {
  assert.throws(() => wasm().pool.run('no_such_kernel', [], 10), /no kernel named no_such_kernel/);
});

test('changing the thread count twice keeps the pool working', () => {
  for (const t of [1, 2, 1, 2]) {
    setThreads(t);
    const rt = wasm();
    assert.equal(rt.pool.threads, t);
    const n = 257;
    const p = rt.heap.alloc(n * 4);
    rt.pool.run('f32_fill_range', [p, t + 0.5], n, { grain: 4 });
    assert.ok(rt.heap.f32(p, n).every((v) => v === t + 0.5), `threads ${t}`);
    rt.heap.free(p);
  }
});

test('many back-to-back jobs, some stolen by the caller, all complete with the right values', () => {
  setThreads(2);
  const rt = wasm();
  const n = 2048;
  const p = rt.heap.alloc(n * 4);
  const src = rt.heap.alloc(n * 4);
  rt.heap.f32(src, n).fill(1);
  for (let i = 0; i < 60000; i++) {
    // Alternate work sizes, so that some slices are stolen by the caller and some are not,
    // and alternate kernels, so that a worker running one job's kernel with another job's
    // arguments shows up as a wrong value or a trap.
    const total = i % 3 === 0 ? n : 64 + (i % 7) * 8;
    if (i % 2 === 0) rt.pool.run('f32_fill_range', [p, i], total, { grain: 4 });
    else rt.pool.run('f32_unary', [UnaryOp.Scale, src, p, i], total, { grain: 4 });
    const v = rt.heap.f32(p, total);
    if (v[0] !== i || v[total - 1] !== i) assert.fail(`job ${i} (total ${total}): got ${v[0]} / ${v[total - 1]}`);
    assert.equal(rt.pool.pending, 0);
  }
  rt.heap.free(p);
  rt.heap.free(src);
});
