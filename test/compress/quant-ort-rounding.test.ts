/**
 * Our quantizer against onnxruntime's QuantizeLinear / DequantizeLinear: the same codes for
 * exact ties (round half to even), per-axis scales and zero points, and 16-bit codes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { onnxGraphBuilder, makeModel, type OnnxDataType } from '../../src/io/onnx/index.js';
import { roundHalfEven } from '../../src/tensor/index.js';
import { quantizeTensor, quantizeWithParams, dequantize } from '../../src/compress/quantize/index.js';
import { randomFloats } from '../helpers/assert.js';
import { runOrt } from '../helpers/ort.js';

type ZpArray = Int8Array | Uint8Array | Int16Array | Uint16Array;

/** Codes and dequantized values from onnxruntime for x [shape] with per-axis (or scalar) parameters. */
async function ortQuantize(x: Float32Array, shape: number[], scales: Float32Array, zps: ZpArray, type: OnnxDataType, axis: number | null, opset: number) {
  const g = onnxGraphBuilder('q');
  const input = g.input('x', shape);
  const pshape = axis === null ? [] : [scales.length];
  const s = g.initializer('scale', pshape, scales);
  const z = g.initializer('zp', pshape, zps, type);
  const attrs: Record<string, number> = axis === null ? {} : { axis };
  const [q] = g.node('QuantizeLinear', [input, s, z], attrs);
  const [dq] = g.node('DequantizeLinear', [q!, s, z], attrs);
  g.output(q!, shape, type).output(dq!, shape);
  const out = await runOrt(makeModel(g.build(), { opset, irVersion: opset >= 21 ? 10 : 8 }), { x: { data: x, dims: shape } });
  return { codes: out[q!]!.data, dequantized: out[dq!]!.data };
}

describe('round half to even', () => {
  it('sends ties to the even neighbour, unlike Math.round', () => {
    const cases: [number, number][] = [[0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4], [2.4999, 2], [2.5001, 3], [-2.5001, -3], [7, 7]];
    for (const [v, want] of cases) assert.equal(roundHalfEven(v) + 0, want, `roundHalfEven(${v})`);
    assert.equal(Math.round(2.5), 3); // the behaviour we must not inherit
  });
});

describe('quantizer vs onnxruntime QuantizeLinear', () => {
  it('exact ties land on the same codes (int8 and uint8 per tensor)', async () => {
    // scale 0.5 is exact in binary, so x / s = k / 2 exactly and every odd k is a tie.
    const x = Float32Array.from({ length: 81 }, (_, i) => (i - 40) * 0.25);
    for (const [type, zp, signed] of [['int8', 0, true], ['uint8', 128, false]] as const) {
      const ours = quantizeWithParams(x, [81], { bits: 8, symmetric: false, signed }, null, [0.5], [zp]);
      const ort = await ortQuantize(x, [81], Float32Array.of(0.5), type === 'int8' ? Int8Array.of(zp) : Uint8Array.of(zp), type, null, 13);
      assert.deepEqual(Array.from(ours.values), Array.from(ort.codes), type);
      assert.deepEqual(Array.from(dequantize(ours)), Array.from(ort.dequantized));
    }
  });

  it('per-output-channel asymmetric uint8 of a conv weight matches, codes and dequantized values', async () => {
    const shape = [5, 3, 3, 3];
    const x = randomFloats(135, 11, -1.3, 0.7);
    const ours = quantizeTensor(x, shape, { bits: 8, symmetric: false, granularity: 'channel' });
    assert.equal(ours.axis, 0);
    const zps = Uint8Array.from(ours.zeroPoints);
    const ort = await ortQuantize(x, shape, ours.scales, zps, 'uint8', 0, 13);
    assert.deepEqual(Array.from(ours.values), Array.from(ort.codes));
    assert.deepEqual(Array.from(dequantize(ours)), Array.from(ort.dequantized));
  });

  it('per-channel symmetric int8 matches (values inside the narrow range)', async () => {
    const shape = [4, 10];
    const x = randomFloats(40, 5, -2, 2);
    const ours = quantizeTensor(x, shape, { bits: 8, symmetric: true, granularity: 'channel' });
    assert.ok(ours.zeroPoints.every((z) => z === 0));
    const ort = await ortQuantize(x, shape, ours.scales, new Int8Array(4), 'int8', 0, 13);
    assert.deepEqual(Array.from(ours.values), Array.from(ort.codes));
  });

  it('16-bit codes match onnxruntime int16 / uint16 (opset 21)', async () => {
    const x = randomFloats(64, 3, -40, 25);
    for (const signed of [true, false]) {
      const ours = quantizeTensor(x, [64], { bits: 16, symmetric: false, signed, granularity: 'tensor' });
      const zp = signed ? Int16Array.of(ours.zeroPoints[0]!) : Uint16Array.of(ours.zeroPoints[0]!);
      const ort = await ortQuantize(x, [64], ours.scales, zp, signed ? 'int16' : 'uint16', null, 21);
      assert.deepEqual(Array.from(ours.values), Array.from(ort.codes), signed ? 'int16' : 'uint16');
    }
  });
});
