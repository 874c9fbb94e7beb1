/**
 * Acceptance run for the runtime issue, too long for `npm test`: LeNet-5 trained with the
 * default recipe, pruned to 95% (global, 5-epoch fine-tune at the recipe's lr), quantized to
 * 4 bits (5-epoch QAT at lr / 10), exported to .pqm; then the .pqm run by the runtime against
 * the .pqck simulation on all 10,000 MNIST test images: file size, top-1 agreement, accuracy.
 * Usage: node --import tsx scripts/accept-runtime.ts [DIR]   (default runs/accept-runtime; a
 * stage whose checkpoint exists in DIR is reused, so the run can resume)
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { batchSource, loadDataset } from '../src/data/index.js';
import { loadQuantizedCheckpoint } from '../src/compress/index.js';
import { Tensor, noGrad, scope } from '../src/tensor/index.js';
import { Session } from '../src/runtime/index.js';
import { writeFileAtomic } from '../src/nn/index.js';

const dir = process.argv[2] ?? 'runs/accept-runtime';
const log = (s: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);

async function stage(name: string, out: string, argv: string[]): Promise<void> {
  if (existsSync(out)) {
    log(`${name}: reusing ${out}`);
    return;
  }
  log(`${name}: prunequant ${argv.join(' ')}`);
  const code = await main(argv);
  if (code !== 0) throw new Error(`${name} failed with exit code ${code}`);
}

await stage('baseline', join(dir, 'base', 'model.pqck'), ['train', '--out', join(dir, 'base')]);
await stage('prune 95%', join(dir, 'p95', 'model.pqck'), ['prune', join(dir, 'base', 'model.pqck'), '--sparsity', '0.95', '--scope', 'global', '--out', join(dir, 'p95')]);
await stage('4-bit QAT', join(dir, 'q4', 'model.pqck'), ['quantize', join(dir, 'p95', 'model.pqck'), '--bits', '4', '--qat', '--epochs', '5', '--lr', '0.001', '--out', join(dir, 'q4')]);
const pqm = join(dir, 'q4.pqm');
await stage('export', pqm, ['export', join(dir, 'q4', 'model.pqck'), '--format', 'pqm', '--out', pqm]);

const { model, meta } = loadQuantizedCheckpoint(join(dir, 'q4', 'model.pqck'));
const normalization = meta['normalization'] as { mean: number; std: number };
const test = loadDataset('mnist').test;
const session = await Session.create(pqm, { batch: 256 });
let agree = 0, correctSim = 0, correctPqm = 0, count = 0;
const sim = batchSource(test, { normalization }).batches(256)[Symbol.iterator]();
for (const raw of batchSource(test).batches(256)) {
  const norm = sim.next().value!;
  const a = scope(() => noGrad(() => model.forward(Tensor.from(norm.images, norm.shape), { training: false }).toArray()));
  const b = session.runSync(raw.images, raw.shape);
  for (let i = 0; i < raw.labels.length; i++) {
    const top = (v: Float32Array) => { let k = 0; for (let j = 1; j < 10; j++) if (v[10 * i + j]! > v[10 * i + k]!) k = j; return k; };
    const ta = top(a), tb = top(b);
    if (ta === tb) agree++;
    if (ta === raw.labels[i]) correctSim++;
    if (tb === raw.labels[i]) correctPqm++;
  }
  count += raw.labels.length;
}
const result = {
  pqmBytes: statSync(pqm).size, fp32Bytes: 4 * 61706, compression: (4 * 61706) / statSync(pqm).size,
  top1Agreement: agree / count, accuracyPqck: correctSim / count, accuracyPqm: correctPqm / count, count,
};
log(`.pqm ${result.pqmBytes} bytes (${result.compression.toFixed(1)}x smaller than fp32 weights); top-1 agreement ${(100 * result.top1Agreement).toFixed(2)}%; accuracy .pqck ${(100 * result.accuracyPqck).toFixed(2)}%, .pqm ${(100 * result.accuracyPqm).toFixed(2)}%`);
writeFileAtomic(join(dir, 'accept-runtime.json'), JSON.stringify(result, null, 2));
session.dispose();
