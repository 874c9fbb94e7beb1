// Writes src/kernels/kernel-signatures.ts: one typed parameter tuple per function the
// kernel module exports, so that `call` and `parallel` (src/kernels/dispatch.ts) check a
// kernel's name and argument count at compile time. The kernels are built without bounds
// checks, so a call with the arguments of an older signature would corrupt memory silently.
//
// The tuples come from the AssemblyScript sources: assembly/index.ts and the modules it
// re-exports (`export * from`, `export { a, b } from`), each `export function name(a: i32, ...)`.
// The compiled module (build/kernels.wasm, or the path given as the first argument) is a
// cross-check: every function it exports must have a parsed signature with the same wasm
// parameter types, and every parsed signature must be exported.
//
// Usage: node scripts/gen-kernel-types.mjs [kernels.wasm]   (npm run build:wasm runs it after asc)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(ROOT, 'src', 'kernels', 'kernel-signatures.ts');

// AssemblyScript parameter types and the wasm value type each lowers to.
const WASM_TYPE = {
  i32: 'i32', u32: 'i32', usize: 'i32', isize: 'i32', bool: 'i32', i8: 'i32', u8: 'i32', i16: 'i32', u16: 'i32',
  i64: 'i64', u64: 'i64', f32: 'f32', f64: 'f64',
};
const TS_TYPE = { i32: 'number', f32: 'number', f64: 'number', i64: 'bigint' };

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
}

function resolveModule(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`gen-kernel-types: ${relative(ROOT, fromFile)}: cannot resolve '${spec}'`);
}

/** `export function` declarations of one file: name -> { params: [{ name, type, optional }], result, file, line }. */
function parseFunctions(file, text) {
  const out = new Map();
  const re = /\bexport\s+function\s+([A-Za-z_$][\w$]*)\s*(<[^>]*>)?\s*\(/g;
  for (let m; (m = re.exec(text)) !== null;) {
    const name = m[1];
    const where = `${relative(ROOT, file)}:${text.slice(0, m.index).split('\n').length}`;
    if (m[2] !== undefined) throw new Error(`gen-kernel-types: ${where}: generic export ${name} cannot be a wasm export`);
    let depth = 1, i = re.lastIndex;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')') depth--;
    }
    const inner = text.slice(re.lastIndex, i - 1);
    const resultMatch = /^\s*:\s*([\w.<>]+)/.exec(text.slice(i));
    if (resultMatch === null) throw new Error(`gen-kernel-types: ${where}: ${name} has no declared return type`);
    const params = inner.split(',').map((s) => s.trim()).filter((s) => s !== '').map((p) => {
      const pm = /^([A-Za-z_$][\w$]*)\s*(\?)?\s*:\s*([\w.]+)\s*(=.*)?$/s.exec(p);
      if (pm === null) throw new Error(`gen-kernel-types: ${where}: cannot parse parameter '${p}' of ${name}`);
      const type = pm[3];
      if (!(type in WASM_TYPE)) throw new Error(`gen-kernel-types: ${where}: ${name}(${pm[1]}: ${type}): type has no wasm mapping`);
      return { name: pm[1], type, optional: pm[2] !== undefined || pm[4] !== undefined };
    });
    const result = resultMatch[1];
    if (result !== 'void' && !(result in WASM_TYPE)) throw new Error(`gen-kernel-types: ${where}: ${name} returns ${result}, not a wasm value`);
    out.set(name, { name, params, result, file: relative(ROOT, file) });
  }
  return out;
}

/** The functions a module exports, following re-exports; cached per file. */
function moduleExports(file, cache, active = new Set()) {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  if (active.has(file)) throw new Error(`gen-kernel-types: re-export cycle through ${relative(ROOT, file)}`);
  active.add(file);
  const text = stripComments(readFileSync(file, 'utf8'));
  const exports = new Map(parseFunctions(file, text));
  for (const m of text.matchAll(/\bexport\s*\*\s*from\s*['"]([^'"]+)['"]/g)) {
    for (const [name, sig] of moduleExports(resolveModule(file, m[1]), cache, active)) exports.set(name, sig);
  }
  for (const m of text.matchAll(/\bexport\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) {
    const from = moduleExports(resolveModule(file, m[2]), cache, active);
    for (const item of m[1].split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const [orig, alias = orig] = item.split(/\s+as\s+/).map((s) => s.trim());
      const sig = from.get(orig);
      // Constants and enums are re-exported too; only functions are kernels.
      if (sig !== undefined) exports.set(alias, { ...sig, name: alias });
    }
  }
  active.delete(file);
  cache.set(file, exports);
  return exports;
}

/** Every kernel the module exports, by name, parsed from the AssemblyScript sources. */
export function parseKernelSignatures(assemblyDir = join(ROOT, 'assembly')) {
  return new Map([...moduleExports(join(assemblyDir, 'index.ts'), new Map())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---- the compiled module: its function exports and their wasm types --------------------

function readerOf(bytes) {
  let pos = 0;
  const r = {
    get pos() { return pos; },
    set pos(p) { pos = p; },
    byte: () => bytes[pos++],
    u32() {
      let result = 0, shift = 0, b;
      do { b = bytes[pos++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      return result >>> 0;
    },
    name() { const n = r.u32(); const s = new TextDecoder().decode(bytes.subarray(pos, pos + n)); pos += n; return s; },
    limits() { const flags = r.byte(); r.u32(); if (flags & 1) r.u32(); },
  };
  return r;
}

const VALTYPE = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };

/** Function exports of a wasm binary: name -> { params: wasm types[], results: wasm types[] }. */
export function wasmFunctionExports(bytes) {
  const r = readerOf(bytes);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error('gen-kernel-types: not a wasm module');
  r.pos = 8;
  const types = [], funcTypes = [], exports = [];
  while (r.pos < bytes.length) {
    const id = r.byte(), size = r.u32(), end = r.pos + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error('gen-kernel-types: unexpected type form');
        const params = Array.from({ length: r.u32() }, () => VALTYPE[r.byte()]);
        const results = Array.from({ length: r.u32() }, () => VALTYPE[r.byte()]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name(); r.name();
        const kind = r.byte();
        if (kind === 0) funcTypes.push(r.u32());
        else if (kind === 1) { r.byte(); r.limits(); }
        else if (kind === 2) r.limits();
        else if (kind === 3) { r.byte(); r.byte(); }
        else throw new Error(`gen-kernel-types: unknown import kind ${kind}`);
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) funcTypes.push(r.u32());
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) exports.push({ name: r.name(), kind: r.byte(), index: r.u32() });
    }
    r.pos = end;
  }
  const out = new Map();
  for (const e of exports) if (e.kind === 0) out.set(e.name, types[funcTypes[e.index]]);
  return out;
}

/** Problems between the parsed signatures and a compiled module's exports (empty when they agree). */
export function checkAgainstWasm(signatures, bytes) {
  const problems = [];
  const exported = wasmFunctionExports(bytes);
  for (const [name, type] of exported) {
    if (name === '_start') continue; // the module's start function (asconfig exportStart), not a kernel
    const sig = signatures.get(name);
    if (sig === undefined) { problems.push(`${name}: exported by the module, no signature found in assembly/`); continue; }
    const want = sig.params.map((p) => WASM_TYPE[p.type]);
    const optional = sig.params.some((p) => p.optional);
    if (!optional && want.join(',') !== type.params.join(',')) {
      problems.push(`${name} (${sig.file}): source says (${want.join(', ')}), module has (${type.params.join(', ')})`);
    }
  }
  for (const name of signatures.keys()) if (!exported.has(name)) problems.push(`${name}: in assembly/ but not exported by the module (stale build?)`);
  return problems;
}

// ---- the TypeScript output -------------------------------------------------------------

/** A kernel the pool can split: its last three parameters are (start, end, scratchPtr). */
function isRangeKernel(sig) {
  const n = sig.params.length;
  if (n < 3) return false;
  const [s, e, p] = sig.params.slice(n - 3);
  return p.name === 'scratchPtr' && /^start$|Start$/.test(s.name) && /^end$|End$/.test(e.name)
    && WASM_TYPE[s.type] === 'i32' && WASM_TYPE[e.type] === 'i32';
}

function tuple(params) {
  return `[${params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${TS_TYPE[WASM_TYPE[p.type]]}`).join(', ')}]`;
}

/** The text of src/kernels/kernel-signatures.ts for these signatures. */
export function renderKernelSignatures(signatures) {
  const lines = [
    '// Generated by scripts/gen-kernel-types.mjs from the AssemblyScript signatures in assembly/',
    '// (npm run build:wasm regenerates it); do not edit. test/kernels/kernel-signatures.test.ts',
    '// checks that it matches assembly/.',
    '',
    '/** Each exported kernel\'s parameters, as a labelled tuple. */',
    'export interface KernelParams {',
  ];
  for (const sig of signatures.values()) lines.push(`  ${sig.name}: ${tuple(sig.params)};`);
  lines.push('}', '', '/** What each kernel returns (`void` for none). */', 'export interface KernelResults {');
  for (const sig of signatures.values()) lines.push(`  ${sig.name}: ${sig.result === 'void' ? 'void' : TS_TYPE[WASM_TYPE[sig.result]]};`);
  lines.push(
    '}',
    '',
    '/**',
    ' * Kernels the thread pool can split over a range, with the parameters the caller passes:',
    ' * all but the trailing (start, end, scratchPtr) that the pool appends per thread.',
    ' */',
    'export interface ParallelKernelParams {',
  );
  for (const sig of signatures.values()) if (isRangeKernel(sig)) lines.push(`  ${sig.name}: ${tuple(sig.params.slice(0, -3))};`);
  lines.push('}', '', 'export type KernelName = keyof KernelParams;', 'export type ParallelKernelName = keyof ParallelKernelParams;', '');
  return lines.join('\n');
}

function main() {
  const wasmPath = resolve(process.argv[2] ?? process.env['PRUNEQUANT_WASM'] ?? join(ROOT, 'build', 'kernels.wasm'));
  const signatures = parseKernelSignatures();
  if (existsSync(wasmPath)) {
    const problems = checkAgainstWasm(signatures, readFileSync(wasmPath));
    if (problems.length > 0) {
      console.error(`gen-kernel-types: ${relative(ROOT, wasmPath) || wasmPath} disagrees with assembly/:\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
  } else {
    console.warn(`gen-kernel-types: ${wasmPath} not found; signatures not cross-checked against a build`);
  }
  const text = renderKernelSignatures(signatures);
  const old = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '';
  if (old !== text) writeFileSync(OUTPUT, text);
  console.log(`gen-kernel-types: ${signatures.size} kernels -> ${relative(ROOT, OUTPUT)}${old === text ? ' (unchanged)' : ''}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
