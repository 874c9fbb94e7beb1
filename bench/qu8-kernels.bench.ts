// 8-bit inference kernels on one thread, on the Keras MNIST CNN's two heavy layers:
//   conv2: 32 -> 64 channels, 3x3, 26x26 -> 24x24, batch 32 (10.6 MMAC per image)
//   fc1:   9216 -> 128, batch 32 and batch 1
// Lines: the dense int8 drivers (qu8_conv2d, qu8_linear), the sparse int8 kernel (qu8_spmm,
// direct conv over the image / x^T for fc1) at 50-95% random sparsity, the float32 sparse
// twin (f32_spmm_32x1) where the build has it, and the float32 dense anchors measured in the
// same run: f32_conv2d_fwd for conv2 and f32_gemm for fc1. GOP/s counts a multiply-add as
// two operations: "real" over the nonzeros a kernel multiplies, "eff" as if the layer were
// dense. Every figure is the best of eleven timed batches. Measures only (STYLE.md §11).
//
//   node --import tsx bench/qu8-kernels.bench.ts
import { performance } from 'node:perf_hooks';
import { wasm, setThreads } from '../src/kernels/index.js';

const SPARSITIES = [0.5, 0.7, 0.8, 0.9, 0.95];

/** Best seconds per call over eleven batches of about batchSeconds each (other load only slows a batch down). */
function secondsPerCall(fn: () => void, batchSeconds = 0.1): number {
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
  for (let b = 0; b < 11; b++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const { kernels, heap } = wasm();

function allocBytes(data: Uint8Array | Int8Array, slack = 64): number {
  const p = heap.alloc(data.length + slack);
  heap.u8(p, data.length + slack).fill(0);
  heap.u8(p, data.length).set(new Uint8Array(data.buffer, data.byteOffset, data.length));
  return p;
}
function allocI32(data: ArrayLike<number>): number {
  const p = heap.alloc(Math.max(4, data.length * 4));
  heap.i32(p, data.length).set(data);
  return p;
}
function allocF32(data: ArrayLike<number>): number {
  const p = heap.alloc(Math.max(4, data.length * 4));
  heap.f32(p, data.length).set(data);
  return p;
}

interface Line { kernel: string; layer: string; sparsity: number; seconds: number; macs: number; denseMacs: number; anchor?: number }
const lines: Line[] = [];

function report(l: Line): void {
  lines.push(l);
  const real = (2 * l.macs) / l.seconds / 1e9, eff = (2 * l.denseMacs) / l.seconds / 1e9;
  const vs = l.anchor !== undefined ? `  x${(l.anchor / l.seconds).toFixed(2)} vs f32 dense` : '';
  console.log(`${l.layer.padEnd(12)} ${l.kernel.padEnd(26)} ${(`${Math.round(l.sparsity * 100)}%`).padStart(4)} ` +
    `${(l.seconds * 1e3).toFixed(3).padStart(9)} ms  real ${real.toFixed(1).padStart(6)} GOP/s  eff ${eff.toFixed(1).padStart(6)} GOP/s${vs}`);
}

/** CSR of a rows x k random mask at the given sparsity with 8-bit codes; offsets from k. */
function randomSparse(rows: number, k: number, sparsity: number, offsetOf: (j: number) => number, seed: number) {
  const r = lcg(seed);
  const rowPtr = [0], offsets: number[] = [], cols: number[] = [], codes: number[] = [], rowSum: number[] = [];
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      if (r() < sparsity) continue;
      let v = Math.round((r() - 0.5) * 254);
      if (v === 0) v = 1;
      offsets.push(offsetOf(j)); cols.push(j); codes.push(v); s += v;
    }
    rowPtr.push(offsets.length);
    rowSum.push(s);
  }
  let maxRow = 0;
  for (let i = 0; i < rows; i++) maxRow = Math.max(maxRow, rowPtr[i + 1]! - rowPtr[i]!);
  return { rowPtr, offsets, cols, codes, rowSum, nnz: offsets.length, maxRow };
}

function conv2(): void {
  const n = 32, c = 32, h = 26, w = 26, oc = 64, kh = 3, kw = 3, oh = 24, ow = 24, kk = c * kh * kw;
  const denseMacs = n * oc * kk * oh * ow;
  const r = lcg(1);
  const xq = Uint8Array.from({ length: n * c * h * w }, () => Math.floor(r() * 256));
  const wq = Int8Array.from({ length: oc * kk }, () => Math.round((r() - 0.5) * 254));
  const mult = allocF32(new Float32Array(oc).fill(0.002)), off = allocF32(new Float32Array(oc).fill(100));
  const xPtr = allocBytes(xq);

  // float32 dense anchor: the existing im2col + GEMM convolution.
  const xf = allocF32(Float32Array.from(xq, (v) => (v - 3) * 0.02)), wf = allocF32(Float32Array.from(wq, (v) => v * 0.01));
  const bf = allocF32(new Float32Array(oc)), yf = heap.alloc(n * oc * oh * ow * 4);
  const fScratch = heap.alloc(kernels.f32_conv2d_scratch_bytes!(c, oc, oh, ow, kh, kw, 1, 0));
  const f32Seconds = secondsPerCall(() => kernels.f32_conv2d_fwd!(xf, wf, bf, yf, n, c, h, w, oc, oh, ow, kh, kw, 1, 1, 0, 0, 1, 1, 1, 0, n, fScratch));
  report({ kernel: 'f32_conv2d_fwd', layer: 'conv2 b32', sparsity: 0, seconds: f32Seconds, macs: denseMacs, denseMacs, anchor: f32Seconds });

  const packed = heap.alloc(kernels.qu8_gemm_packed_w_bytes!(oc, kk));
  kernels.qu8_gemm_pack_w!(oc, kk, allocBytes(wq, 0), packed);
  const yq = heap.alloc(n * oc * oh * ow * 4);
  const qScratch = heap.alloc(kernels.qu8_conv2d_scratch_bytes!(c, oh, ow, kh, kw));
  for (const [kind, name] of [[0, 'qu8_conv2d (u8 out)'], [1, 'qu8_conv2d (f32 out)']] as const) {
    const s = secondsPerCall(() => kernels.qu8_conv2d!(xPtr, packed, yq, c, h, w, oc, oh, ow, kh, kw, 1, 1, 0, 0, 1, 1,
      3, mult, off, kind, 0, 255, 0, n, qScratch));
    report({ kernel: name, layer: 'conv2 b32', sparsity: 0, seconds: s, macs: denseMacs, denseMacs, anchor: f32Seconds });
  }

  for (const sparsity of SPARSITIES) {
    const sp = randomSparse(oc, kk, sparsity, (j) => {
      const ic = Math.floor(j / 9), t = j % 9;
      return ic * h * w + Math.floor(t / 3) * w + (t % 3);
    }, 7);
    const macs = n * sp.nnz * oh * ow;
    const rowPtr = allocI32(sp.rowPtr), offs = allocI32(sp.offsets), vals = allocBytes(Int8Array.from(sp.codes), 0);
    const sums = allocI32(sp.rowSum), scratch = heap.alloc(kernels.qu8_spmm_scratch_bytes!(sp.maxRow));
    const s = secondsPerCall(() => kernels.qu8_spmm!(oc, oh, ow, w, rowPtr, offs, vals, sums, 3, mult, off, 0, 0, 255,
      xPtr, c * h * w, yq, oh * ow, ow, oc * oh * ow, 0, 0, n * oc, scratch));
    report({ kernel: 'qu8_spmm', layer: 'conv2 b32', sparsity, seconds: s, macs, denseMacs, anchor: f32Seconds });
    if (kernels.f32_spmm_32x1) {
      const fOffs = allocI32(sp.offsets), fVals = allocF32(sp.codes.map((v) => v * 0.01));
      const fs = secondsPerCall(() => kernels.f32_spmm_32x1!(oc, oh, ow, w, rowPtr, fOffs, fVals, bf, -Infinity, Infinity,
        xf, c * h * w, yf, oh * ow, oc * oh * ow, 0, n * oc, 0));
      report({ kernel: 'f32_spmm_32x1', layer: 'conv2 b32', sparsity, seconds: fs, macs, denseMacs, anchor: f32Seconds });
      heap.free(fOffs); heap.free(fVals);
    }
    for (const p of [rowPtr, offs, vals, sums, scratch]) heap.free(p);
  }
}

function fc1(batch: number): void {
  const inF = 9216, outF = 128;
  const layer = `fc1 b${batch}`;
  const denseMacs = batch * inF * outF;
  const r = lcg(2 + batch);
  const xq = Uint8Array.from({ length: batch * inF }, () => Math.floor(r() * 256));
  const wq = Int8Array.from({ length: outF * inF }, () => Math.round((r() - 0.5) * 254));
  const mult = allocF32(new Float32Array(outF).fill(0.0005)), off = allocF32(new Float32Array(outF).fill(100));

  // float32 dense anchor: y[b][o] = x[b] . W[o], the blocked f32 GEMM with W transposed.
  const xf = allocF32(Float32Array.from(xq, (v) => v * 0.01)), wf = allocF32(Float32Array.from(wq, (v) => v * 0.01));
  const yf = heap.alloc(batch * outF * 4), fScratch = heap.alloc(kernels.f32_gemm_scratch_bytes!());
  const f32Seconds = secondsPerCall(() => kernels.f32_gemm!(0, 1, batch, outF, inF, 1, xf, inF, wf, inF, 0, yf, outF, fScratch));
  report({ kernel: 'f32_gemm', layer, sparsity: 0, seconds: f32Seconds, macs: denseMacs, denseMacs, anchor: f32Seconds });

  const packed = heap.alloc(kernels.qu8_gemm_packed_w_bytes!(outF, inF));
  kernels.qu8_gemm_pack_w!(outF, inF, allocBytes(wq, 0), packed);
  const xPtr = allocBytes(xq), yq = heap.alloc(batch * outF * 4);
  const qScratch = heap.alloc(kernels.qu8_linear_scratch_bytes!(batch, inF));
  const s = secondsPerCall(() => kernels.qu8_linear!(xPtr, batch, inF, outF, packed, 3, mult, off, 0, 0, 255, yq, 0, outF, qScratch));
  report({ kernel: 'qu8_linear', layer, sparsity: 0, seconds: s, macs: denseMacs, denseMacs, anchor: f32Seconds });

  // The sparse kernel reads x^T [in][batch] (its output is y^T [out][batch]).
  const xt = new Uint8Array(inF * batch);
  for (let b = 0; b < batch; b++) for (let i = 0; i < inF; i++) xt[i * batch + b] = xq[b * inF + i]!;
  const xtPtr = allocBytes(xt);
  const xtf = allocF32(Float32Array.from(xt, (v) => v * 0.01));
  for (const sparsity of SPARSITIES) {
    const sp = randomSparse(outF, inF, sparsity, (j) => j * batch, 11);
    const macs = batch * sp.nnz;
    const rowPtr = allocI32(sp.rowPtr), offs = allocI32(sp.offsets), vals = allocBytes(Int8Array.from(sp.codes), 0);
    const sums = allocI32(sp.rowSum), scratch = heap.alloc(kernels.qu8_spmm_scratch_bytes!(sp.maxRow));
    const t = secondsPerCall(() => kernels.qu8_spmm!(outF, 1, batch, 0, rowPtr, offs, vals, sums, 3, mult, off, 0, 0, 255,
      xtPtr, inF * batch, yq, batch, batch, outF * batch, 0, 0, outF, scratch));
    report({ kernel: 'qu8_spmm', layer, sparsity, seconds: t, macs, denseMacs, anchor: f32Seconds });
    if (kernels.f32_spmm_32x1) {
      const fVals = allocF32(sp.codes.map((v) => v * 0.01));
      const fs = secondsPerCall(() => kernels.f32_spmm_32x1!(outF, 1, batch, 0, rowPtr, offs, fVals, 0, -Infinity, Infinity,
        xtf, inF * batch, yf, batch, outF * batch, 0, outF, 0));
      report({ kernel: 'f32_spmm_32x1', layer, sparsity, seconds: fs, macs, denseMacs, anchor: f32Seconds });
      heap.free(fVals);
    }
    for (const p of [rowPtr, offs, vals, sums, scratch]) heap.free(p);
  }
}

setThreads(1);
console.log('8-bit kernels, 1 thread (best of 11). real = over multiplied nonzeros, eff = as if dense.');
conv2();
fc1(32);
fc1(1);
