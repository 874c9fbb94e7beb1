/**
 * Failures inside a parallel kernel: a worker's error text reaches the caller, and a failure
 * on the calling thread is rethrown only after the workers have left their slices (the
 * caller frees the kernel's buffers as the error unwinds). Each test runs its own pool over
 * its own memory, with the calling thread's kernel wrapped to order events between threads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError, ThreadPool } from '../../src/kernels/pool.js';

type Kernel = (...args: number[]) => number;

function wasmBytes(): Uint8Array<ArrayBuffer> {
  const override = process.env['PRUNEQUANT_WASM'];
  return new Uint8Array(readFileSync(override !== undefined && override !== '' ? override : join('build', 'kernels.wasm')));
}

/** A two-thread pool whose calling thread runs `wrap(real f32_fill_range)` instead of the kernel. */
function poolWithWrappedFill(pages: number, wrap: (real: Kernel, pool: () => ThreadPool) => Kernel) {
  const module = new WebAssembly.Module(wasmBytes());
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 32768, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('abort'); }, seed: () => 0 } });
  const exports = { ...instance.exports } as Record<string, unknown>;
  let pool: ThreadPool | undefined;
  exports['f32_fill_range'] = wrap(instance.exports['f32_fill_range'] as Kernel, () => pool!);
  pool = new ThreadPool(module, memory, exports, 2);
  return { pool, memory };
}

function spinUntil(done: () => boolean, what: string): void {
  const deadline = Date.now() + 10_000;
  while (!done()) if (Date.now() > deadline) throw new Error(`test: timed out waiting for ${what}`);
}

test("a worker's error message reaches the caller, with the thread and its slice", async () => {
  const n = 1024;
  // The calling thread waits for the worker to finish (fail) its slice, so it never steals it.
  const { pool, memory } = poolWithWrappedFill(256, (real, pool) => (...a) => {
    if (a[2] === 0) spinUntil(() => pool().pending === 0, 'the worker');
    return real(...a);
  });
  try {
    // Slice [0, n) ends exactly at the end of memory; the worker's [n, 2n) lies past it and traps.
    const outPtr = memory.buffer.byteLength - n * 4;
    assert.throws(() => pool.run('f32_fill_range', [outPtr, 1], 2 * n), (e: unknown) => {
      assert.ok(e instanceof KernelError, `expected a KernelError, got ${String(e)}`);
      assert.match(e.message, /f32_fill_range failed in worker thread 1 on \[1024, 2048\) of \[0, 2048\): RuntimeError: memory access out of bounds/);
      return true;
    });
    assert.equal(pool.pending, 0);
    // The pool still works after a failed job, and a later job does not report the old error.
    pool.run('f32_fill_range', [0, 2], 2 * n);
    assert.equal(new Float32Array(memory.buffer, 0, 2 * n).every((v) => v === 2), true);
  } finally {
    await pool.terminate();
  }
});

test("an error on the calling thread's slice is rethrown only after the worker's slice is done", async () => {
  const n = 1 << 22; // 16 MiB per slice: the worker is still writing when the caller fails
  const { pool, memory } = poolWithWrappedFill(1024 + 16, (real) => (...a) => {
    if (a[2] !== 0) return real(...a);
    // Fail once the worker has started writing its slice (its first float is 7).
    spinUntil(() => new Float32Array(memory.buffer, 4 * n, 1)[0] === 7, 'the worker to start');
    throw new Error('calling-thread slice failed');
  });
  try {
    assert.throws(() => pool.run('f32_fill_range', [0, 7], 2 * n), /calling-thread slice failed/);
    assert.equal(pool.pending, 0, 'a worker is still inside the failed job');
    const last = new Float32Array(memory.buffer, 4 * (2 * n - 1), 1)[0];
    assert.equal(last, 7, "run() returned before the worker finished its slice");
  } finally {
    await pool.terminate();
  }
});
