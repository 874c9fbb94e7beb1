// Builds the browser bundle of the runtime: dist/browser/prunequant-runtime.js (an ES module,
// src/runtime/browser.ts with everything it imports, src/kernels/platform.ts swapped for its
// browser twin) and kernels.wasm beside it. Fails if a Node built-in reaches the bundle, and
// prints the gzipped sizes beside onnxruntime-web's WASM binary.
// Usage: node scripts/build-browser.mjs [OUT_DIR]   (default dist/browser)
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_NAME = 'prunequant-runtime.js';

const swapPlatform = {
  name: 'browser-platform',
  setup(b) {
    b.onResolve({ filter: /^\.\/platform\.js$/ }, (args) =>
      args.importer.startsWith(join(ROOT, 'src', 'kernels')) ? { path: join(ROOT, 'src', 'kernels', 'platform.browser.ts') } : undefined);
    // esbuild's 'browser' platform already refuses Node built-ins it can resolve; this names
    // the importer for any that slip in through a package's own build.
    b.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `${args.path} imported by ${args.importer}: the browser bundle must not use Node built-ins` }] }));
  },
};

/** Builds into `outDir`; returns the files' sizes in bytes, raw and gzipped. */
export async function buildBrowserBundle(outDir = join(ROOT, 'dist', 'browser'), wasmPath = join(ROOT, 'build', 'kernels.wasm')) {
  mkdirSync(outDir, { recursive: true });
  const js = join(outDir, BUNDLE_NAME);
  await build({
    entryPoints: [join(ROOT, 'src', 'runtime', 'browser.ts')],
    outfile: js,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [swapPlatform],
  });
  if (!existsSync(wasmPath)) throw new Error(`${wasmPath} not found: run npm run build:wasm first`);
  copyFileSync(wasmPath, join(outDir, 'kernels.wasm'));
  const size = (p) => { const b = readFileSync(p); return { bytes: b.length, gzip: gzipSync(b, { level: 9 }).length }; };
  return { js: size(js), wasm: size(join(outDir, 'kernels.wasm')), dir: outDir };
}

/** onnxruntime-web's SIMD + threads WASM binary, for scale; null where it is not installed. */
export function ortWebWasmSize() {
  const name = 'ort-wasm-simd-threaded.wasm';
  const path = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist', name);
  if (!existsSync(path)) return null;
  const b = readFileSync(path);
  return { name, bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildBrowserBundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const ort = ortWebWasmSize();
  console.log(`browser bundle in ${out.dir}: ${BUNDLE_NAME} ${kb(out.js.bytes)} (${kb(out.js.gzip)} gzipped) + kernels.wasm ${kb(out.wasm.bytes)} (${kb(out.wasm.gzip)} gzipped) = ${kb(out.js.gzip + out.wasm.gzip)} gzipped`);
  console.log(ort === null
    ? 'onnxruntime-web not installed: no size to compare with'
    : `for scale, onnxruntime-web's ${ort.name} alone: ${kb(ort.bytes)} (${kb(ort.gzip)} gzipped)`);
}
