/**
 * A model built with our builder and encoder, run by onnxruntime-node, against a plain-loop
 * TypeScript reference: onnxruntime accepting and computing our bytes is the encoder's check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attr, onnxGraphBuilder, makeModel } from '../../src/io/onnx/index.js';
import { expectAllClose, randomFloats } from '../helpers/assert.js';
import { runOrt } from '../helpers/ort.js';

const [N, C, H, W] = [2, 3, 8, 8];
const [K, R, S] = [4, 3, 3]; // conv filters, kernel height, width; pad 1, stride 1
const HP = H / 2, WP = W / 2; // after 2x2 max pool, stride 2
const FEATURES = K * HP * WP, CLASSES = 10;

/** NCHW conv (pad 1) + bias, then ReLU. */
function convRelu(x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const y = new Float32Array(N * K * H * W);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    let acc = b[k]!;
    for (let c = 0; c < C; c++) for (let r = 0; r < R; r++) for (let s = 0; s < S; s++) {
      const ii = i + r - 1, jj = j + s - 1;
      if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
      acc += x[((n * C + c) * H + ii) * W + jj]! * w[((k * C + c) * R + r) * S + s]!;
    }
    y[((n * K + k) * H + i) * W + j] = Math.max(acc, 0);
  }
  return y;
}

function maxPool2x2(x: Float32Array): Float32Array {
  const y = new Float32Array(N * K * HP * WP);
  for (let p = 0; p < N * K; p++) for (let i = 0; i < HP; i++) for (let j = 0; j < WP; j++) {
    const at = (di: number, dj: number) => x[(p * H + 2 * i + di) * W + 2 * j + dj]!;
    y[(p * HP + i) * WP + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
  }
  return y;
}

/** Gemm with transB: y = x · wᵀ + b, x [N, FEATURES], w [CLASSES, FEATURES]. */
function gemm(x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const y = new Float32Array(N * CLASSES);
  for (let n = 0; n < N; n++) for (let o = 0; o < CLASSES; o++) {
    let acc = b[o]!;
    for (let f = 0; f < FEATURES; f++) acc += x[n * FEATURES + f]! * w[o * FEATURES + f]!;
    y[n * CLASSES + o] = acc;
  }
  return y;
}

describe('builder-made models run in onnxruntime-node', () => {
  it('Conv + Relu + MaxPool + Flatten + Gemm matches a TypeScript reference', async () => {
    const x = randomFloats(N * C * H * W, 1);
    const convW = randomFloats(K * C * R * S, 2, -0.5, 0.5);
    const convB = randomFloats(K, 3, -0.1, 0.1);
    const fcW = randomFloats(CLASSES * FEATURES, 4, -0.2, 0.2);
    const fcB = randomFloats(CLASSES, 5, -0.1, 0.1);

    const g = onnxGraphBuilder('cnn');
    const input = g.input('input', ['N', C, H, W]);
    const [conv] = g.node('Conv', [input, g.initializer('conv.w', [K, C, R, S], convW), g.initializer('conv.b', [K], convB)],
      { kernel_shape: [R, S], pads: [1, 1, 1, 1], strides: [1, 1] });
    const [relu] = g.node('Relu', [conv!]);
    const [pool] = g.node('MaxPool', [relu!], { kernel_shape: [2, 2], strides: [2, 2] });
    const [flat] = g.node('Flatten', [pool!], { axis: 1 });
    const [logits] = g.node('Gemm', [flat!, g.initializer('fc.w', [CLASSES, FEATURES], fcW), g.initializer('fc.b', [CLASSES], fcB)],
      { transB: 1, alpha: attr.float(1), beta: attr.float(1) });
    g.output(logits!, ['N', CLASSES]);

    const outputs = await runOrt(makeModel(g.build(), { opset: 17 }), { input: { data: x, dims: [N, C, H, W] } });
    const got = outputs[logits!];
    assert.ok(got, `no output '${logits}'`);
    assert.deepEqual(got.dims, [N, CLASSES]);
    const expected = gemm(maxPool2x2(convRelu(x, convW, convB)), fcW, fcB);
    expectAllClose(got.data, expected, { rtol: 1e-4, atol: 1e-5, what: 'logits' });
  });

  it('int64 initializers and outputs pass through (Reshape with a shape tensor, Shape)', async () => {
    const g = onnxGraphBuilder('reshape');
    const x = g.input('x', [2, 6]);
    const [y] = g.node('Reshape', [x, g.initializer('shape', [3], new BigInt64Array([3n, -1n, 2n]))]);
    const [shape] = g.node('Shape', [y!]);
    g.output(y!, [3, 2, 2]).output(shape!, [3], 'int64');
    const data = Float32Array.from({ length: 12 }, (_, i) => i);
    const out = await runOrt(makeModel(g.build()), { x: { data, dims: [2, 6] } });
    assert.deepEqual(out[y!]!.dims, [3, 2, 2]);
    assert.deepEqual(out[y!]!.data, data);
    assert.deepEqual([...out[shape!]!.data], [3, 2, 2]);
    assert.equal(out[shape!]!.type, 'int64');
  });
});
