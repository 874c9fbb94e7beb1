// Training throughput (images/s) at batch 64 for LeNet-5 and the Keras MNIST CNN, ours
// with 1 and 2 threads, against TF.js (CPU backend) and, where Debian's python3-torch is
// installed, PyTorch CPU, all measured in this run. Each configuration runs in its own
// process (the kernel thread count is per process). Prints one line per measurement and a
// summary table; measures only, asserts nothing (STYLE.md §11).
//
//   npm run bench:train [-- --seconds 6] [-- --models lenet5] [-- --no-tfjs] [-- --tfjs-cnn-batch 64]
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { findTorchPython, runOurs, runTfjs, runTorch, type TrainMeasurement } from './lib/anchors.js';
import { formatRate, mebibytes, ratio } from './lib/measure.js';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    models: { type: 'string', default: 'lenet5,mnist-cnn' },
    'no-tfjs': { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    // TF.js CPU needs about three minutes for one batch-64 step of the CNN, so by default it
    // runs one step at batch 16; its per-image cost is lower at larger batches, so that
    // figure flatters our ratio slightly. Pass 64 for the like-for-like (slow) figure.
    'tfjs-cnn-batch': { type: 'string', default: '16' },
  },
});
const BATCH = 64;
const THREADS = [1, 2] as const;
const seconds = Number(opts.seconds);
const models = opts.models!.split(',');

type Key = `${string}/${string}/${number}`;
const results = new Map<Key, TrainMeasurement>();
const key = (model: string, runtime: string, threads: number): Key => `${model}/${runtime}/${threads}`;
const rate = (model: string, runtime: string, threads: number) => results.get(key(model, runtime, threads))?.imagesPerSecond;

function describe(m: TrainMeasurement): string {
  const warm = m.warmupSteps === 0 ? ', no warm-up' : '';
  const median = m.medianStepMs !== undefined && m.steps > 2 ? `, median step ${m.medianStepMs.toFixed(1)} ms = ${formatRate((m.batch * 1000) / m.medianStepMs)} img/s` : '';
  return `train ${m.model} ${m.runtime}${m.version ? ` ${m.version}` : ''} threads=${m.threads} batch=${m.batch}: ` +
    `${formatRate(m.imagesPerSecond)} img/s (${m.steps} steps in ${m.seconds.toFixed(1)} s${median}${warm})`;
}

function record(what: string, r: { ok: boolean; value?: TrainMeasurement; error?: string }): TrainMeasurement | undefined {
  if (!r.ok || r.value === undefined) {
    console.log(`train ${what}: FAILED (${r.error})`);
    return undefined;
  }
  results.set(key(r.value.model, r.value.runtime, r.value.threads), r.value);
  return r.value;
}

// Every figure here is wall-clock on a shared machine: other load shows up as lower
// throughput and, worst, as poor thread scaling, so the load is printed with the results.
const loadLine = (when: string) =>
  `load average ${when}: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) on ${availableParallelism()} cores`;
console.log(loadLine('at start'));
if (loadavg()[0]! > 0.5) {
  console.log('note: other processes are using the CPUs; 2-thread figures (ours and PyTorch\'s) suffer most');
}

const torch = opts['no-torch'] ? { reason: '--no-torch given' } : findTorchPython();
if (torch.python === undefined) console.log(`PyTorch skipped: ${torch.reason}`);

for (const model of models) {
  if (!opts['no-tfjs']) {
    const isCnn = model === 'mnist-cnn';
    const batch = isCnn ? Number(opts['tfjs-cnn-batch']) : BATCH;
    // One warm-up step costs as much as a timed one on the CNN, so there it is skipped.
    const m = record(`${model} tfjs-cpu`, runTfjs(model, isCnn ? 1 : 10, batch, isCnn ? 0 : 1));
    if (m) console.log(describe(m));
  }
  if (torch.python !== undefined) {
    for (const threads of THREADS) {
      const m = record(`${model} pytorch threads=${threads}`, runTorch(torch.python, model, threads, seconds, BATCH));
      if (m) console.log(describe(m));
    }
  }
  for (const threads of THREADS) {
    const m = record(`${model} prunequant threads=${threads}`, runOurs(model, threads, seconds, BATCH));
    if (!m) continue;
    const ours = m.imagesPerSecond;
    const scaling = threads > 1 ? `; ${threads}t/1t ${ratio(ours, rate(model, 'prunequant', 1))}` : '';
    console.log(`${describe(m)}; vs PyTorch ${threads}t ${ratio(ours, rate(model, 'pytorch', threads))}, ` +
      `vs TF.js ${ratio(ours, rate(model, 'tfjs-cpu', 1))}${scaling}; peak RSS ${mebibytes(m.peakRssBytes)}` +
      (m.rssAfterDataBytes ? ` (${mebibytes(m.rssAfterDataBytes)} after loading MNIST)` : ''));
  }
}

console.log(loadLine('at end'));
console.log('\nsummary (img/s at batch 64 unless noted; ratios are ours / theirs)');
const rows = [['model', 'ours 1t', 'ours 2t', '2t/1t', 'PyTorch 1t', 'PyTorch 2t', 'ours/PyTorch 2t', 'TF.js', 'ours 2t/TF.js', 'peak RSS ours 2t']];
for (const model of models) {
  const tfjs = results.get(key(model, 'tfjs-cpu', 1));
  const ours2 = results.get(key(model, 'prunequant', 2));
  rows.push([
    model,
    formatRate(rate(model, 'prunequant', 1)),
    formatRate(rate(model, 'prunequant', 2)),
    ratio(rate(model, 'prunequant', 2), rate(model, 'prunequant', 1)),
    formatRate(rate(model, 'pytorch', 1)),
    formatRate(rate(model, 'pytorch', 2)),
    ratio(rate(model, 'prunequant', 2), rate(model, 'pytorch', 2)),
    tfjs ? `${formatRate(tfjs.imagesPerSecond)}${tfjs.batch !== BATCH ? ` (b${tfjs.batch})` : ''}` : 'n/a',
    ratio(rate(model, 'prunequant', 2), tfjs?.imagesPerSecond),
    ours2 ? mebibytes(ours2.peakRssBytes) : 'n/a',
  ]);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
