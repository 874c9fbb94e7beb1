/**
 * Damaged and unsupported ONNX files give one OnnxImportError naming the file and the node or
 * tensor; gradients of the ops imported graphs brought in; and zoo models survive
 * Model → ONNX → prunequant with the same outputs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  OnnxImportError, encodeOnnxModel, exportOnnxModel, importOnnxModel, loadOnnxModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo,
  type OnnxNode, type OnnxTensor,
} from '../../src/io/index.js';
import { createModel, modelNames } from '../../src/nn/index.js';
import { Tensor, clip, elu, hardSigmoid, lrn, noGrad, pad, prelu, scope, selu, softmaxAxis, softplus, transpose } from '../../src/tensor/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { expectGradcheck } from '../helpers/gradcheck.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-onnx-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const w = (name: string, dims: number[], seed = 1) => makeTensor(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed));
function modelBytes(nodes: OnnxNode[], inits: OnnxTensor[], opset = 13): Uint8Array {
  const graph = makeGraph({ nodes, initializers: inits, inputs: [makeValueInfo('x', ['N', 1, 4, 4])], outputs: [makeValueInfo('y', ['N', 2])] });
  return encodeOnnxModel(makeModel(graph, { opset }));
}
const good = () => modelBytes([
  makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }),
  makeNode('Flatten', ['c'], ['f'], {}, { name: 'flat' }),
  makeNode('Gemm', ['f', 'fc'], ['y'], { transB: 1 }, { name: 'fc' }),
], [w('w', [2, 1, 3, 3]), w('fc', [2, 8])]);

function expectImportError(bytes: Uint8Array, file: string, ...patterns: RegExp[]): void {
  assert.throws(() => importOnnxModel(bytes, { fileName: file, externalDataDir: dir }), (e: unknown) => {
    assert.ok(e instanceof OnnxImportError, `an OnnxImportError, got ${String(e)}`);
    assert.ok(e.message.includes(file), `names the file: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('ONNX import: bad files', () => {
  it('a good model imports (the baseline the damaged ones come from)', () => {
    importOnnxModel(good(), { fileName: 'good.onnx' }).model.dispose();
  });
  it('a truncated file', () => {
    const bytes = good();
    expectImportError(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'cut.onnx', /truncated/);
  });
  it('a file that is not ONNX', () => {
    expectImportError(new TextEncoder().encode('{"format": "layers-model", "modelTopology": {}}'), 'model.json', /not a readable ONNX model/);
    expectImportError(new Uint8Array(0), 'empty.onnx', /no graph/);
  });
  it('missing and short external data', () => {
    const t = w('w', [2, 1, 3, 3]);
    t.external = { location: 'weights.bin', offset: 0, length: 72 };
    const bytes = modelBytes([
      makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }),
      makeNode('Flatten', ['c'], ['f'], {}, { name: 'flat' }),
      makeNode('Gemm', ['f', 'fc'], ['y'], { transB: 1 }, { name: 'fc' }),
    ], [t, w('fc', [2, 8])]);
    expectImportError(bytes, 'ext.onnx', /tensor 'w'/, /weights\.bin' not found/);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(40));
    expectImportError(bytes, 'ext.onnx', /tensor 'w'/, /holds 40 bytes/);
    const path = join(dir, 'ext.onnx');
    writeFileSync(path, bytes);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(72));
    loadOnnxModel(path).model.dispose();
  });
  it('a tensor whose byte size disagrees with its shape', () => {
    const t = w('w', [2, 1, 3, 3]);
    t.dims = [2, 1, 3, 4]; // 24 floats declared, 18 stored
    const bytes = encodeTensorLie(t);
    expectImportError(bytes, 'lie.onnx', /tensor 'w'/, /need 96 bytes, raw_data holds 72/);
  });
  it('a cycle, and a dangling input', () => {
    expectImportError(modelBytes([
      makeNode('Relu', ['x', 'b'], ['a'], {}, { name: 'r1' }),
      makeNode('Relu', ['a'], ['b'], {}, { name: 'r2' }),
      makeNode('Flatten', ['b'], ['y'], {}, { name: 'flat' }),
    ], []), 'cycle.onnx', /cycle/, /'r1' \(Relu\)/);
    expectImportError(modelBytes([makeNode('Relu', ['nowhere'], ['y'], {}, { name: 'r' })], []), 'dangling.onnx', /'r' \(Relu\)/, /'nowhere'.*dangling/);
  });
  it('NaN weights', () => {
    const t = w('w', [2, 1, 3, 3]);
    (t.data as Float32Array)[4] = Number.NaN;
    const bytes = modelBytes([
      makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }),
      makeNode('Flatten', ['c'], ['f'], {}, { name: 'flat' }),
      makeNode('Gemm', ['f', 'fc'], ['y'], { transB: 1 }, { name: 'fc' }),
    ], [t, w('fc', [2, 8])]);
    expectImportError(bytes, 'nan.onnx', /tensor 'w'/, /'conv' \(Conv\)/, /non-finite value \(NaN\) at index 4/);
  });
  it('every unsupported op in one error, with node names and the opset', () => {
    expectImportError(modelBytes([
      makeNode('Resize', ['x'], ['a'], {}, { name: 'up1' }),
      makeNode('Resize', ['a'], ['b'], {}, { name: 'up2' }),
      makeNode('Einsum', ['b'], ['c'], {}, { name: 'mix' }),
      makeNode('Flatten', ['c'], ['y'], {}, { name: 'flat' }),
    ], [], 15), 'unsup.onnx', /opset 15/, /Resize \('up1', 'up2'\)/, /Einsum \('mix'\)/);
  });
});

/** The tensor-proto encoder checks dims against data, so the lie is spliced into good bytes. */
function encodeTensorLie(t: OnnxTensor): Uint8Array {
  const honest = w('w', [2, 1, 3, 3]);
  const bytes = modelBytes([
    makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }),
    makeNode('Flatten', ['c'], ['f'], {}, { name: 'flat' }),
    makeNode('Gemm', ['f', 'fc'], ['y'], { transB: 1 }, { name: 'fc' }),
  ], [honest, w('fc', [2, 8])]);
  // dims are varints 2,1,3,3 under field 1 (key 0x08): turn the last 3 into 4.
  const pattern = [0x08, 2, 0x08, 1, 0x08, 3, 0x08, 3];
  for (let i = 0; i < bytes.length - pattern.length; i++) {
    if (pattern.every((b, k) => bytes[i + k] === b)) { bytes[i + 7] = t.dims[3]!; return bytes; }
  }
  throw new Error('dims pattern not found');
}

describe('gradients of the ops ONNX import brought in', () => {
  const x = (shape: number[], seed: number, lo = -2, hi = 2) => ({ data: randomFloats(shape.reduce((a, b) => a * b, 1), seed, lo, hi).map((v) => (Math.abs(v) < 0.1 ? 0.1 + Math.abs(v) : v)), shape });
  it('elu, selu, softplus, hardSigmoid, clip (finite and one-sided)', () => {
    expectGradcheck((t) => elu(t, 0.7), [x([2, 9], 1)]);
    expectGradcheck((t) => selu(t), [x([2, 9], 2)]);
    expectGradcheck((t) => softplus(t), [x([2, 9], 3, -6, 6)]);
    expectGradcheck((t) => hardSigmoid(t, 0.2, 0.5), [x([18], 4, -2, 2)]);
    expectGradcheck((t) => clip(t, -0.5, 1.5), [{ data: Float32Array.from([-1.2, -0.3, 0.2, 0.9, 1.3, 1.9, -0.8, 0.6]), shape: [8] }]);
    expectGradcheck((t) => clip(t, 0.3, Infinity), [{ data: Float32Array.from([-1, 0.1, 0.5, 2]), shape: [4] }]);
    expectGradcheck((t) => clip(t, -Infinity, 0.3), [{ data: Float32Array.from([-1, 0.1, 0.5, 2]), shape: [4] }]);
  });
  it('prelu (input and per-channel slope), lrn, transpose, pad, softmax along an inner axis', () => {
    expectGradcheck((t, s) => prelu(t, s), [x([2, 3, 2, 2], 5), { data: Float32Array.from([0.1, 0.3, -0.2]), shape: [3, 1, 1] }]);
    expectGradcheck((t) => lrn(t, 3, 0.5, 0.75, 1), [x([1, 5, 2, 2], 6)], { rtol: 3e-2 });
    expectGradcheck((t) => transpose(t, [0, 2, 3, 1]), [x([2, 3, 2, 4], 7)]);
    expectGradcheck((t) => pad(t, [0, 0, 1, 2, 0, 1, 0, 1], 0.5), [x([2, 2, 3, 2], 8)]);
    expectGradcheck((t) => softmaxAxis(t, 1), [x([2, 4, 3], 9)]);
    expectGradcheck((t) => softmaxAxis(t, 1, true, true), [x([2, 4, 3], 10)]);
  });
  it('forward values against hand-computed ones', () => {
    scope(() => noGrad(() => {
      expectAllClose(clip(Tensor.from([-3, 0.5, 9], [3]), -1, 2).toArray(), [-1, 0.5, 2]);
      expectAllClose(softplus(Tensor.from([0, 30, -30], [3])).toArray(), [Math.log(2), 30, Math.exp(-30)], { rtol: 1e-5, atol: 1e-12 });
      expectAllClose(transpose(Tensor.from([1, 2, 3, 4, 5, 6], [1, 2, 3]), [0, 2, 1]).toArray(), [1, 4, 2, 5, 3, 6]);
      expectAllClose(pad(Tensor.from([1, 2], [1, 2]), [0, 1, 0, 2], 9).toArray(), [9, 1, 2, 9, 9]);
      // LRN of one channel-constant pixel: x / (1 + a/size · Σ x²)^b over the 3 neighbours.
      const y = lrn(Tensor.from([1, 2, 3], [1, 3, 1, 1]), 3, 0.3, 0.75, 1).toArray();
      expectAllClose(y, [1 / (1 + 0.1 * 5) ** 0.75, 2 / (1 + 0.1 * 14) ** 0.75, 3 / (1 + 0.1 * 13) ** 0.75]);
    }));
  });
});

describe('Model → ONNX → prunequant round trip of the zoo', () => {
  for (const name of modelNames) {
    it(name, () => {
      const model = createModel(name);
      const imported = importOnnxModel(encodeOnnxModel(exportOnnxModel(model)), { fileName: `${name}.onnx` });
      const [c, h, wd] = model.inputShape;
      const data = randomFloats(2 * c * h * wd, 3);
      scope(() => noGrad(() => {
        const a = model.forward(Tensor.from(data, [2, c, h, wd])).toArray();
        const b = imported.model.forward(Tensor.from(data, [2, c, h, wd])).toArray();
        expectAllClose(b, a, { rtol: 1e-5, atol: 1e-5, what: name });
      }));
      assert.equal(imported.model.paramCount(), model.paramCount());
      model.dispose();
      imported.model.dispose();
    });
  }
});
