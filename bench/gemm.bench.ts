// f32 GEMM throughput on one thread, for the shapes the conv and linear layers run.
// Prints one line per shape: the blocked SIMD GEMM's GFLOP/s, the scalar twin's, and
// onnxruntime-node's Gemm (same transposes, one intra-op thread) measured in the same run
// as the anchor. ORT's figure includes its per-run call overhead (tens of microseconds),
// which dominates the smallest shapes. Measures only; asserts nothing (STYLE.md §11).
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { wasm, setThreads } from '../src/kernels/index.js';
import { encodeOnnxModel, makeGraph, makeModel, makeNode, makeValueInfo } from '../src/io/index.js';

interface Shape { what: string; tA: 0 | 1; tB: 0 | 1; m: number; n: number; k: number }

const SHAPES: Shape[] = [
  { what: 'square', tA: 0, tB: 0, m: 256, n: 256, k: 256 },
  { what: 'conv1 fwd (28x28, 3x3x1)', tA: 0, tB: 0, m: 32, n: 784, k: 9 },
  { what: 'conv2 fwd (24x24, 3x3x32)', tA: 0, tB: 0, m: 64, n: 576, k: 288 },
  { what: 'conv2 weight-grad', tA: 0, tB: 1, m: 64, n: 288, k: 576 },
  { what: 'conv2 data-grad', tA: 1, tB: 0, m: 288, n: 576, k: 64 },
  { what: 'fc1 fwd', tA: 0, tB: 0, m: 64, n: 128, k: 9216 },
  { what: 'fc1 weight-grad', tA: 1, tB: 0, m: 9216, n: 128, k: 64 },
  { what: 'fc1 data-grad', tA: 0, tB: 1, m: 64, n: 9216, k: 128 },
  { what: 'LeNet conv1 fwd', tA: 0, tB: 0, m: 6, n: 784, k: 25 },
];

/** Best seconds per call over several timed batches, each about `batchSeconds` long. */
function secondsPerCall(fn: () => void, batchSeconds: number): number {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= batchSeconds / 4) { reps = Math.max(1, Math.ceil((reps * batchSeconds) / dt)); break; }
    reps *= 2;
  }
  let best = Infinity;
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}

/** Seconds per onnxruntime-node Gemm run on the same operands, one intra-op thread. */
async function ortSecondsPerCall(s: Shape, a: Float32Array, b: Float32Array): Promise<number> {
  const aDims = s.tA ? [s.k, s.m] : [s.m, s.k], bDims = s.tB ? [s.n, s.k] : [s.k, s.n];
  const graph = makeGraph({
    nodes: [makeNode('Gemm', ['A', 'B'], ['C'], { transA: s.tA, transB: s.tB })],
    inputs: [makeValueInfo('A', aDims), makeValueInfo('B', bDims)],
    outputs: [makeValueInfo('C', [s.m, s.n])],
  });
  const session = await ort.InferenceSession.create(encodeOnnxModel(makeModel(graph, { opset: 17 })), {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3,
  });
  const feeds = { A: new ort.Tensor('float32', a.slice(), aDims), B: new ort.Tensor('float32', b.slice(), bDims) };
  await session.run(feeds);
  let reps = 1, best = Infinity;
  for (let round = 0; round < 8; round++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await session.run(feeds);
    const dt = (performance.now() - t0) / 1000;
    best = Math.min(best, dt / reps);
    if (dt < 0.05) reps *= 2;
  }
  await session.release();
  return best;
}

async function main(): Promise<void> {
  setThreads(1);
  const { kernels, heap } = wasm();
  const scratchPtr = heap.alloc(kernels.f32_gemm_scratch_bytes!());
  for (const s of SHAPES) {
    const lda = s.tA === 0 ? s.k : s.m, ldb = s.tB === 0 ? s.n : s.k, ldc = s.n;
    const aPtr = heap.alloc(s.m * s.k * 4), bPtr = heap.alloc(s.k * s.n * 4), cPtr = heap.alloc(s.m * s.n * 4);
    const a = heap.f32(aPtr, s.m * s.k), b = heap.f32(bPtr, s.k * s.n);
    for (let i = 0; i < a.length; i++) a[i] = Math.sin(i) * 0.5;
    for (let i = 0; i < b.length; i++) b[i] = Math.cos(i) * 0.5;
    heap.f32(cPtr, s.m * s.n).fill(0);
    const args = [s.tA, s.tB, s.m, s.n, s.k, 1, aPtr, lda, bPtr, ldb, 0, cPtr, ldc, scratchPtr];
    const gemm = kernels.f32_gemm!, scalar = kernels.f32_gemm__scalar!;
    const flops = 2 * s.m * s.n * s.k;
    const fast = secondsPerCall(() => gemm(...args), 0.25);
    const slow = secondsPerCall(() => scalar(...args), 0.1);
    const anchor = await ortSecondsPerCall(s, heap.f32(aPtr, s.m * s.k), heap.f32(bPtr, s.k * s.n));
    const trans = `${s.tA ? 'T' : 'N'}${s.tB ? 'T' : 'N'}`;
    console.log(
      `f32_gemm ${trans} m=${s.m} n=${s.n} k=${s.k} (${s.what}): ${(flops / fast / 1e9).toFixed(2)} GFLOP/s, ` +
      `${(fast * 1e6).toFixed(1)} us; f32_gemm__scalar ${(flops / slow / 1e9).toFixed(2)} GFLOP/s; ` +
      `speedup ${(slow / fast).toFixed(1)}x; onnxruntime-node Gemm ${(flops / anchor / 1e9).toFixed(2)} GFLOP/s, ours/ORT ${(anchor / fast).toFixed(2)}x`,
    );
    for (const p of [aPtr, bPtr, cPtr]) heap.free(p);
  }
  heap.free(scratchPtr);
}

await main();
