// The typed kernel table (src/kernels/kernel-signatures.ts) must say what assembly/ says,
// or `call` and `parallel` would check calls against stale signatures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  OUTPUT, parseKernelSignatures, renderKernelSignatures, checkAgainstWasm, wasmFunctionExports,
} from '../../scripts/gen-kernel-types.mjs';
import { call, parallel } from '../../src/kernels/index.js';

function builtWasm(): Uint8Array {
  const override = process.env['PRUNEQUANT_WASM'];
  const path = override !== undefined && override !== '' ? override : join('build', 'kernels.wasm');
  assert.ok(existsSync(path), `${path} is missing: run npm run build:wasm`);
  return readFileSync(path);
}

describe('kernel signatures', () => {
  it('the committed table is what scripts/gen-kernel-types.mjs generates from assembly/', () => {
    const fresh = renderKernelSignatures(parseKernelSignatures());
    assert.ok(readFileSync(OUTPUT, 'utf8') === fresh,
      'src/kernels/kernel-signatures.ts is stale: run `node scripts/gen-kernel-types.mjs` (npm run build:wasm does) and commit it');
  });

  it('every function the compiled module exports has a parsed signature with its wasm types, and back', () => {
    const sigs = parseKernelSignatures();
    assert.deepEqual(checkAgainstWasm(sigs, builtWasm()), []);
    assert.ok(sigs.size > 50, `only ${sigs.size} kernels parsed`);
  });

  it('reports a signature whose arity differs from the module (negative control)', () => {
    const sigs = parseKernelSignatures();
    const fill = sigs.get('f32_fill')!;
    sigs.set('f32_fill', { ...fill, params: fill.params.slice(0, 2) });
    const problems = checkAgainstWasm(sigs, builtWasm()).filter((p) => p.startsWith('f32_fill'));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^f32_fill .*source says \(i32, i32\), module has \(i32, i32, f32\)/);
  });

  it('follows re-exports and splits off the pool tail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-sigs-'));
    try {
      mkdirSync(join(dir, 'fam'));
      writeFileSync(join(dir, 'index.ts'), "export * from './fam/index';\nexport function top(): i32 { return 1; }\n");
      writeFileSync(join(dir, 'fam', 'index.ts'), "export { k_range, k_value as k_renamed } from './k';\nexport const K = 3;\n");
      writeFileSync(join(dir, 'fam', 'k.ts'), [
        '/** a comment with export function fake(x: i32): void */',
        'export function k_range(',
        '  xPtr: usize, // pointer',
        '  n: i32, alpha: f32, start: i32, end: i32, scratchPtr: usize,',
        '): void {}',
        'export function k_value(a: f64, b: i64): f32 { return 0; }',
        'export function not_reexported(a: i32): void {}',
      ].join('\n'));
      const sigs = parseKernelSignatures(dir);
      assert.deepEqual([...sigs.keys()], ['k_range', 'k_renamed', 'top']);
      const text = renderKernelSignatures(sigs);
      assert.match(text, /k_range: \[xPtr: number, n: number, alpha: number, start: number, end: number, scratchPtr: number\];/);
      assert.match(text, /k_renamed: \[a: number, b: bigint\];/);
      assert.match(text, /ParallelKernelParams \{\n {2}k_range: \[xPtr: number, n: number, alpha: number\];\n\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads function exports from a wasm binary', () => {
    const exports = wasmFunctionExports(builtWasm());
    assert.deepEqual(exports.get('f32_fill'), { params: ['i32', 'i32', 'f32'], results: [] });
    assert.deepEqual(exports.get('heap_base'), { params: [], results: ['i32'] });
  });
});

// Never called: tsc (npm run lint) checks that a wrong kernel call does not compile.
export function typedCallsRejectWrongArguments(): void {
  // @ts-expect-error f32_fill takes (outPtr, n, value)
  call('f32_fill', 0, 4);
  // @ts-expect-error no such kernel
  call('f32_fil', 0, 4, 1);
  // @ts-expect-error parallel takes the parameters without (start, end, scratchPtr)
  parallel('f32_argmax_rows', [0, 0, 1, 1, 0, 1, 0], 1);
  // @ts-expect-error f32_fill has no (start, end, scratchPtr) tail, so the pool cannot split it
  parallel('f32_fill', [0, 4, 1], 1);
}
