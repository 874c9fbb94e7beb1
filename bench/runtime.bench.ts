// Inference speed: batch-1 latency (p50, p95) and batch-32 throughput of the Keras MNIST
// CNN, ResNet-20 and LeNet-5 in the anchors (onnxruntime-node, onnxruntime-web WASM, TF.js
// WASM), each in its own process, then our runtime's configurations as ratios against them
// (see `measureOurRuntime`). Measures only, asserts nothing (STYLE.md §11).
//
//   npm run bench:runtime [-- --models lenet5,resnet20] [-- --threads 1,2] [-- --seconds 6]
//                         [-- --engines onnxruntime-web] [-- --json out.json] [-- --retries 1]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModel } from '../src/nn/index.js';
import { ANCHORS, writeAnchorInputs, type AnchorEngine, type AnchorInputs, type InferenceMeasurement, type InferenceRunOptions } from './lib/inference-anchors.js';
import { formatMs, formatTable, ratioTable, rowFromMeasurement, type InferenceRow } from './lib/inference-rows.js';
import { formatRate, mebibytes, ratio, runJsonChild } from './lib/measure.js';
import { fileURLToPath } from 'node:url';

const { values: opts } = parseArgs({
  options: {
    models: { type: 'string', default: 'mnist-cnn,resnet20,lenet5' },
    threads: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '6' },
    batch: { type: 'string', default: '32' },
    runs: { type: 'string', default: '200' },
    engines: { type: 'string', default: Object.keys(ANCHORS).join(',') },
    json: { type: 'string' },
    // A run whose threads got much less than the wall time (other load) is repeated up to
    // this many times, keeping the least disturbed; on a busy machine figures stay low anyway.
    retries: { type: 'string', default: '1' },
  },
});
const models = opts.models!.split(',');
const threadCounts = opts.threads!.split(',').map(Number);
const engines = opts.engines!.split(',') as AnchorEngine[];
for (const e of engines) if (!(e in ANCHORS)) throw new Error(`--engines: unknown engine '${e}'; known: ${Object.keys(ANCHORS).join(', ')}`);
const runOpts = (threads: number): InferenceRunOptions => ({ threads, seconds: Number(opts.seconds), batch: Number(opts.batch), batch1Runs: Number(opts.runs) });

// Our runtime's configurations, per model (`models` limits one to some models); each runs in
// its own process (bench/lib/runtime-worker.ts) with the anchors' timing protocol.
const OUR_VARIANTS: { label: string; sparsity: number; bits: 32 | 8 | 4; models?: string[] }[] = [
  { label: 'ours dense fp32', sparsity: 0, bits: 32 },
  { label: 'ours 90% fp32', sparsity: 0.9, bits: 32 },
  { label: 'ours 95% fp32', sparsity: 0.95, bits: 32 },
  { label: 'ours 90% int8', sparsity: 0.9, bits: 8 },
  { label: 'ours 95% int8', sparsity: 0.95, bits: 8 },
  { label: 'ours 95% 4-bit', sparsity: 0.95, bits: 4, models: ['lenet5'] },
];

const RUNTIME_WORKER = fileURLToPath(new URL('./lib/runtime-worker.ts', import.meta.url));

/** Rows for our runtime on one model at one thread count: one process per configuration. */
function measureOurRuntime(model: string, threads: number): InferenceRow[] {
  const rows: InferenceRow[] = [];
  for (const v of OUR_VARIANTS.filter((x) => x.models === undefined || x.models.includes(model))) {
    const label = `${v.label} ${threads}t`;
    const r = runJsonChild<InferenceMeasurement>(process.execPath, [
      '--import', 'tsx', RUNTIME_WORKER, model, '--model', label, '--sparsity', String(v.sparsity), '--bits', String(v.bits),
      '--seconds', opts.seconds!, '--batch', opts.batch!, '--runs', opts.runs!,
    ], { env: { PRUNEQUANT_THREADS: String(threads) }, timeoutSeconds: 600 });
    if (!r.ok || r.value === undefined) {
      console.log(`${model} ${label}: FAILED (${r.error})`);
      continue;
    }
    const m = r.value;
    console.log(`${model} ${label}: batch 1 p50 ${formatMs(m.batch1.p50Ms)} ms p95 ${formatMs(m.batch1.p95Ms)} ms; batch ${m.batchN.batch} ${formatRate(m.batchN.imagesPerSecond)} img/s ` +
      `(CPU/wall ${m.batchN.cpuPerWall.toFixed(2)}); created in ${m.sessionCreateMs.toFixed(0)} ms; peak RSS ${mebibytes(m.peakRssBytes)}; ${m.notes.join('; ')}`);
    rows.push(rowFromMeasurement(m, label));
  }
  return rows;
}

/** The ratios the runtime issue asks for, where both sides were measured in this run. */
function printTargets(model: string, ours: readonly InferenceRow[], anchors: readonly InferenceMeasurement[]): void {
  const row = (label: string) => ours.find((r) => r.label.startsWith(label));
  const anchor = (engine: string) => anchors.find((m) => m.engine === engine);
  const line = (what: string, a: InferenceRow | undefined, b: { imagesPerSecond: number } | undefined) =>
    console.log(`  ${what.padEnd(44)} ${a && b ? `${ratio(a.imagesPerSecond, b.imagesPerSecond)} (${formatRate(a.imagesPerSecond)} vs ${formatRate(b.imagesPerSecond)} img/s)` : 'n/a'}`);
  const node = anchor('onnxruntime-node'), web = anchor('onnxruntime-web');
  const tp = (m: InferenceMeasurement | undefined) => (m ? { imagesPerSecond: m.batchN.imagesPerSecond } : undefined);
  console.log(`${model}: batch ${opts.batch} throughput ratios`);
  line('ours dense fp32 / onnxruntime-web', row('ours dense fp32'), tp(web));
  line('ours 90% fp32 / ours dense fp32', row('ours 90% fp32'), row('ours dense fp32'));
  line('ours 90% int8 / onnxruntime-node', row('ours 90% int8'), tp(node));
  line('ours 90% int8 / onnxruntime-web', row('ours 90% int8'), tp(web));
  line('ours 95% int8 / onnxruntime-node', row('ours 95% int8'), tp(node));
  if (row('ours 95% 4-bit')) line('ours 95% 4-bit / onnxruntime-node', row('ours 95% 4-bit'), tp(node));
}

/** Our rows for `model` against every anchor measured for it. */
function printOursAgainstAnchors(model: string, threads: number, anchors: readonly InferenceMeasurement[]): void {
  const ours = measureOurRuntime(model, threads);
  console.log(`\n${model}, ours at ${threads} thread${threads === 1 ? '' : 's'} against the anchors (speed-ups >1: ours faster; RSS <1: ours smaller)`);
  if (ours.length === 0) {
    console.log('  no rows for our runtime yet (measureOurRuntime in bench/runtime.bench.ts)');
    return;
  }
  console.log(ratioTable(ours, anchors.map((m) => rowFromMeasurement(m))));
  printTargets(model, ours, anchors.filter((m) => m.threads === threads || m.engine === 'tfjs-wasm'));
}

// Its threads were runnable less than 85% of the time: other load took the cores.
const starved = (m: InferenceMeasurement) => m.batchN.cpuPerWall < 0.85 * m.threads;

/** Every engine at every thread count on one model, one process each; prints a line per run. */
function measureAnchors(model: string, inputs: AnchorInputs, results: InferenceMeasurement[]): void {
  for (const threads of threadCounts) {
    for (const engine of engines) {
      // An engine that gave fewer threads than asked (TF.js WASM in Node: always 1) would
      // repeat the same measurement for every larger request.
      const capped = results.find((r) => r.model === model && r.engine === engine && r.threads < r.threadsRequested && threads >= r.threads);
      if (capped !== undefined) {
        console.log(`${model} ${engine} threads=${threads}: skipped, it ran ${capped.threads} thread(s) when asked for ${capped.threadsRequested}`);
        continue;
      }
      let m: InferenceMeasurement | undefined;
      for (let attempt = 0; attempt <= Number(opts.retries); attempt++) {
        const r = ANCHORS[engine](inputs, runOpts(threads));
        if (!r.ok || r.value === undefined) {
          console.log(`${model} ${engine} threads=${threads}: FAILED (${r.error})`);
          break;
        }
        if (m === undefined || r.value.batchN.cpuPerWall > m.batchN.cpuPerWall) m = r.value;
        if (!starved(r.value)) break;
        if (attempt < Number(opts.retries)) {
          console.log(`${model} ${engine} threads=${threads}: CPU/wall ${r.value.batchN.cpuPerWall.toFixed(2)}, other processes took CPU; measuring again`);
        }
      }
      if (m === undefined) continue;
      results.push(m);
      console.log(`${model} ${engine} ${m.version} threads=${m.threads}${m.threads !== m.threadsRequested ? ` (asked ${m.threadsRequested})` : ''}: ` +
        `batch 1 p50 ${formatMs(m.batch1.p50Ms)} ms p95 ${formatMs(m.batch1.p95Ms)} ms; batch ${m.batchN.batch} ${formatRate(m.batchN.imagesPerSecond)} img/s ` +
        `(median window ${formatRate(m.batchN.medianWindowImagesPerSecond)}, CPU/wall ${m.batchN.cpuPerWall.toFixed(2)}); ` +
        `created in ${m.sessionCreateMs.toFixed(0)} ms; peak RSS ${mebibytes(m.peakRssBytes)}; ${m.notes.join('; ')}`);
    }
  }
}

function printAnchorTable(results: readonly InferenceMeasurement[]): void {
  console.log(`\nanchors (batch-1 latency over ${opts.runs} single runs; throughput: best ~1.5 s window at batch ${opts.batch})`);
  const header = ['model', 'engine', 'version', 'threads', 'b1 p50 ms', 'b1 p95 ms', `b${opts.batch} img/s`, 'CPU/wall', 'peak RSS'];
  console.log(formatTable([header, ...results.map((m) => [
    m.model, m.engine, m.version, m.threads === m.threadsRequested ? String(m.threads) : `${m.threads} (asked ${m.threadsRequested})`,
    formatMs(m.batch1.p50Ms), formatMs(m.batch1.p95Ms), formatRate(m.batchN.imagesPerSecond),
    `${m.batchN.cpuPerWall.toFixed(2)}${starved(m) ? ' !' : ''}`, mebibytes(m.peakRssBytes),
  ])], 3));
  if (results.some(starved)) {
    console.log('! CPU/wall well under the thread count: other processes took CPU during that run, so its figures are low; rerun on an idle machine');
  }
}

const loadLine = (when: string) =>
  `load average ${when}: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) on ${availableParallelism()} cores`;
console.log(loadLine('at start'));
if (loadavg()[0]! > 0.5) console.log('note: other processes are using the CPUs; multi-threaded figures suffer most');

const dir = mkdtempSync(join(tmpdir(), 'prunequant-bench-runtime-'));
try {
  const results: InferenceMeasurement[] = [];
  const inputsByModel = new Map<string, AnchorInputs>();
  for (const model of models) {
    const inputs = writeAnchorInputs(createModel(model, { seed: 0 }), dir);
    inputsByModel.set(model, inputs);
    measureAnchors(model, inputs, results);
  }
  console.log(loadLine('at end of the anchors'));
  printAnchorTable(results);
  for (const model of inputsByModel.keys()) {
    for (const threads of threadCounts) printOursAgainstAnchors(model, threads, results.filter((m) => m.model === model));
  }
  if (opts.json !== undefined) {
    writeFileSync(opts.json, `${JSON.stringify({ when: new Date().toISOString(), cores: availableParallelism(), loadavg: loadavg(), results }, null, 2)}\n`);
    console.log(`\nmeasurements written to ${opts.json}`);
  }
} finally {
  // The ONNX and config files live only for this run.
  rmSync(dir, { recursive: true, force: true });
}
