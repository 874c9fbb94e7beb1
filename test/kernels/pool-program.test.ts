/**
 * Recorded programs (pool-program.ts, KernelProgram): a replay runs the same kernel calls on
 * whatever the buffers hold now, descriptors written during recording keep their own values,
 * a recording with a direct call is refused, many back-to-back replays with spurious wake-ups
 * neither hang nor lose a slice, and a failing call in a replay is an error naming it that
 * leaves the pool usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryOp, KernelProgram, call, parallel, setThreads, wasm, writeDescriptor } from '../../src/kernels/index.js';
import { KernelError, ThreadPool } from '../../src/kernels/pool.js';
import { encodeProgram, programLayout } from '../../src/kernels/pool-program.js';

setThreads(2);

/** z = (a + b) + a over n floats, through two parallel adds with their own descriptors. */
function addTwice(a: number, b: number, y: number, z: number, n: number): void {
  parallel('f32_binary', [BinaryOp.Add, a, b, y, writeDescriptor([1, n, 1, 1])], n, { grain: 16, minPerThread: 16 });
  // A second descriptor in the shared block: a replay must still see the first one's n.
  parallel('f32_binary', [BinaryOp.Add, y, a, z, writeDescriptor([1, n - 16, 1, 1])], n - 16, { grain: 16, minPerThread: 16 });
}

test('a replay recomputes from the current buffers, and each descriptor keeps its recorded values', () => {
  const rt = wasm();
  const n = 1000;
  const [a, b, y, z] = [0, 1, 2, 3].map(() => rt.heap.alloc(4 * n));
  const fill = (seed: number) => {
    rt.heap.f32(a!, n).forEach((_, i, v) => (v[i] = (i % 13) * seed));
    rt.heap.f32(b!, n).forEach((_, i, v) => (v[i] = -i * 0.5 + seed));
    rt.heap.f32(z!, n).fill(-7);
  };
  const check = (seed: number, what: string) => {
    const out = rt.heap.f32(z!, n);
    for (let i = 0; i < n; i++) {
      const want = i < n - 16 ? Math.fround(Math.fround((i % 13) * seed + (-i * 0.5 + seed)) + (i % 13) * seed) : -7;
      assert.equal(out[i], want, `${what}: z[${i}]`);
    }
  };
  fill(1);
  const program = KernelProgram.record(() => addTwice(a!, b!, y!, z!, n));
  assert.ok(program !== null);
  check(1, 'recording run');
  for (const seed of [2, 3, 5]) {
    fill(seed);
    writeDescriptor([1, 3, 1, 1]); // overwrite the shared descriptor block
    program.run();
    check(seed, `replay ${seed}`);
  }
  program.dispose();
  assert.throws(() => program.run(), /after dispose/);
  [a, b, y, z].forEach((p) => rt.heap.free(p!));
});

test('a recording that makes a direct kernel call is refused, after running its body once', () => {
  const rt = wasm();
  const p = rt.heap.alloc(4 * 64);
  const program = KernelProgram.record(() => {
    parallel('f32_fill_range', [p, 3], 64, { grain: 4 });
    call('f32_fill_range', p, 4, 0, 8, 0);
  });
  assert.equal(program, null);
  const v = rt.heap.f32(p, 64);
  assert.deepEqual([v[0], v[7], v[8], v[63]], [4, 4, 3, 3]);
  rt.heap.free(p);
});

test('thousands of replays with spurious wake-ups between them complete every slice and leave nothing pending', async () => {
  const rt = wasm();
  const n = 4096;
  const p = rt.heap.alloc(4 * n), v = rt.heap.alloc(4);
  // fill p with the value at v (read at run time through a 1-element add): p = v + 0
  const zero = rt.heap.alloc(4 * n);
  rt.heap.f32(zero, n).fill(0);
  const program = KernelProgram.record(() => {
    for (let k = 0; k < 4; k++) parallel('f32_binary', [BinaryOp.Add, zero, v, p, writeDescriptor([2, 1, n, 1, 0, 0, 0])], n, { grain: 4 });
  })!;
  for (let i = 0; i < 2000; i++) {
    rt.heap.f32(v, 1)[0] = i;
    program.run();
    if (i % 3 === 0) rt.pool.wakeWithoutJob();
    if (i % 400 === 0) await new Promise((r) => setTimeout(r, 2));
    const out = rt.heap.f32(p, n);
    assert.ok(out[0] === i && out[n >> 1] === i && out[n - 1] === i, `replay ${i}: ${out[0]}, ${out[n >> 1]}, ${out[n - 1]}`);
  }
  assert.equal(rt.pool.pending, 0);
  program.dispose();
  [p, v, zero].forEach((x) => rt.heap.free(x));
});

test('a program recorded before the pool restarts is no longer valid', () => {
  const rt = wasm();
  const p = rt.heap.alloc(4 * 64);
  const program = KernelProgram.record(() => parallel('f32_fill_range', [p, 1], 64, { grain: 4 }))!;
  assert.equal(program.valid, true);
  setThreads(1);
  assert.equal(program.valid, false);
  assert.throws(() => program.run(), /restarted pool/);
  setThreads(2);
  program.dispose();
  rt.heap.free(p);
});

test("a call that fails in a worker during a replay is a KernelError naming it; the pool keeps working", async () => {
  const module = new WebAssembly.Module(readFileSync(process.env['PRUNEQUANT_WASM'] || join('build', 'kernels.wasm')));
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 32768, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('abort'); }, seed: () => 0 } });
  const pool = new ThreadPool(module, memory, instance.exports as Record<string, unknown>, 2);
  try {
    const n = 1024, end = memory.buffer.byteLength;
    const fill = pool.kernelIndex('f32_fill_range');
    // Call 0 is fine; call 1's second slice lies past the end of memory and traps, on whichever thread runs it.
    const calls = [
      { fnIndex: fill, args: [0, 1], slices: [[0, n, 0], [n, 2 * n, 0]] as const },
      { fnIndex: fill, args: [end - 4 * n, 2], slices: [[0, n, 0], [n, 2 * n, 0]] as const },
    ];
    const ptr = 1 << 20;
    encodeProgram(memory.buffer, ptr, 1, 2, calls);
    assert.ok(programLayout(calls, 2).bytes < 4096);
    assert.throws(() => pool.runProgram(memory, ptr, ['first fill', 'second fill']), (e: unknown) => {
      assert.match(String(e), /memory access out of bounds/);
      if (e instanceof KernelError) assert.match(e.message, /second fill \(call 1 of a recorded program\) failed in worker thread 1/);
      return true;
    });
    assert.equal(pool.pending, 0);
    assert.equal(new Float32Array(memory.buffer, 0, 2 * n).every((x) => x === 1), true, 'call 0 ran whole');
    // The same pool runs a good program and a plain job afterwards, without the old error.
    encodeProgram(memory.buffer, ptr, 2, 2, [{ fnIndex: fill, args: [0, 5], slices: [[0, n, 0], [n, 2 * n, 0]] }]);
    pool.runProgram(memory, ptr, ['fill']);
    assert.equal(new Float32Array(memory.buffer, 0, 2 * n).every((x) => x === 5), true);
    pool.run('f32_fill_range', [0, 6], 2 * n);
    assert.equal(new Float32Array(memory.buffer, 0, 2 * n).every((x) => x === 6), true);
  } finally {
    await pool.terminate();
  }
});
