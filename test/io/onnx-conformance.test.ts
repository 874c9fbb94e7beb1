/**
 * The decoder and encoder against ONNX's own backend test data, with onnxruntime-node as the
 * executor: real files decode, re-encode losslessly, and run to the expected outputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  OnnxFormatError, decodeOnnxModel, encodeOnnxModel, tensorStorage, type OnnxGraph, type OnnxModel,
} from '../../src/io/onnx/index.js';
import { expectAllClose } from '../helpers/assert.js';
import {
  conformanceRoot, conformanceSkip, listConformanceCases, listLightModels, loadConformanceCase, loadLightCase,
  restampAsOpset7, runOrt, type ConformanceCase,
} from '../helpers/ort.js';

const skip = conformanceSkip();
const root = conformanceRoot() ?? '';

// The ai.onnx operators the test models may use; anything else means we misread op_type.
const KNOWN_OPS = new Set(`Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool BatchNormalization
  Cast Ceil Celu Clip Concat Constant ConstantOfShape Conv ConvTranspose Cos Cosh CumSum DepthToSpace
  DequantizeLinear Div Dropout Einsum Elu Equal Erf Exp Expand Flatten Floor Gather GatherElements Gemm
  GlobalAveragePool GlobalMaxPool Greater HardSigmoid HardSwish Identity InstanceNormalization LRN
  LayerNormalization LeakyRelu Less Log LogSoftmax MatMul Max MaxPool Mean Min Mul Neg Not Pad Pow PRelu
  QuantizeLinear Reciprocal ReduceMax ReduceMean ReduceMin ReduceSum Relu Reshape Resize Selu Shape Sigmoid
  Sign Sin Slice Softmax Softplus Softsign Split Sqrt Squeeze Sub Sum Tanh Tile Transpose Unsqueeze Upsample
  Where Xor`.split(/\s+/));

function modelFiles(): string[] {
  if (skip) return [];
  return [
    ...listConformanceCases().map((c) => join(root, 'pytorch-converted', c, 'model.onnx')),
    ...readdirSync(join(root, 'light')).filter((f) => f.endsWith('.onnx')).map((f) => join(root, 'light', f)),
  ];
}

function checkGraph(graph: OnnxGraph, file: string): void {
  assert.ok(graph.nodes.length > 0, `${file}: no nodes`);
  for (const node of graph.nodes) {
    assert.ok(KNOWN_OPS.has(node.opType), `${file}: unknown op type '${node.opType}'`);
    assert.ok(node.outputs.length > 0, `${file}: ${node.opType} node without outputs`);
  }
  for (const t of graph.initializers) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    const elementBytes = tensorStorage(t.dataType)!.arrayType.BYTES_PER_ELEMENT;
    assert.equal(t.data.byteLength, count * elementBytes, `${file}: initializer '${t.name}' [${t.dims}] ${t.dataType}`);
  }
  assert.ok(graph.inputs.length > 0 && graph.outputs.length > 0, `${file}: graph without inputs or outputs`);
}

describe('decoding the conformance models', { skip }, () => {
  for (const file of modelFiles()) {
    const label = file.slice(root.length);
    it(`${label} decodes and re-encodes losslessly`, () => {
      const bytes = new Uint8Array(readFileSync(file));
      const model = decodeOnnxModel(bytes, file);
      checkGraph(model.graph, label);
      assert.ok(model.opsetImports.some((o) => o.domain === '' && o.version > 0), `${label}: no ai.onnx opset`);
      const ours = encodeOnnxModel(model);
      assert.deepStrictEqual(decodeOnnxModel(ours), model);
      assert.deepEqual(encodeOnnxModel(decodeOnnxModel(ours)), ours);
    });
  }

  it('test data .pb files hold as many elements as their dims say', () => {
    for (const name of listConformanceCases()) {
      const c = loadConformanceCase(name);
      for (const t of [...c.inputs, ...c.expected]) {
        assert.equal(t.data.length, t.dims.reduce((a, b) => a * b, 1), `${name}: [${t.dims}]`);
        assert.equal(t.dataType, 'float');
      }
    }
  });

  it('a truncated real model fails with its file name and an offset inside it', () => {
    const file = join(root, 'light', 'light_squeezenet.onnx');
    const bytes = new Uint8Array(readFileSync(file));
    for (const cut of [1, 17, 100, bytes.length >> 1, bytes.length - 3]) {
      assert.throws(() => decodeOnnxModel(bytes.subarray(0, cut), file), (e: unknown) => {
        assert.ok(e instanceof OnnxFormatError, String(e));
        assert.ok(e.offset <= cut, `cut ${cut}, offset ${e.offset}`);
        assert.ok(e.message.startsWith(`${file} @ byte ${e.offset}: `), e.message);
        return true;
      });
    }
  });
});

/** Runs `model` in onnxruntime on the case's inputs and checks every output as ONNX's runner does. */
async function expectOrtMatches(c: ConformanceCase, model: OnnxModel | Uint8Array, rtol = 1e-3): Promise<void> {
  const outputs = await runOrt(model, c.feeds);
  c.outputNames.forEach((name, i) => {
    const expected = c.expected[i]!;
    const got = outputs[name];
    assert.ok(got, `${c.name}: no output '${name}'`);
    assert.deepEqual(got.dims, expected.dims, `${c.name}: output '${name}' dims`);
    expectAllClose(got.data, expected.data as Float32Array, { rtol, atol: 1e-7, what: `${c.name} output '${name}'` });
  });
}

describe('conformance cases in onnxruntime-node', { skip }, () => {
  for (const name of skip ? [] : listConformanceCases()) {
    const c = loadConformanceCase(name);
    const restamped = restampAsOpset7(c.model);
    const needsRestamp = restamped !== c.model;
    const reason = typeof restamped === 'string' ? `onnxruntime cannot run it: ${restamped}` : false;
    it(`${name}: the original file and our re-encoding match the expected output`, { skip: reason }, async () => {
      if (typeof restamped === 'string') return;
      if (!needsRestamp) await expectOrtMatches(c, c.modelBytes);
      // Our encoder's output for the decoded (and, for opset 6, restamped) model must run too.
      await expectOrtMatches(c, encodeOnnxModel(restamped));
    });
  }
});

// AlexNet, VGG-19 and ZFNet-512 take 2-6 s each in single-threaded onnxruntime; they add file
// size but no new structure, so they run only when asked.
const SLOW_LIGHT = new Set(['light_bvlc_alexnet', 'light_vgg19', 'light_zfnet512']);
const runSlow = process.env.PRUNEQUANT_SLOW_TESTS === '1';

describe('light ImageNet models, re-encoded by us, in onnxruntime-node', { skip }, () => {
  for (const name of skip ? [] : listLightModels()) {
    const slow = SLOW_LIGHT.has(name) && !runSlow;
    it(`${name} matches its expected output`, { skip: slow ? 'slow in onnxruntime; PRUNEQUANT_SLOW_TESTS=1 runs it' : false }, async () => {
      const c = loadLightCase(name);
      await expectOrtMatches(c, encodeOnnxModel(c.model), name === 'light_densenet121' ? 2e-3 : 1e-3);
    });
  }
});
