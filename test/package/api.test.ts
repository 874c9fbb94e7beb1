// The package's entry points: every error kind is exported, and the API families the README
// promises (pruning, quantization, export, the runtime) carry a doc comment with an example,
// which is what an editor shows a user on hover.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as api from '../../src/index.js';
import * as runtime from '../../src/runtime/index.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// The CLI's own error: thrown by argument parsing, never by the library.
const CLI_ONLY = new Set(['UsageError']);

/** Every `export class X extends …Error` under src/. */
function errorClasses(): string[] {
  const names = new Set<string>();
  for (const file of walk('src')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/export class (\w+) extends (\w*Error)\b/g)) names.add(m[1]!);
  }
  return [...names].filter((n) => !CLI_ONLY.has(n)).sort();
}

const DOCUMENTED = [
  // pruning
  'pruneModel', 'pruneWithAllocation', 'GradualPruner', 'adaptivePrune', 'layerSensitivity', 'allocateSparsity',
  // quantization
  'postTrainingQuantize', 'QatSession', 'ActivationQuantizer', 'calibrateActivations', 'foldBatchNorm',
  'saveQuantizedCheckpoint', 'loadQuantizedCheckpoint', 'quantizationMeta',
  // export and runtime
  'exportOnnxModel', 'saveOnnxModel', 'toDeployModel', 'savePqm', 'Session',
  // training and data, the README's first steps
  'createModel', 'fit', 'loadDataset', 'batchSource',
];

/** name -> the JSDoc tags of the declaration `src/index.ts` exports under that name. */
function exportedDocs(entry: string): Map<string, { text: string; tags: string[] }> {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    strict: true, noEmit: true, skipLibCheck: true, types: ['node'],
  });
  const checker = program.getTypeChecker();
  const mod = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const out = new Map<string, { text: string; tags: string[] }>();
  for (const s of checker.getExportsOfModule(mod)) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    out.set(s.name, {
      text: ts.displayPartsToString(target.getDocumentationComment(checker)),
      tags: target.getJsDocTags(checker).map((t) => t.name),
    });
  }
  return out;
}

describe('public API', () => {
  it('exports every error class of the library from prunequant', () => {
    const classes = errorClasses();
    assert.ok(classes.length >= 12, `found only ${classes.join(', ')}`);
    const exported = api as unknown as Record<string, unknown>;
    const missing = classes.filter((n) => typeof exported[n] !== 'function');
    assert.deepEqual(missing, [], `error classes not exported from src/index.ts: ${missing.join(', ')}`);
    for (const n of classes) assert.ok((exported[n] as { prototype: unknown }).prototype instanceof Error, `${n} is not an Error`);
  });

  it('one FormatError kind: a bad .onnx is caught as the runtime FormatError a bad .pqm raises', () => {
    assert.equal(api.FormatError, runtime.FormatError);
    const e = new api.OnnxFormatError('m.onnx', 7, 'truncated');
    assert.ok(e instanceof api.FormatError);
    assert.equal(e.message, 'm.onnx @ byte 7: truncated');
  });

  it('prunequant/runtime exports the Session and its errors', () => {
    assert.equal(typeof runtime.Session.create, 'function');
    assert.equal(runtime.Session, api.Session);
    assert.equal(runtime.SessionError, api.SessionError);
  });

  it('gives the API families and every error class a doc comment with an example', () => {
    const docs = exportedDocs('src/index.ts');
    const problems: string[] = [];
    for (const name of [...DOCUMENTED, ...errorClasses()]) {
      const d = docs.get(name);
      if (d === undefined) problems.push(`${name}: not exported from src/index.ts`);
      else if (!d.tags.includes('example')) problems.push(`${name}: no @example in its doc comment`);
    }
    assert.deepEqual(problems, []);
  });
});
