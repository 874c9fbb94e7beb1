/**
 * Acceptance run for uniform quantization on LeNet-5 / MNIST (the baseline checkpoint):
 * weight PTQ at 8 and 4 bits, QAT at 4 and 2 bits, int8/uint8 weights + activations by PTQ,
 * and 90% global magnitude pruning followed by 4-bit QAT with the zero pattern checked.
 * Prints a table and writes runs/accept-quant.json.
 *
 *   node --import tsx scripts/accept-quant.ts [--epochs 2] [--lr 0.01] [--model runs/baseline-lenet5/model.pqck] [--out runs/accept-quant.json] [--only pruned]
 *
 * `--only pruned` runs just the pruning + QAT rows. The pruned row passes only if the zero
 * pattern of the result is exactly the mask (in the floats and in the codes); if not, the
 * script exits with status 1.
 *
 * QAT budget: the paper fine-tunes with the original recipe (lr 0.01, 5 epochs for LeNet).
 * We use a shorter budget by default, 2 epochs: the first at lr (aware-training), the second
 * at lr / 10 (the paper's refine-tune step), SGD momentum 0.9, batch 64 as in the recipe.
 * `--epochs 5` runs the full recipe length (lr for 4 epochs, lr / 10 for the fifth).
 */
import { batchSource, loadDataset } from '../src/data/index.js';
import { Mask, Sgd, evaluate, fit, loadCheckpoint, type Model, type Progress } from '../src/nn/index.js';
import { writeFileAtomic } from '../src/nn/index.js';
import {
  QatSession, fp32Bytes, loadQuantizedCheckpoint, postTrainingQuantize, quantizedSizes, saveQuantizedCheckpoint, type QuantizedModel,
} from '../src/compress/index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const MODEL = arg('model', 'runs/baseline-lenet5/model.pqck');
const EPOCHS = Number(arg('epochs', '2'));
const LR = Number(arg('lr', '0.01'));
const OUT = arg('out', 'runs/accept-quant.json');
const ONLY = arg('only', 'all');
if (ONLY !== 'all' && ONLY !== 'pruned') throw new Error(`--only must be 'all' or 'pruned', got '${ONLY}'`);
const SPARSITY = 0.9;
const started = performance.now();

const { model: baseline, meta } = loadCheckpoint(MODEL);
const normalization = (meta['normalization'] as { mean: number; std: number } | undefined) ?? { mean: 0.1307, std: 0.3081 };
const split = loadDataset('mnist');
const train = batchSource(split.train, { normalization });
const test = batchSource(split.test, { normalization });
const fp32 = evaluate(baseline, test).accuracy;
const fp32Size = fp32Bytes(baseline);

interface Row {
  name: string;
  accuracy: number;
  deltaPp: number;
  /** Largest allowed drop below the reference, in percentage points. */
  targetPp: number | null;
  reference: 'fp32' | 'pruned fp32';
  pass: boolean | null;
  packedBytes: number;
  fp32Bytes: number;
  seconds: number;
  notes?: Record<string, unknown>;
}
const rows: Row[] = [];

function record(name: string, q: QuantizedModel, t0: number, targetPp: number | null, reference = fp32, notes?: Record<string, unknown>): number {
  const accuracy = evaluate(q.model, test).accuracy;
  const deltaPp = 100 * (accuracy - reference);
  const row: Row = {
    name, accuracy, deltaPp, targetPp, reference: reference === fp32 ? 'fp32' : 'pruned fp32',
    pass: targetPp === null ? null : deltaPp >= -targetPp, packedBytes: quantizedSizes(q.model, q.weights, q.activations).packedBytes,
    fp32Bytes: fp32Size, seconds: (performance.now() - t0) / 1000, ...(notes ? { notes } : {}),
  };
  rows.push(row);
  process.stderr.write(`${name}: ${(100 * accuracy).toFixed(2)}% (${deltaPp >= 0 ? '+' : ''}${deltaPp.toFixed(2)} pp) ${row.seconds.toFixed(0)} s\n`);
  return accuracy;
}

/** A fresh copy of the baseline (QAT trains in place). */
function copyOfBaseline(): Model {
  return loadCheckpoint(MODEL).model;
}

// lr for every epoch but the last, lr / 10 for the last (aware-training, then the refine step).
const schedule = (p: Progress): number => (EPOCHS > 1 && p.epoch === EPOCHS - 1 ? LR / 10 : LR);

async function train_(model: Model, extra: ReturnType<QatSession['trainableParams']>, afterStep?: () => void, onEpochEnd?: (e: number) => void): Promise<void> {
  const opt = new Sgd([...model.params(), ...extra], { momentum: 0.9 });
  await fit(model, train, opt, {
    epochs: EPOCHS, batchSize: 64, lr: LR, schedule, seed: 7, ...(afterStep ? { afterStep } : {}),
    callbacks: { onEpochEnd: (r) => { onEpochEnd?.(r.epoch); process.stderr.write(`  epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}\n`); } },
  });
  opt.dispose();
}

async function qat(model: Model, name: string, opts: ConstructorParameters<typeof QatSession>[1], targetPp: number | null, reference = fp32): Promise<QuantizedModel> {
  const t0 = performance.now();
  const session = new QatSession(model, opts);
  await train_(model, session.trainableParams(), () => session.afterStep(), (e) => session.onEpochEnd(e));
  const q = session.finish();
  model.dispose(); // the trained float model; q.model is a folded copy
  record(name, q, t0, targetPp, reference, { epochs: EPOCHS, lr: LR, lsq: opts.lsq ?? false });
  return q;
}

// Weight-only PTQ.
if (ONLY === 'all') for (const [bits, granularity, method, target] of [[8, 'channel', 'minmax', 0.1], [8, 'tensor', 'minmax', 0.1], [4, 'channel', 'minmax', null], [4, 'channel', 'mse', null], [2, 'channel', 'mse', null]] as const) {
  const t0 = performance.now();
  const q = postTrainingQuantize(baseline, { weights: { bits, granularity, method } });
  record(`PTQ w${bits} ${granularity} ${method}`, q, t0, target);
  q.model.dispose();
}

// Weights and activations, PTQ with 100 calibration batches of 64; saved and reloaded once.
if (ONLY === 'all') for (const dtype of ['int8', 'uint8'] as const) {
  const t0 = performance.now();
  const q = postTrainingQuantize(baseline, { weights: { bits: 8, granularity: 'channel' }, activations: { dtype, observer: 'minmax', source: train, batches: 100, seed: 1 } });
  const acc = record(`PTQ w8 + ${dtype} activations`, q, t0, 0.3);
  if (dtype === 'int8') {
    const path = 'runs/accept-quant/w8a8.pqck';
    saveQuantizedCheckpoint(path, q, { normalization });
    const reloaded = loadQuantizedCheckpoint(path);
    const again = evaluate(reloaded.model, test).accuracy;
    if (again !== acc) throw new Error(`reloaded ${path}: accuracy ${again}, before saving ${acc}`);
    process.stderr.write(`  saved and reloaded ${path}: same accuracy\n`);
    reloaded.model.dispose();
  }
  q.model.dispose();
}

// QAT.
if (ONLY === 'all') {
  (await qat(copyOfBaseline(), 'QAT w4 channel (STE, min-max)', { bits: 4, granularity: 'channel' }, 0.3)).model.dispose();
  (await qat(copyOfBaseline(), 'QAT w4 channel (LSQ)', { bits: 4, granularity: 'channel', lsq: true }, 0.3)).model.dispose();
  (await qat(copyOfBaseline(), 'QAT w2 channel (LSQ)', { bits: 2, granularity: 'channel', lsq: true }, 1.5)).model.dispose();
  (await qat(copyOfBaseline(), 'QAT w4 channel (LSQ) + uint8 activations (EMA)', { bits: 4, lsq: true, activations: { dtype: 'uint8' }, freezeEpoch: 1 }, 0.3)).model.dispose();
}

// Pruning + quantization: 90% global magnitude pruning with masks (a simple local version, so
// this script does not depend on src/compress/prune), fine-tuned with the masks, then 4-bit QAT.
const pruned = copyOfBaseline();
{
  const weights = pruned.namedParams().filter(([, p]) => p.role === 'weight');
  const all = Float32Array.from(weights.flatMap(([, p]) => Array.from(p.value.view(), Math.abs))).sort();
  const threshold = all[Math.floor(SPARSITY * all.length)]!; // prune |w| < threshold: floor(0.9·N) weights, ties aside
  for (const [, p] of weights) p.setMask(new Mask(p.size, Uint8Array.from(p.value.view(), (v) => (Math.abs(v) < threshold ? 0 : 1))));
  const t0 = performance.now();
  await train_(pruned, []);
  const prunedFp32 = evaluate(pruned, test).accuracy;
  const masks = new Map(weights.map(([name, p]) => [name, p.mask!.view().slice()]));
  const maskedCount = [...masks.values()].reduce((s, m) => s + m.filter((b) => b === 0).length, 0);
  const total = [...masks.values()].reduce((s, m) => s + m.length, 0);
  rows.push({ name: `pruned ${100 * SPARSITY}% + fine-tune (fp32)`, accuracy: prunedFp32, deltaPp: 100 * (prunedFp32 - fp32), targetPp: null, reference: 'fp32', pass: null,
    packedBytes: fp32Size, fp32Bytes: fp32Size, seconds: (performance.now() - t0) / 1000, notes: { sparsity: maskedCount / total } });
  process.stderr.write(`pruned fp32: ${(100 * prunedFp32).toFixed(2)}%, sparsity ${(maskedCount / total).toFixed(4)}\n`);
  // A survivor whose float weight is exactly 0 before QAT would be the one allowed exception
  // (quantizeSurvivor keeps an exact 0 at 0); SGD practically never lands on one.
  let survivorsExactlyZero = 0;
  for (const [name, p] of pruned.namedParams()) {
    const m = masks.get(name);
    if (m) p.value.view().forEach((v, i) => { if (m[i] === 1 && v === 0) survivorsExactlyZero++; });
  }
  const q = await qat(pruned, `pruned ${100 * SPARSITY}% + QAT w4 channel (STE)`, { bits: 4, granularity: 'channel' }, 0.5, prunedFp32);
  // The zero pattern must be exactly the mask: every masked weight is exactly 0 in the floats and
  // at the zero point in the codes, every survivor is non-zero in both, and the masks are unchanged.
  let maskedNonZero = 0, maskChanged = 0, survivorsAtZero = 0, survivorsAtZeroPoint = 0;
  for (const [name, p] of q.model.namedParams()) {
    const before = masks.get(name);
    if (!before) continue;
    const now = p.mask?.view(), v = p.value.view(), codes = q.weights.get(name)!;
    const inner = v.length / codes.scales.length;
    for (let i = 0; i < v.length; i++) {
      if (now?.[i] !== before[i]) maskChanged++;
      const atZeroPoint = codes.values[i] === codes.zeroPoints[Math.floor(i / inner)];
      if (before[i] === 0 && (v[i] !== 0 || !atZeroPoint)) maskedNonZero++;
      if (before[i] === 1 && v[i] === 0) survivorsAtZero++;
      if (before[i] === 1 && atZeroPoint) survivorsAtZeroPoint++;
    }
  }
  const zeroPatternIsMask = maskedNonZero === 0 && maskChanged === 0 && survivorsAtZero === 0 && survivorsAtZeroPoint === 0;
  const last = rows[rows.length - 1]!;
  last.notes = {
    ...last.notes, prunedFp32, vsBaselinePp: 100 * (last.accuracy - fp32), zeroPatternIsMask, maskedNonZero, maskChanged, survivorsAtZero,
    survivorsAtZeroPoint, survivorsExactlyZeroBeforeQat: survivorsExactlyZero, survivors: total - maskedCount, sparsityMasked: maskedCount / total,
  };
  last.pass = last.pass === true && zeroPatternIsMask;
  process.stderr.write(`  zero pattern ${zeroPatternIsMask ? 'equals' : 'DIFFERS FROM'} the mask: ${maskedNonZero} masked weights non-zero, ${maskChanged} mask bytes changed, ` +
    `${survivorsAtZero} of ${total - maskedCount} survivors 0 in the floats, ${survivorsAtZeroPoint} at the zero point in the codes\n`);
  if (!zeroPatternIsMask) process.exitCode = 1;
  q.model.dispose();
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`\nLeNet-5 / MNIST, baseline ${MODEL}: fp32 ${(100 * fp32).toFixed(2)}%, ${fp32Size} bytes\n`);
console.log(`${pad('run', 52)} ${pad('acc %', 7)} ${pad('Δ pp', 7)} ${pad('target', 12)} ${pad('bytes', 8)} ${pad('ratio', 6)} pass`);
for (const r of rows) {
  const target = r.targetPp === null ? 'report' : `≥ -${r.targetPp} ${r.reference === 'fp32' ? '' : '(pr)'}`;
  console.log(`${pad(r.name, 52)} ${pad((100 * r.accuracy).toFixed(2), 7)} ${pad(r.deltaPp.toFixed(2), 7)} ${pad(target, 12)} ${pad(String(r.packedBytes), 8)} ${pad((r.fp32Bytes / r.packedBytes).toFixed(2), 6)} ${r.pass === null ? '-' : r.pass ? 'yes' : 'NO'}`);
}
const report = { model: MODEL, fp32Accuracy: fp32, fp32Bytes: fp32Size, qat: { epochs: EPOCHS, lr: LR, schedule: EPOCHS > 1 ? `lr ${LR} then ${LR / 10} in the last epoch` : `lr ${LR}`, batchSize: 64, optimizer: 'sgd momentum 0.9' }, rows, seconds: (performance.now() - started) / 1000 };
writeFileAtomic(OUT, JSON.stringify(report, null, 2));
console.log(`\nwrote ${OUT} (${report.seconds.toFixed(0)} s)`);
