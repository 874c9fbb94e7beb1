/**
 * A realistic StudyResults for tests and demos: LeNet-5 on MNIST through the whole protocol.
 * Baseline 99.0%; pruning levels 50..98% and bit widths 8/6/4/3/2, each post-training,
 * aware-trained and refine-tuned; the best of each (97% and 3 bits, within 0.5 pp on the
 * validation split) combined; four chosen models with latencies, per-layer sparsity and weight
 * histograms. Accuracies are made up to look like a real run; sizes, non-zero counts, per-layer
 * sparsity and histograms follow from one model of the weights (a Gaussian per layer), so they
 * agree with each other. Deterministic: the same object every call.
 *
 * Run it to write a demo run directory: node --import tsx test/report/fixture.ts DIR
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { ChosenModel, StudyResults, Trial, TrialMode, TrialStage } from '../../src/report/index.js';

/** LeNet-5's weight layers: weights, output channels (one scale each), biases, and the weights' spread. */
const LAYERS = [
  { name: 'conv1', size: 150, out: 6, sigma: 0.22 },
  { name: 'conv2', size: 2400, out: 16, sigma: 0.09 },
  { name: 'fc1', size: 48000, out: 120, sigma: 0.035 },
  { name: 'fc2', size: 10080, out: 84, sigma: 0.06 },
  { name: 'fc3', size: 840, out: 10, sigma: 0.14 },
];
const WEIGHTS = LAYERS.reduce((a, l) => a + l.size, 0); // 61,470
const BIASES = LAYERS.reduce((a, l) => a + l.out, 0); // 236
const HEADER_BYTES = 384;

/** Standard normal CDF (Abramowitz and Stegun 7.1.26; error below 1.5e-7, plenty for counts). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Fraction of a layer's weights with |w| < t. */
const below = (t: number, sigma: number) => 2 * phi(t / sigma) - 1;

/** The global magnitude threshold that prunes `sparsity` of all weights, and each layer's share. */
function globalPrune(sparsity: number): { threshold: number; perLayer: number[] } {
  let lo = 0, hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const pruned = LAYERS.reduce((a, l) => a + l.size * below(mid, l.sigma), 0) / WEIGHTS;
    if (pruned < sparsity) lo = mid; else hi = mid;
  }
  return { threshold: hi, perLayer: LAYERS.map((l) => below(hi, l.sigma)) };
}

/** Per-tensor symmetric quantization scaled to 4 sigma: the step, and the share that rounds to zero. */
function quantStep(sigma: number, bits: number): number {
  return (4 * sigma) / (2 ** (bits - 1) - 1);
}

function pqmBytes(sparsity: number[] | null, bits: number | null): number {
  let total = HEADER_BYTES;
  LAYERS.forEach((l, i) => {
    const nnz = Math.round(l.size * (1 - (sparsity?.[i] ?? 0)));
    // Sparse layers store whichever index is smaller: a bitmask, or one byte of column delta per value.
    const index = sparsity === null ? 0 : Math.min(Math.ceil(l.size / 8), nnz);
    const values = Math.ceil((sparsity === null ? l.size : nnz) * (bits ?? 32) / 8);
    const scales = bits === null ? 0 : l.out * 4;
    total += index + values + scales + l.out * 4;
  });
  return total;
}

/** Histogram bins: 61 bins of 0.02, the middle one centred on zero. */
const EDGES = Array.from({ length: 62 }, (_, i) => Number((-0.61 + 0.02 * i).toFixed(2)));

/**
 * Counts per bin of all weights after pruning below `threshold` (0: none) and rounding to `bits`
 * (null: none): pruned weights pile into the zero bin, rounded ones onto their levels.
 */
function histogram(threshold: number, bits: number | null): number[] {
  const counts = new Array<number>(EDGES.length - 1).fill(0);
  const binOf = (v: number) => Math.min(counts.length - 1, Math.max(0, Math.floor((v - EDGES[0]!) / 0.02)));
  const zeroBin = binOf(0);
  for (const l of LAYERS) {
    const mass = (a: number, b: number) => l.size * (phi(b / l.sigma) - phi(a / l.sigma));
    counts[zeroBin]! += l.size * below(threshold, l.sigma);
    // Surviving weights, in fine slices, each placed where it ends up.
    const slice = 0.002;
    for (let a = -1; a < 1; a += slice) {
      const lo = Math.max(a, -1), hi = a + slice;
      const mid = (lo + hi) / 2;
      if (Math.abs(mid) < threshold) continue;
      let v = mid;
      if (bits !== null) {
        const q = quantStep(l.sigma, bits), k = 2 ** (bits - 1) - 1;
        v = Math.max(-k, Math.min(k, Math.round(mid / q))) * q;
      }
      counts[binOf(v)]! += mass(lo, hi);
    }
  }
  return counts.map((c) => Math.round(c));
}

function trialId(stage: TrialStage, mode: TrialMode, sparsity: number | null, bits: number | null): string {
  const hash = createHash('sha256').update(JSON.stringify({ stage, mode, sparsity, bits, model: 'lenet5', seed: 1 })).digest('hex').slice(0, 6);
  const tag = [sparsity === null ? '' : `s${Math.round(sparsity * 1000) / 10}`, bits === null ? '' : `b${bits}`].filter(Boolean).join('-');
  return [stage, tag, mode, hash].filter(Boolean).join('-');
}

/** A deterministic jitter in [-1, 1) from a string, for trial times. */
function jitter(s: string): number {
  return createHash('sha256').update(s).digest().readUInt16LE(0) / 32768 - 1;
}

const PRUNE_LEVELS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98];
const PRUNE_ACCURACY: Record<'post' | 'aware' | 'refine', number[]> = {
  post: [0.9898, 0.9894, 0.988, 0.9832, 0.9512, 0.842, 0.613, 0.387],
  aware: [0.9906, 0.9904, 0.9902, 0.9898, 0.9892, 0.9878, 0.9862, 0.9808],
  refine: [0.9908, 0.9906, 0.9904, 0.9902, 0.9896, 0.9886, 0.9874, 0.9826],
};
const BIT_WIDTHS = [8, 6, 4, 3, 2];
const BITS_ACCURACY: Record<'post' | 'aware' | 'refine', number[]> = {
  post: [0.99, 0.9896, 0.9862, 0.971, 0.734],
  aware: [0.9902, 0.99, 0.9894, 0.988, 0.9786],
  refine: [0.9904, 0.9902, 0.9896, 0.9884, 0.9802],
};

export function makeStudyResults(): StudyResults {
  const trials: Trial[] = [];
  const add = (t: Omit<Trial, 'id' | 'seconds' | 'pqmBytes' | 'nonzeroWeights'>, layerSparsity: number[] | null, baseSeconds: number): Trial => {
    const id = trialId(t.stage, t.mode, t.sparsity, t.bits);
    const zeros = layerSparsity === null ? 0 : LAYERS.reduce((a, l, i) => a + l.size * layerSparsity[i]!, 0);
    const trial: Trial = {
      id, ...t,
      pqmBytes: pqmBytes(t.sparsity === null ? null : layerSparsity, t.bits),
      nonzeroWeights: Math.round(WEIGHTS - zeros),
      seconds: Number((baseSeconds * (1 + 0.06 * jitter(id))).toFixed(2)),
    };
    trials.push(trial);
    return trial;
  };
  const quantZeros = (bits: number) => LAYERS.map((l) => below(quantStep(l.sigma, bits) / 2, l.sigma));

  const baseline = add({ stage: 'baseline', mode: 'train', sparsity: null, bits: null, valAccuracy: 0.99, parent: null }, null, 48.3);
  const pruneTrials = new Map<string, Trial>();
  PRUNE_LEVELS.forEach((s, i) => {
    const per = globalPrune(s).perLayer;
    const post = add({ stage: 'prune', mode: 'post', sparsity: s, bits: null, valAccuracy: PRUNE_ACCURACY.post[i]!, parent: baseline.id }, per, 1.2);
    const aware = add({ stage: 'prune', mode: 'aware', sparsity: s, bits: null, valAccuracy: PRUNE_ACCURACY.aware[i]!, parent: baseline.id }, per, 41.5);
    const refine = add({ stage: 'prune', mode: 'refine', sparsity: s, bits: null, valAccuracy: PRUNE_ACCURACY.refine[i]!, parent: aware.id }, per, 40.8);
    for (const t of [post, aware, refine]) pruneTrials.set(`${s}-${t.mode}`, t);
  });
  const bitTrials = new Map<string, Trial>();
  BIT_WIDTHS.forEach((b, i) => {
    const per = quantZeros(b);
    const post = add({ stage: 'quantize', mode: 'post', sparsity: null, bits: b, valAccuracy: BITS_ACCURACY.post[i]!, parent: baseline.id }, per, 1.4);
    const aware = add({ stage: 'quantize', mode: 'aware', sparsity: null, bits: b, valAccuracy: BITS_ACCURACY.aware[i]!, parent: baseline.id }, per, 52.6);
    const refine = add({ stage: 'quantize', mode: 'refine', sparsity: null, bits: b, valAccuracy: BITS_ACCURACY.refine[i]!, parent: aware.id }, per, 51.9);
    for (const t of [post, aware, refine]) bitTrials.set(`${b}-${t.mode}`, t);
  });
  const bestPrune = pruneTrials.get('0.97-refine')!;
  const bestBits = bitTrials.get('3-refine')!;
  const prune97 = globalPrune(0.97);
  const combined = add({ stage: 'combined', mode: 'refine', sparsity: 0.97, bits: 3, valAccuracy: 0.9866, parent: bestPrune.id }, prune97.perLayer, 53.4);

  const model = (label: string, t: Trial, testAccuracy: number, latency: ChosenModel['latency'], layerSparsity: number[], threshold: number): ChosenModel => ({
    label, trial: t.id, pqmPath: `models/${label.replace(/ /g, '-')}.pqm`, pqmBytes: t.pqmBytes, testAccuracy, valAccuracy: t.valAccuracy, latency,
    exports: [
      t.bits === null
        ? { format: 'onnx', path: `models/${label.replace(/ /g, '-')}.onnx`, bytes: 248_102, error: null }
        : { format: 'onnx-int8', path: `models/${label.replace(/ /g, '-')}.int8.onnx`, bytes: 70_530, error: null },
      label === 'combined'
        ? { format: 'tfjs', path: null, bytes: null, error: 'model lenet5, node \'act3\': HardSwish has no TF.js Layers equivalent' }
        : { format: 'tfjs', path: `models/${label.replace(/ /g, '-')}.tfjs/model.json`, bytes: 249_311, error: null },
    ],
    layers: LAYERS.map((l, i) => ({ name: l.name, size: l.size, sparsity: Number(layerSparsity[i]!.toFixed(4)), bits: t.bits })),
    histogram: { edges: EDGES, before: histogram(0, null), after: histogram(threshold, t.bits) },
  });
  const zeros = LAYERS.map(() => 0);
  const models = [
    model('baseline', baseline, 0.9902, { batch1P50Ms: 0.212, batch1P95Ms: 0.268, batch32ImagesPerSecond: 9830, threads: 2 }, zeros, 0),
    model('best pruning', bestPrune, 0.9881, { batch1P50Ms: 0.094, batch1P95Ms: 0.121, batch32ImagesPerSecond: 23900, threads: 2 }, prune97.perLayer, prune97.threshold),
    model('best bits', bestBits, 0.9889, { batch1P50Ms: 0.131, batch1P95Ms: 0.167, batch32ImagesPerSecond: 17400, threads: 2 }, quantZeros(3), 0),
    model('combined', combined, 0.9869, { batch1P50Ms: 0.071, batch1P95Ms: 0.093, batch32ImagesPerSecond: 31200, threads: 2 }, prune97.perLayer, prune97.threshold),
  ];

  return {
    version: 1,
    createdAt: '2025-11-30T12:00:00.000Z',
    config: {
      model: { zoo: 'lenet5' },
      dataset: { name: 'mnist', val: 5000, seed: 1 },
      recipe: { optimizer: { name: 'adam', lr: 0.001 }, epochs: 5, batchSize: 64 },
      pruning: { levels: PRUNE_LEVELS, scope: 'global' },
      quantization: { bits: BIT_WIDTHS, granularity: 'per-tensor', symmetric: true },
      tolerance: 0.005,
      seed: 1,
    },
    dataset: { name: 'mnist', trainCount: 55000, valCount: 5000, testCount: 10000 },
    fp32Bytes: 4 * (WEIGHTS + BIASES),
    trials,
    chosen: {
      pruning: {
        trial: bestPrune.id, sparsity: 0.97, bits: null, valAccuracy: bestPrune.valAccuracy,
        reason: 'the highest level whose refine-tuned validation accuracy (98.74%) stays within 0.5 pp of the baseline (99.00%); 98% fell to 98.26%',
      },
      bits: {
        trial: bestBits.id, sparsity: null, bits: 3, valAccuracy: bestBits.valAccuracy,
        reason: 'the fewest bits whose refine-tuned validation accuracy (98.84%) stays within 0.5 pp of the baseline (99.00%); 2 bits fell to 98.02%',
      },
      combinedTrial: combined.id,
    },
    models,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stderr.write('usage: node --import tsx test/report/fixture.ts DIR\n');
    process.exit(2);
  }
  const { writeReport } = await import('../../src/report/index.js');
  const written = await writeReport(dir, makeStudyResults(), { resultsJson: 'always' });
  process.stdout.write(`${written.files.join('\n')}\n`);
}
