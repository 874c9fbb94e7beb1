/**
 * The light/* ImageNet architectures with seeded random weights in place of their constant ones:
 * the imported model's logits agree with onnxruntime-node's on the same graph (rtol 1e-3, and
 * an atol of 1e-4 of the largest logit for values near zero). The final Softmax is cut from the
 * graph so that logits, not near-uniform probabilities, are compared.
 */
import { describe, it } from 'node:test';
import { encodeOnnxModel, importOnnxModel, makeTensor, makeValueInfo, type OnnxModel, type OnnxTensor } from '../../src/io/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { conformanceSkip, listLightModels, loadLightCase } from '../helpers/conformance.js';
import { runOrt } from '../helpers/ort.js';

const skip = process.env['CI'] === 'true' ? false : conformanceSkip();

/** Every ConstantOfShape weight becomes a seeded random initializer; the final Softmax is cut. */
function randomized(model: OnnxModel, seed: number): OnnxModel {
  const inits = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const added: OnnxTensor[] = [];
  const nodes = model.graph.nodes.filter((n) => {
    if (n.opType !== 'ConstantOfShape') return true;
    const dims = Array.from(inits.get(n.inputs[0]!)!.data as BigInt64Array, Number);
    const count = dims.reduce((a, b) => a * b, 1);
    const fanIn = dims.slice(1).reduce((a, b) => a * b, 1);
    // 1-D tensors (biases, BN scale/shift/mean/var) stay positive, so variances are valid.
    const data = dims.length === 1 ? randomFloats(count, seed + added.length, 0.5, 1.5) : randomFloats(count, seed + added.length, -Math.sqrt(3 / fanIn), Math.sqrt(3 / fanIn));
    added.push(makeTensor(n.outputs[0]!, dims, data));
    return false;
  });
  const out = model.graph.outputs[0]!.name;
  const softmax = nodes.find((n) => n.opType === 'Softmax' && n.outputs[0] === out);
  const kept = nodes.filter((n) => n !== softmax);
  const outputs = softmax ? [makeValueInfo(softmax.inputs[0]!)] : model.graph.outputs;
  return {
    ...model,
    graph: {
      ...model.graph, nodes: kept, outputs,
      initializers: [...model.graph.initializers, ...added],
      inputs: [...model.graph.inputs, ...added.map((t) => makeValueInfo(t.name, t.dims))],
    },
  };
}

describe('ONNX import: light models with random weights against onnxruntime-node', { skip }, () => {
  for (const name of listLightModels()) {
    it(name, async () => {
      const c = loadLightCase(name);
      const model = randomized(c.model, 1000);
      const input = c.inputs[0]!;
      const expected = Object.values(await runOrt(model, c.feeds))[0]!.data;
      const imported = importOnnxModel(encodeOnnxModel(model), { fileName: `${name} (random weights)` });
      try {
        const ours = scope(() => noGrad(() => imported.model.forward(Tensor.from(input.data as Float32Array, input.dims)).toArray()));
        const peak = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expectAllClose(ours, expected, { rtol: 1e-3, atol: 1e-4 * peak, what: `${name} logits` });
      } finally {
        imported.model.dispose();
      }
    });
  }
});
