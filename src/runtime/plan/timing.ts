/**
 * How the runtime measures its choices (a layer's kernels, uint8 or float32 activations, how a
 * batch is split among threads), and the deterministic data it measures them on.
 */
import { planesOf, type Value } from './values.js';
import { wasm } from '../../kernels/index.js';

/**
 * Best time, in milliseconds, of each candidate. The candidates take turns, one run each per
 * round, so a burst of load on a shared machine slows every candidate alike instead of deciding
 * against whichever was being timed then. A first round warms up (first touch of scratch, JIT,
 * a recording) and is not counted; then `runs` rounds, or with `budgetMs` more (up to
 * `maxRuns`) while all rounds so far took under it: a batch of a small model is a fraction of
 * a millisecond, where one descheduling decides a single run.
 */
export function timeByTurns(candidates: readonly (() => void)[], opts: { runs: number; maxRuns?: number; budgetMs?: number }): number[] {
  const best = candidates.map(() => Infinity);
  const start = performance.now();
  const more = (r: number) => r <= opts.runs || (r <= (opts.maxRuns ?? opts.runs) && performance.now() - start < (opts.budgetMs ?? 0));
  for (let r = 0; more(r); r++) {
    candidates.forEach((run, i) => {
      const t0 = performance.now();
      run();
      if (r > 0) best[i] = Math.min(best[i]!, performance.now() - t0);
    });
  }
  return best;
}

/** `count` deterministic values in [0, 1): the range raw pixels come in. */
export function samplePixels(count: number): Float32Array {
  let s = 0x2545f491;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 16777216;
  });
}

/** A deterministic batch in a value's buffer, for timing the kernels on realistic activations. */
export function writeSampleInput(input: Value, capacity: number): void {
  const heap = wasm().heap;
  const x = samplePixels(capacity * input.size);
  if (input.dtype === 'f32') {
    heap.f32(input.ptr, x.length).set(x.map((v) => v * 2 - 0.5));
    return;
  }
  const codes = Array.from(x, (v) => Math.floor(v * 256));
  const f = input.frame;
  if (!f) {
    heap.u8(input.ptr, codes.length).set(codes);
    return;
  }
  // Inside the frame only: its halo keeps the zero point.
  const [c, h, w] = input.shape, p = planesOf(input), bytes = heap.u8(input.ptr, input.stride * capacity);
  for (let plane = 0; plane < capacity * c; plane++) {
    for (let r = 0; r < h; r++) bytes.set(codes.slice((plane * h + r) * w, (plane * h + r + 1) * w), p.ptr - input.ptr + plane * p.ld + r * p.ldRow);
  }
}
