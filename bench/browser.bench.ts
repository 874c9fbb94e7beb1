/**
 * `npm run bench:browser`: the same models in headless Chromium (Debian's chromium, driven by
 * playwright-core), on a cross-origin isolated page served from 127.0.0.1: our runtime (the
 * browser bundle, kernels on Web Workers over shared memory), onnxruntime-web (WASM EP, SIMD128,
 * the same thread count) and TF.js with its WASM backend. Models: the Keras MNIST CNN and
 * LeNet-5 (the zoo's, seed 0, random weights: only speed is measured), ours dense fp32 and 90%
 * pruned (per layer) with int8 weights and uint8 activations; the anchors run the dense fp32
 * model (ONNX export; TF.js from the same config). Each engine runs in a fresh page. Prints
 * batch-1 p50 latency, batch-N images/s and the ratio of each to onnxruntime-web. Our rows
 * run where `--run-in` says (the Session's runIn: auto, page or worker; a comma list gives a
 * row per value); the note says where auto placed them and why.
 * With --rounds R the cases take turns R times and each row is the median round.
 * Usage: npm run bench:browser [-- --threads 2 --batch 32 --seconds 3 --models lenet5 --run-in auto,page,worker --rounds 3]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { encodeOnnxModel, exportOnnxModel, pqmBytes } from '../src/io/index.js';
import { createModel } from '../src/nn/index.js';
import { postTrainingQuantize, pruneModel, quantizationMeta } from '../src/compress/index.js';
import { buildBrowserBundle } from '../scripts/build-browser.mjs';
import { startServer } from '../scripts/serve-browser.mjs';
import { formatTable } from './lib/inference-rows.js';
import { randomBatches } from './lib/inference-timing.js';
import type { BenchRequest, BenchResult } from './browser/page.js';

const MODELS = ['mnist-cnn', 'lenet5'];
const RUN_IN = ['auto', 'page', 'worker'] as const;
const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' }, batch: { type: 'string', default: '32' }, seconds: { type: 'string', default: '3' },
    models: { type: 'string', default: MODELS.join(',') }, 'run-in': { type: 'string', default: 'auto' }, rounds: { type: 'string', default: '1' },
  },
});
const threads = Number(values.threads), batch = Number(values.batch), seconds = Number(values.seconds), rounds = Number(values.rounds);
for (const [k, v] of Object.entries({ threads, batch, seconds, rounds })) {
  if (!(v > 0) || (k !== 'seconds' && !Number.isInteger(v))) {
    console.error(`bench:browser: --${k} expects a positive ${k === 'seconds' ? 'number' : 'integer'}, got ${String(values[k as keyof typeof values])}`);
    process.exit(2);
  }
}
const models = values.models.split(',');
const runIns = values['run-in'].split(',') as (typeof RUN_IN)[number][];
for (const [flag, list, known] of [['models', models, MODELS], ['run-in', runIns, RUN_IN]] as const) {
  const bad = list.filter((x) => !(known as readonly string[]).includes(x));
  if (bad.length > 0 || list.length === 0) {
    console.error(`bench:browser: --${flag} takes a comma list of ${known.join(', ')}; got ${values[flag]}`);
    process.exit(2);
  }
}
const CHROMIUM = process.env['PRUNEQUANT_CHROMIUM'] ?? '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'prunequant-bench-browser-'));

try {
  const bundle = await buildBrowserBundle(join(dir, 'dist'));
  mkdirSync(join(dir, 'page'));
  await build({ entryPoints: [resolve('bench/browser/page.ts')], outfile: join(dir, 'page', 'page.js'), bundle: true, format: 'esm', platform: 'browser', logLevel: 'error' });
  writeFileSync(join(dir, 'page', 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="page.js"></script>');
  mkdirSync(join(dir, 'models'));

  interface Case { model: string; label: string; engine: BenchRequest['engine']; file: string; inputShape: [number, number, number]; runIn?: BenchRequest['runIn'] }
  const cases: Case[] = [];
  for (const name of models) {
    const model = createModel(name, { seed: 0 });
    const [c, h, w] = model.inputShape;
    const file = (suffix: string, bytes: Uint8Array | string) => { writeFileSync(join(dir, 'models', `${name}${suffix}`), bytes); return `/models/${name}${suffix}`; };
    const onnx = file('.onnx', encodeOnnxModel(exportOnnxModel(model)));
    const config = file('.config.json', JSON.stringify(model.config()));
    const dense = file('-dense.pqm', pqmBytes(model));
    pruneModel(model, { sparsity: 0.9, scope: 'layer' });
    const calibration = randomBatches([c, h, w], 8);
    const q = postTrainingQuantize(model, { weights: { bits: 8, granularity: 'channel' }, activations: { dtype: 'uint8', source: calibration, batches: 8, batchSize: 32 } });
    const sparse = file('-90-int8.pqm', pqmBytes(q.model, { meta: { quantization: quantizationMeta(q) } }));
    model.dispose();
    const inputShape: [number, number, number] = [c, h, w];
    cases.push(
      { model: name, label: 'onnxruntime-web (fp32)', engine: 'onnxruntime-web', file: onnx, inputShape },
      { model: name, label: 'TF.js WASM (fp32)', engine: 'tfjs-wasm', file: config, inputShape },
      ...runIns.flatMap((runIn) => {
        const where = runIns.length > 1 ? `, ${runIn}` : '';
        return [
          { model: name, label: `ours dense fp32${where}`, engine: 'ours' as const, file: dense, inputShape, runIn },
          { model: name, label: `ours 90% + int8${where}`, engine: 'ours' as const, file: sparse, inputShape, runIn },
        ];
      }),
    );
  }

  const server = await startServer({
    routes: {
      '/': join(dir, 'page'), '/dist/': bundle.dir, '/models/': join(dir, 'models'),
      '/ort/': dirname(require.resolve('onnxruntime-web')),
      '/tfjs/': join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'),
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  // With --rounds R every case runs R times, the cases taking turns, and the median round
  // counts: a machine whose load changes during the run then weighs on every engine alike.
  const rounds_: { result?: BenchResult; error?: string }[][] = cases.map(() => []);
  try {
    for (let round = 0; round < rounds; round++) for (const [k, c] of cases.entries()) {
      const page = await browser.newPage();
      try {
        await page.goto(`${server.url}/`);
        await page.waitForFunction('typeof window.bench === "function"', null, { timeout: 30_000 });
        const request: BenchRequest = { engine: c.engine, url: c.file, threads, batch, seconds, inputShape: c.inputShape, runIn: c.runIn ?? 'auto' };
        const result = (await page.evaluate(`window.bench(${JSON.stringify(request)})`)) as BenchResult;
        rounds_[k]!.push({ result });
        process.stderr.write(`${rounds > 1 ? `round ${round + 1}: ` : ''}${c.model} ${c.label}: ${result.imagesPerSec.toFixed(0)} img/s at batch ${batch}, batch-1 p50 ${result.batch1P50Ms.toFixed(3)} ms (${result.threads} thread(s); ${result.note})\n`);
      } catch (e) {
        rounds_[k]!.push({ error: (e as Error).message.split('\n')[0] });
        process.stderr.write(`${c.model} ${c.label}: failed: ${(e as Error).message.split('\n')[0]}\n`);
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const results = cases.map((c, k): Case & { result?: BenchResult; error?: string; range: string } => {
    const ok = rounds_[k]!.flatMap((r) => (r.result ? [r.result] : [])).sort((a, b) => a.imagesPerSec - b.imagesPerSec);
    if (ok.length === 0) return { ...c, error: rounds_[k]![0]?.error ?? 'not run', range: '' };
    const p50 = ok.map((r) => r.batch1P50Ms).sort((a, b) => a - b);
    const result = { ...ok[ok.length >> 1]!, batch1P50Ms: p50[p50.length >> 1]! };
    return { ...c, result, range: `${ok[0]!.imagesPerSec.toFixed(0)}-${ok[ok.length - 1]!.imagesPerSec.toFixed(0)}` };
  });

  const rows: string[][] = [['model', 'engine', 'threads', 'batch-1 p50 ms', `batch-${batch} img/s`, 'x onnxruntime-web', 'x TF.js WASM', ...(rounds > 1 ? ['img/s, rounds min-max'] : [])]];
  for (const r of results) {
    const ort = results.find((x) => x.model === r.model && x.engine === 'onnxruntime-web')?.result;
    const tfjs = results.find((x) => x.model === r.model && x.engine === 'tfjs-wasm')?.result;
    const m = r.result;
    const ratio = (a?: BenchResult) => (m && a ? `${(m.imagesPerSec / a.imagesPerSec).toFixed(2)}x` : '-');
    rows.push(m
      ? [r.model, r.label, String(m.threads), m.batch1P50Ms.toFixed(3), m.imagesPerSec.toFixed(0), ratio(ort), ratio(tfjs), ...(rounds > 1 ? [r.range] : [])]
      : [r.model, r.label, '-', '-', `failed: ${r.error}`, '-', '-', ...(rounds > 1 ? [''] : [])]);
  }
  console.log(`\nheadless Chromium, cross-origin isolated page, ${threads} thread(s) requested, batch ${batch}, ${seconds} s per measurement${rounds > 1 ? `, median of ${rounds} rounds` : ''}`);
  console.log(`our bundle: ${((bundle.js.gzip + bundle.wasm.gzip) / 1024).toFixed(1)} KB gzipped with its .wasm\n`);
  console.log(formatTable(rows, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
