// Our runtime in `npm run bench:runtime`, one configuration per process. Usage:
//   PRUNEQUANT_THREADS=2 node --import tsx bench/lib/runtime-worker.ts MODEL --model LABEL --sparsity 0.9 --bits 8 [--seconds 6 --batch 32 --runs 200]
// Builds createModel(MODEL, seed 0), prunes each layer to --sparsity by magnitude (no training:
// only speed is measured here), quantizes weights to --bits per channel (8: with uint8
// activations calibrated on 8 random batches, so the int8 kernels run; below 8: weights only,
// float activations; 32: no quantization), writes the .pqm, opens a Session on those bytes,
// and times it with the anchors' protocol. Prints one InferenceMeasurement JSON line.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { pruneModel, postTrainingQuantize, quantizationMeta } from '../../src/compress/index.js';
import { createModel } from '../../src/nn/index.js';
import { pqmBytes } from '../../src/io/index.js';
import { threadCount } from '../../src/kernels/index.js';
import { Session } from '../../src/runtime/index.js';
import { fillInput, randomBatches, timeInference, type InferenceMeasurement } from './inference-timing.js';
import { peakRssBytes } from './measure.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' }, sparsity: { type: 'string', default: '0' }, bits: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '6' }, batch: { type: 'string', default: '32' }, runs: { type: 'string', default: '200' },
  },
});
const name = positionals[0]!;
const sparsity = Number(values.sparsity), bits = Number(values.bits), batch = Number(values.batch);
const rssBeforeModelBytes = peakRssBytes();
const model = createModel(name, { seed: 0 });
const [c, h, w] = model.inputShape;
if (sparsity > 0) pruneModel(model, { sparsity, scope: 'layer' });

let bytes: Uint8Array;
if (bits === 32) {
  bytes = pqmBytes(model);
} else {
  const q = postTrainingQuantize(model, {
    weights: { bits, granularity: 'channel' },
    ...(bits === 8 ? { activations: { dtype: 'uint8' as const, source: randomBatches([c, h, w], 8), batches: 8, batchSize: 32 } } : {}),
  });
  bytes = pqmBytes(q.model, { meta: { quantization: quantizationMeta(q) } });
}
const t0 = performance.now();
const session = await Session.create(bytes, { batch });
const sessionCreateMs = performance.now() - t0;
const inputs = new Map([1, batch].map((n) => [n, fillInput(n * c * h * w)]));
const timing = await timeInference(async (n) => {
  session.runSync(inputs.get(n)!, [n, c, h, w]);
}, { seconds: Number(values.seconds), batch, batch1Runs: Number(values.runs) });
const kernels = [...new Set(session.explain().filter((l) => l.weights !== null).map((l) => l.chosen.split(' (')[0]!))];
const m: InferenceMeasurement = {
  engine: values.model ?? 'prunequant', version: 'prunequant', model: name, threadsRequested: threadCount(), threads: threadCount(),
  ...timing, sessionCreateMs, rssBeforeModelBytes, peakRssBytes: peakRssBytes(),
  notes: [`.pqm ${bytes.length} bytes`, `session memory ${(session.memoryBytes / 1024).toFixed(0)} KiB`, `${session.activations} activations, batch split by ${session.split}`, `conv/linear kernels: ${kernels.join(', ')}`],
};
session.dispose();
process.stdout.write(`${JSON.stringify(m)}\n`);
