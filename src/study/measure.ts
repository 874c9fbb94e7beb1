/**
 * Stage 6's measurements of a chosen model, all on its `.pqm` file as deployed: size on disk,
 * test accuracy and latency in the runtime's Session (raw pixels in [0, 1]: the file holds the
 * normalisation), per-layer sparsity and bits, and weight histograms against the baseline.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Dataset } from '../data/index.js';
import { threadCount } from '../kernels/index.js';
import { Session, decodePqm, weightValues, type DeployModel, type WeightTensor } from '../runtime/index.js';
import { weightHistogram } from '../report/index.js';
import type { ChosenModel } from './results.js';

export interface MeasureOptions {
  batch1Runs: number;
  batch32Seconds: number;
}

function weightTensors(model: DeployModel): { name: string; weight: WeightTensor }[] {
  return model.nodes.flatMap((n) => ('weight' in n && n.weight ? [{ name: n.name, weight: n.weight as WeightTensor }] : []));
}

/** Every non-zero weight of the model, in node order. */
function nonzeroValues(model: DeployModel): Float32Array {
  const parts = weightTensors(model).map(({ weight }) => weightValues(weight).filter((v) => v !== 0));
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Histograms of the non-zero weights of the baseline (`before`) and of `model` (`after`) over the
 * same bins (report's weightHistogram): zeros are left out, or a pruned model's spike at 0 would
 * hide every other bar.
 */
export function nonzeroHistogram(baseline: DeployModel, model: DeployModel, bins = 41): ChosenModel['histogram'] {
  return weightHistogram(nonzeroValues(baseline), nonzeroValues(model), bins);
}

export function layerSummary(model: DeployModel): ChosenModel['layers'] {
  return weightTensors(model).map(({ name, weight }) => {
    const size = weight.shape.reduce((a, b) => a * b, 1);
    const values = weightValues(weight);
    let nonzero = 0;
    for (const v of values) if (v !== 0) nonzero++;
    return { name, size, sparsity: size === 0 ? 0 : 1 - nonzero / size, bits: weight.quant?.bits ?? null };
  });
}

/** Top-1 accuracy of the `.pqm` on raw test images, through the runtime. */
function sessionAccuracy(session: Session, test: Dataset): number {
  const [c, h, w] = test.shape;
  const logits = session.runSync(test.images, [test.count, c, h, w]);
  const classes = logits.length / test.count;
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k]! > logits[i * classes + best]!) best = k;
    if (best === test.labels[i]) correct++;
  }
  return correct / test.count;
}

/** Batch-1 p50 / p95 over `runs` timed calls (after warm-up), and batch-32 images per second over about `seconds`. */
export async function measureLatency(bytes: Uint8Array, test: Dataset, opts: MeasureOptions): Promise<ChosenModel['latency']> {
  const [c, h, w] = test.shape;
  const per = c * h * w;
  const one = await Session.create(bytes, { batch: 1 });
  const times: number[] = [];
  try {
    for (let i = 0; i < Math.min(10, opts.batch1Runs); i++) one.runSync(test.images.subarray(0, per), [1, c, h, w]);
    for (let i = 0; i < opts.batch1Runs; i++) {
      const at = (i % test.count) * per;
      const t0 = performance.now();
      one.runSync(test.images.subarray(at, at + per), [1, c, h, w]);
      times.push(performance.now() - t0);
    }
  } finally {
    await one.release();
  }
  times.sort((a, b) => a - b);
  const n32 = Math.min(32, test.count);
  const batch = test.images.subarray(0, n32 * per);
  const many = await Session.create(bytes, { batch: 32 });
  let images = 0, elapsed = 0;
  try {
    many.runSync(batch, [n32, c, h, w]);
    const t0 = performance.now();
    do {
      many.runSync(batch, [n32, c, h, w]);
      images += n32;
      elapsed = performance.now() - t0;
    } while (elapsed < opts.batch32Seconds * 1000);
  } finally {
    await many.release();
  }
  return { batch1P50Ms: quantile(times, 0.5), batch1P95Ms: quantile(times, 0.95), batch32ImagesPerSecond: images / (elapsed / 1000), threads: threadCount() };
}

/** Top-1 accuracy of a `.pqm` file's bytes on raw test images, through a session of its own. */
export async function pqmAccuracy(bytes: Uint8Array, name: string, test: Dataset): Promise<number> {
  const session = await Session.create(bytes, { batch: 32, name });
  try {
    return sessionAccuracy(session, test);
  } finally {
    await session.release();
  }
}

/** Everything results.json says about one chosen model, measured on its file. */
export async function measureModel(label: string, trial: string, valAccuracy: number, pqmPath: string, baselinePqm: string, test: Dataset, opts: MeasureOptions): Promise<ChosenModel> {
  const bytes = new Uint8Array(await readFile(pqmPath));
  const model = decodePqm(bytes, pqmPath);
  const baseline = decodePqm(new Uint8Array(await readFile(baselinePqm)), baselinePqm);
  const testAccuracy = await pqmAccuracy(bytes, pqmPath, test);
  return {
    label, trial, pqmPath, pqmBytes: statSync(pqmPath).size, testAccuracy, valAccuracy,
    latency: await measureLatency(bytes, test, opts), layers: layerSummary(model), histogram: nonzeroHistogram(baseline, model),
  };
}
