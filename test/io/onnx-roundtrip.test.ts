import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  OnnxFormatError, ProtoReader, ProtoWriter, attr, decodeOnnxModel, decodeTensorProto, encodeOnnxModel, encodeTensorProto,
  onnxGraphBuilder, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, type OnnxModel, type OnnxTensor,
} from '../../src/io/onnx/index.js';

function sampleModel(): OnnxModel {
  const sub = makeGraph({
    name: 'then', nodes: [makeNode('Identity', ['x'], ['y'])],
    inputs: [], outputs: [makeValueInfo('y', [2, 'N', null])],
  });
  const tensors: OnnxTensor[] = [
    makeTensor('f32', [2, 3], new Float32Array([1, -2, 3.5, 0, Number.POSITIVE_INFINITY, -0])),
    makeTensor('i64', [3], new BigInt64Array([-1n, 2n ** 62n, -(2n ** 63n)])),
    makeTensor('i32', [2], new Int32Array([-7, 2 ** 31 - 1])),
    makeTensor('i8', [3], new Int8Array([-128, 0, 127])),
    makeTensor('u8', [2, 2], new Uint8Array([0, 1, 254, 255])),
    makeTensor('f64', [1], new Float64Array([Math.PI])),
    makeTensor('half', [2], new Uint16Array([0x3c00, 0xc000]), 'float16'),
    makeTensor('flag', [2], new Uint8Array([1, 0]), 'bool'),
    makeTensor('scalar', [], new Float32Array([42])),
    makeTensor('empty', [0, 4], new Float32Array(0)),
  ];
  const node = makeNode('Custom', ['x', '', 'f32'], ['y', 'z'], {
    i: 3, neg: -(2 ** 40), f: 0.5, one: attr.float(1), s: 'héllo', ints: [1, -2, 9007199254740991],
    floats: [0.25, -1.5], strings: ['a', ''], t: tensors[0]!, g: attr.graph(sub), empty: attr.ints([]),
    max: attr.int(Number.MAX_VALUE), ts: { type: 'tensors', value: [tensors[1]!, tensors[3]!] },
    gs: { type: 'graphs', value: [sub] },
  }, { name: 'n0', domain: 'com.example' });
  const graph = makeGraph({
    name: 'g', nodes: [node, makeNode('Relu', ['y'], ['r'])],
    inputs: [makeValueInfo('x', ['N', 3, 224, 224]), makeValueInfo('unranked'), makeValueInfo('s', [], 'int64')],
    outputs: [makeValueInfo('r', ['N', null])],
    initializers: tensors,
  });
  graph.valueInfo = [makeValueInfo('y', [1], 'float16')];
  return makeModel(graph, { opset: 17, extraOpsets: [{ domain: 'com.example', version: 2 }], producerVersion: '0.1' });
}

describe('ONNX model round trips', () => {
  it('decode(encode(model)) equals the model', () => {
    const model = sampleModel();
    const decoded = decodeOnnxModel(encodeOnnxModel(model));
    // MAX_VALUE saturates to INT64_MAX, which reads back as 2^63.
    const attrs = model.graph.nodes[0]!.attributes;
    attrs.max = attr.int(2 ** 63);
    assert.deepStrictEqual(decoded, model);
  });

  it('encode -> decode -> encode is byte-identical', () => {
    const bytes = encodeOnnxModel(sampleModel());
    assert.deepEqual(encodeOnnxModel(decodeOnnxModel(bytes)), bytes);
  });

  it('onnxGraphBuilder names values and nodes itself', () => {
    const g = onnxGraphBuilder('tiny');
    const x = g.input('x', ['N', 4]);
    const w = g.initializer('w', [4, 2], new Float32Array(8).fill(0.5));
    const [y] = g.node('MatMul', [x, w]);
    const [z] = g.node('Relu', [y!]);
    g.output(z!, ['N', 2]);
    const graph = g.build();
    assert.deepEqual(graph.nodes.map((n) => [n.opType, n.name, n.inputs, n.outputs]),
      [['MatMul', 'matmul_0', ['x', 'w'], ['matmul_0']], ['Relu', 'relu_1', ['matmul_0'], ['relu_1']]]);
    assert.throws(() => g.input('x'), /already used/);
  });

  it('skips unknown fields at every level', () => {
    const w = new ProtoWriter().int64(1, 8).int64(99, 5).string(6, 'doc');
    w.message(7, (g) => {
      g.message(1, (n) => n.string(1, 'a').string(2, 'b').string(4, 'Relu').int64(42, -1).message(5, (a) =>
        a.string(1, 'alpha').float(2, 0.1).int64(20, 1).string(13, 'attr doc')));
      g.string(2, 'g').bytes(88, new Uint8Array(3)).float(89, 1);
      g.message(11, (v) => v.string(1, 'a').string(3, 'doc').message(2, (t) => t.string(6, 'denotation').message(1, (tt) =>
        tt.int64(1, 1).message(2, (s) => s.message(1, (d) => d.int64(1, 3).string(3, 'DATA_BATCH'))))));
    });
    w.message(8, (o) => o.int64(2, 13)).message(14, (m) => m.string(1, 'key').string(2, 'value'));
    const model = decodeOnnxModel(w.finish());
    assert.equal(model.irVersion, 8);
    assert.deepEqual(model.opsetImports, [{ domain: '', version: 13 }]);
    assert.deepEqual(model.graph.nodes[0]!.attributes, { alpha: { type: 'float', value: Math.fround(0.1) } });
    assert.deepEqual(model.graph.inputs, [{ name: 'a', elemType: 'float', dims: [3] }]);
  });
});

describe('TensorProto data fields', () => {
  const tensorBytes = (build: (w: ProtoWriter) => void) => { const w = new ProtoWriter(); build(w); return w.finish(); };

  it('typed fields decode to the same tensor as raw_data', () => {
    const cases: [OnnxTensor, (w: ProtoWriter) => void][] = [
      [makeTensor('a', [3], new Float32Array([1, 2.5, -3])), (w) => w.packedFloat(4, [1, 2.5, -3])],
      [makeTensor('a', [3], new Float32Array([1, 2.5, -3])), (w) => w.float(4, 1).float(4, 2.5).float(4, -3)],
      [makeTensor('a', [2], new Int32Array([-5, 6])), (w) => w.packedInt64(5, [-5, 6])],
      [makeTensor('a', [3], new Int8Array([-128, -1, 127])), (w) => w.packedInt64(5, [-128, -1, 127])],
      [makeTensor('a', [2], new Uint8Array([200, 7])), (w) => w.packedInt64(5, [200, 7])],
      [makeTensor('a', [1], new Uint16Array([0x3c00]), 'float16'), (w) => w.packedInt64(5, [0x3c00])],
      [makeTensor('a', [3], new BigInt64Array([-1n, 5n, 2n ** 40n])), (w) => w.packedInt64(7, [-1, 5, 2 ** 40])],
      [makeTensor('a', [2], new BigInt64Array([-1n, 5n])), (w) => w.int64(7, -1).int64(7, 5)],
      [makeTensor('a', [2], new Uint32Array([1, 2 ** 32 - 1])), (w) => w.packedInt64(11, [1, 2 ** 32 - 1])],
      [makeTensor('a', [1], new BigUint64Array([2n ** 63n + 1n])), (w) => w.key(11, 2).varint(10).varint64(1, 0x80000000)],
      [makeTensor('a', [1], new Float64Array([0.1])), (w) => w.key(10, 1).raw(new Uint8Array(new Float64Array([0.1]).buffer))],
    ];
    for (const [expected, writeData] of cases) {
      const typed = decodeTensorProto(tensorBytes((w) => {
        for (const d of expected.dims) w.int64(1, d);
        w.int64(2, encodeTypeCode(expected)).string(8, 'a');
        writeData(w);
      }));
      assert.deepStrictEqual(typed, expected, `${expected.dataType} via typed field`);
      assert.deepStrictEqual(decodeTensorProto(encodeTensorProto(expected)), expected, `${expected.dataType} via raw_data`);
    }
  });

  it('refuses external data, naming the tensor and the field', () => {
    const bytes = tensorBytes((w) => w.int64(1, 2).int64(2, 1).string(8, 'weights')
      .message(13, (e) => e.string(1, 'location').string(2, 'weights.bin')).int64(14, 1));
    assert.throws(() => decodeTensorProto(bytes, 'm.onnx'),
      /^OnnxFormatError: m\.onnx @ byte 13: tensor 'weights': .*external_data/);
  });

  it('reports a raw_data size that does not match dims', () => {
    const bytes = tensorBytes((w) => w.int64(1, 3).int64(2, 1).string(8, 'w').bytes(9, new Uint8Array(8)));
    assert.throws(() => decodeTensorProto(bytes, 'w.pb'),
      /w\.pb @ byte 0: tensor 'w': dims \[3\] of float need 12 bytes, raw_data holds 8/);
  });

  it('reports unknown and unsupported data types', () => {
    assert.throws(() => decodeTensorProto(tensorBytes((w) => w.int64(2, 99))), /unknown data_type 99/);
    assert.throws(() => decodeTensorProto(tensorBytes((w) => w.int64(2, 8).bytes(6, new Uint8Array(1)))), /string tensors/);
  });
});

describe('truncated models', () => {
  it('every cut inside the graph fails with an OnnxFormatError at or before the cut', () => {
    const bytes = encodeOnnxModel(sampleModel());
    // Any cut inside the graph field (7) leaves a length that overruns the file.
    const top = new ProtoReader(bytes, 'whole');
    let graphKeyAt = -1, graphEnd = -1;
    while (top.next()) {
      if (top.field === 7) { graphKeyAt = top.fieldStart; top.skip(); graphEnd = top.pos; } else top.skip();
    }
    let checked = 0;
    for (let cut = graphKeyAt + 1; cut < graphEnd; cut++) {
      assert.throws(() => decodeOnnxModel(bytes.subarray(0, cut), 'cut.onnx'), (e: unknown) => {
        assert.ok(e instanceof OnnxFormatError, `cut at ${cut}: ${String(e)}`);
        assert.ok(e.offset >= 0 && e.offset <= cut, `cut at ${cut}: offset ${e.offset}`);
        assert.match(e.message, new RegExp(`^cut\\.onnx @ byte ${e.offset}: `));
        return true;
      });
      checked++;
    }
    assert.ok(checked > 500, `only ${checked} cuts checked`);
  });

  it('a model without a graph is an error', () => {
    assert.throws(() => decodeOnnxModel(new ProtoWriter().int64(1, 8).finish(), 'empty.onnx'),
      /empty\.onnx @ byte 2: ModelProto has no graph/);
  });
});

function encodeTypeCode(t: OnnxTensor): number {
  const bytes = encodeTensorProto(t);
  // data_type is the varint after the dims; find its key (0x10).
  return bytes[bytes.indexOf(0x10) + 1]!;
}
