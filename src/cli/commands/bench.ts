/**
 * `prunequant bench MODEL`: how fast the runtime runs a model, beside the same model run with
 * dense float32 kernels and, when onnxruntime-node is installed, onnxruntime on its fp32 ONNX
 * export; every figure from this one process and run. It measures and prints, never judges.
 */
import { readFileSync } from 'node:fs';
import { loadQuantizedCheckpoint } from '../../compress/index.js';
import { encodeOnnxModel, exportOnnxModel, toDeployModel } from '../../io/index.js';
import { threadCount } from '../../kernels/index.js';
import { Session, decodePqm, denseWeight, type DeployModel } from '../../runtime/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, finish } from '../common.js';

const OPTIONS: Record<string, OptionSpec> = {
  explain: { type: 'boolean', default: false, help: 'print each layer: shape, sparsity, bits, the kernels timed and the one chosen' },
  batch: { type: 'number', default: 32, help: 'throughput batch size' },
  seconds: { type: 'number', default: 2, help: 'timed seconds per measurement' },
  ...COMMON_OPTIONS,
};

export const benchUsage = helpText('prunequant bench MODEL.pqm|MODEL.pqck [--explain] [--batch 32] [--threads N]', OPTIONS);

export interface EngineFigures {
  engine: string;
  /** Batch-1 latency percentiles, milliseconds. */
  p50Ms: number;
  p95Ms: number;
  imagesPerSecond: number;
  /** Heap bytes the session holds (weights, buffers, scratch); null for other engines. */
  memoryBytes: number | null;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Times `run(n)`: batch-1 latencies over `seconds / 2`, then batch throughput over `seconds / 2`. */
async function measure(engine: string, run: (n: number) => Promise<void> | void, batch: number, seconds: number, memoryBytes: number | null): Promise<EngineFigures> {
  for (let i = 0; i < 5; i++) await run(1);
  const lat: number[] = [];
  for (let t0 = performance.now(); performance.now() - t0 < (seconds * 1000) / 2 || lat.length < 20;) {
    const s = performance.now();
    await run(1);
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  await run(batch);
  let images = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < (seconds * 1000) / 2 || images < 4 * batch) {
    await run(batch);
    images += batch;
  }
  return { engine, p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95), imagesPerSecond: images / ((performance.now() - t0) / 1000), memoryBytes };
}

/** The same graph uncompressed: every weight dense float32, activations float32. */
function denseFloat(model: DeployModel): DeployModel {
  const nodes = model.nodes.map((n) => {
    const plain = { ...n, outputQuant: null };
    if (n.op !== 'Conv2d' && n.op !== 'Linear') return plain;
    return { ...plain, weight: { shape: n.weight.shape, indices: null, values: denseWeight(n.weight), codes: null, quant: null } };
  }) as DeployModel['nodes'];
  return { ...model, inputQuant: null, nodes };
}

/** Every conv and linear node on a dense kernel, as an unpruned model would run. */
function denseKernels(session: Session): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of session.explain()) {
    const dense = l.candidates.find((c) => !c.kernel.includes('sparse'));
    if (l.weights !== null && dense) out[l.node] = dense.kernel;
  }
  return out;
}

export async function benchCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('bench', argv, OPTIONS);
  if (o['help']) return void process.stdout.write(`${benchUsage}\n`);
  applyThreads(o['threads']);
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError('bench: missing MODEL (a .pqm file or a .pqck checkpoint)');
  if (extra.length > 0) throw new UsageError(`bench: one MODEL expected, also got ${extra.map((e) => `'${e}'`).join(', ')}`);
  const batch = o['batch'] as number, seconds = o['seconds'] as number;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new UsageError(`bench: --batch must be a positive integer, got ${batch}`);
  if (!(seconds > 0)) throw new UsageError(`bench: --seconds must be positive, got ${seconds}`);
  let deploy: DeployModel;
  let onnx: Uint8Array | null = null;
  if (path.endsWith('.pqm')) {
    deploy = decodePqm(readFileSync(path), path);
  } else {
    const { model, meta, quantized } = loadQuantizedCheckpoint(path);
    deploy = toDeployModel(model, { meta, source: path });
    if (!quantized?.activations) onnx = encodeOnnxModel(exportOnnxModel(model));
    model.dispose();
  }
  const [c, h, w] = deploy.inputShape;
  const input = new Float32Array(batch * c * h * w).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  const session = await Session.create(deploy, { batch });
  const probe = await Session.create(denseFloat(deploy), { batch, timingRuns: 1 });
  const dense = await Session.create(denseFloat(deploy), { batch, kernels: denseKernels(probe), choose: 'first' });
  probe.dispose();
  const rows: EngineFigures[] = [];
  try {
    const runOn = (s: Session) => (n: number) => void s.runSync(input.subarray(0, n * c * h * w), [n, c, h, w]);
    rows.push(await measure('prunequant (chosen kernels)', runOn(session), batch, seconds, session.memoryBytes));
    rows.push(await measure('prunequant (dense fp32 kernels)', runOn(dense), batch, seconds, dense.memoryBytes));
    const ort = await import('onnxruntime-node').catch(() => null);
    if (ort !== null && onnx !== null) {
      const threads = threadCount();
      const ortSession = await ort.InferenceSession.create(onnx, { intraOpNumThreads: threads, interOpNumThreads: 1 });
      const name = ortSession.inputNames[0]!;
      rows.push(await measure(`onnxruntime-node ${threads}t (fp32 ONNX)`, async (n) => {
        // Only speed is compared here, so the raw pixels go in as they are.
        await ortSession.run({ [name]: new ort.Tensor('float32', input.slice(0, n * c * h * w), [n, c, h, w]) });
      }, batch, seconds, null));
      await ortSession.release();
    }
  } finally {
    dense.dispose();
  }
  const ours = rows[0]!;
  const lines = rows.map((r) => `${r.engine.padEnd(40)} batch 1: p50 ${r.p50Ms.toFixed(3)} ms, p95 ${r.p95Ms.toFixed(3)} ms | batch ${batch}: ${r.imagesPerSecond.toFixed(0)} img/s | ours ${(ours.imagesPerSecond / r.imagesPerSecond).toFixed(2)}x${r.memoryBytes === null ? '' : ` | session memory ${(r.memoryBytes / 1024).toFixed(0)} KiB`}`);
  const explain = o['explain'] === true ? `\n${session.explainText()}` : '';
  const result = { command: 'bench', model: path, threads: threadCount(), batch, engines: rows, ...(o['explain'] ? { layers: session.explain() } : {}) };
  session.dispose();
  const note = onnx === null ? '\n(onnxruntime runs on a .pqck export; bench the checkpoint to compare, or use npm run bench:runtime)' : '';
  finish(o['json'] === true, result, `${path}, ${threadCount()} thread(s)\n${lines.join('\n')}${note}${explain}`);
}
