/**
 * `onnx-int8`: a quantized model (QuantizedModel from PTQ or QAT) as an ONNX graph in the QDQ
 * layout, which onnxruntime runs with its integer kernels (QLinearConv, QGemm / QLinearMatMul,
 * QLinearAdd, int8 MaxPool) by fusing DequantizeLinear → op → QuantizeLinear groups.
 *
 * Built on the fp32 exporter (export-model.ts), whose graph is then rewritten:
 * - each quantized weight becomes its integer codes (int8 for signed codes, uint8 for
 *   unsigned; below 8 bits the codes stay on their k-bit grid, so nothing is rounded again)
 *   with per-channel (axis 0) or per-tensor scales and zero points, and a DequantizeLinear
 *   that yields the float weight under the name the consumer already reads;
 * - each activation quantization point of our simulation (the input and the outputs listed
 *   in QuantizedModel.activations) gets a QuantizeLinear → DequantizeLinear pair with its
 *   scale and zero point: the graph computes what our fake-quant forward computes;
 * - a MaxPool / Flatten / Identity whose input sits on a grid gets the same pair after it:
 *   these ops keep values on their input's grid, so the pair changes no value, and it gives
 *   the fusion its DQ → op → Q shape;
 * - the bias of a Conv or Gemm whose input and weight are both quantized becomes int32 at
 *   scale s_input · s_weight[c] behind a DequantizeLinear, which onnxruntime's fusion takes as
 *   QLinearConv's bias (a float bias would keep the node in float). This rounds the bias by at
 *   most half of s_input · s_weight, far below one output step.
 * A weight-only quantized model (activations null) gets the weight pairs only.
 */
import { UniqueNames } from '../unique-names.js';
import { INPUT, writeFileAtomic, type Model } from '../../nn/index.js';
import { dequantize, type ActivationParams, type QuantizedModel, type QuantizedTensor } from '../../compress/index.js';
import { makeNode, makeTensor } from './builder.js';
import { encodeOnnxModel } from './encode-onnx-model.js';
import { OnnxExportError } from './export-error.js';
import { exportOnnxModel, ONNX_EXPORT_INPUT, type OnnxExportOptions } from './export-model.js';
import type { OnnxModel, OnnxNode, OnnxTensor } from './types.js';

/** Ops that keep their input's quantization grid (max of codes, reshapes). */
const KEEPS_GRID = new Set(['MaxPool', 'Flatten', 'Identity', 'Reshape']);

/** The fp32 export of `model` with its output hooks (activation fake quantization) lifted for the duration. */
function floatGraph(model: Model, opts: OnnxExportOptions): OnnxModel {
  const hooks = model.nodes.map((n) => n.outputHook);
  try {
    for (const n of model.nodes) n.outputHook = undefined;
    return exportOnnxModel(model, opts);
  } finally {
    model.nodes.forEach((n, i) => { n.outputHook = hooks[i]; });
  }
}

/**
 * `opts.meta` (an imported model's meta) is passed to the fp32 exporter: a final Softmax is
 * written back after the dequantized logits, and the producer and other fields travel along.
 * @example const onnx = exportOnnxInt8Model(postTrainingQuantize(model, { weights: { bits: 8 }, activations: { source, batches: 20 } }));
 * @throws OnnxExportError naming the weight or node: codes wider than 8 bits, weights that disagree with their codes, or what the fp32 exporter refuses.
 */
export function exportOnnxInt8Model(q: QuantizedModel, opts: OnnxExportOptions = {}): OnnxModel {
  const onnx = floatGraph(q.model, opts);
  const g = onnx.graph;
  const inits = new Map(g.initializers.map((t) => [t.name, t]));
  const taken = new UniqueNames([...inits.keys(), ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  const fresh = (want: string): string => taken.claim(want);
  const addInit = (t: OnnxTensor): string => {
    g.initializers.push(t);
    inits.set(t.name, t);
    return t.name;
  };
  const dropInit = (name: string) => {
    g.initializers = g.initializers.filter((t) => t.name !== name);
    inits.delete(name);
  };
  const head: OnnxNode[] = []; // weight and bias DQs: they read initializers only, so they may lead the graph
  const after = new Map<OnnxNode, OnnxNode[]>(); // nodes to insert right after a node

  // Weights: integer codes and a DequantizeLinear that produces the float name consumers read.
  const weightScales = new Map<string, Float32Array>();
  for (const [path, t] of q.weights) {
    const init = inits.get(path);
    if (init === undefined) throw new OnnxExportError(path, `quantized weight '${path}' is not an initializer of the exported graph`);
    if (t.bits > 8) throw new OnnxExportError(path, `has ${t.bits}-bit codes; onnx-int8 carries 8 bits at most (export as fp32 'onnx' instead)`);
    checkCodes(path, t, init);
    const type = t.signed ? 'int8' : 'uint8';
    const codes = t.signed ? Int8Array.from(t.values) : Uint8Array.from(t.values);
    const perChannel = t.axis === 0;
    const dims = perChannel ? [t.scales.length] : [];
    const zp = t.signed ? Int8Array.from(t.zeroPoints) : Uint8Array.from(t.zeroPoints);
    dropInit(path);
    const inputs = [
      addInit(makeTensor(fresh(`${path}_quantized`), [...t.shape], codes, type)),
      addInit(makeTensor(fresh(`${path}_scale`), dims, Float32Array.from(t.scales))),
      addInit(makeTensor(fresh(`${path}_zero_point`), dims, zp, type)),
    ];
    head.push(makeNode('DequantizeLinear', inputs, [path], perChannel ? { axis: 0 } : {}, { name: `${path}/DequantizeLinear` }));
    weightScales.set(path, Float32Array.from(perChannel ? t.scales : new Array(t.shape[0] ?? 1).fill(t.scales[0])));
  }

  // Activations: Q → DQ at each quantization point, then after grid-keeping ops.
  const grids = new Map<string, ActivationParams>();
  if (q.activations) {
    const producer = new Map<string, OnnxNode>();
    for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
    const qdq = (value: string, p: ActivationParams, at: OnnxNode | null): void => {
      const type = p.dtype;
      const scale = addInit(makeTensor(fresh(`${value}_scale`), [], Float32Array.of(p.scale)));
      const zp = addInit(makeTensor(fresh(`${value}_zero_point`), [], type === 'int8' ? Int8Array.of(p.zeroPoint) : Uint8Array.of(p.zeroPoint), type));
      const quantized = fresh(`${value}_quantized`);
      let source = value, target = value;
      if (at === null) {
        // The graph input keeps its name; its readers move to the dequantized copy.
        target = fresh(`${value}_dequantized`);
        for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === value ? target : i));
      } else {
        source = fresh(`${value}_float`);
        at.outputs = at.outputs.map((o) => (o === value ? source : o));
      }
      const pair = [
        makeNode('QuantizeLinear', [source, scale, zp], [quantized], {}, { name: `${value}/QuantizeLinear` }),
        makeNode('DequantizeLinear', [quantized, scale, zp], [target], {}, { name: `${value}/DequantizeLinear` }),
      ];
      if (at === null) head.push(...pair);
      else after.set(at, [...(after.get(at) ?? []), ...pair]);
      grids.set(target, p);
      if (at === null) grids.set(value, p);
    };
    for (const [node, p] of q.activations) {
      if (node === INPUT) {
        qdq(ONNX_EXPORT_INPUT, p, null);
        continue;
      }
      const n = g.nodes.find((x) => x.name === node);
      if (n === undefined) throw new OnnxExportError(node, 'has activation quantization parameters but no node in the exported graph');
      qdq(n.outputs[0]!, p, n);
    }
    // Graph order is topological, so one pass sees each grid-keeping op after its input's grid is known.
    for (const n of g.nodes) {
      const p = grids.get(n.inputs[0] ?? '');
      if (p !== undefined && KEEPS_GRID.has(n.opType) && !grids.has(n.outputs[0]!) && !after.has(n)) qdq(n.outputs[0]!, p, n);
    }
  }

  // Biases of integer Conv / Gemm: int32 at the product of input and weight scales.
  for (const n of g.nodes) {
    if ((n.opType !== 'Conv' && n.opType !== 'Gemm') || n.inputs.length < 3) continue;
    const input = grids.get(n.inputs[0]!), ws = weightScales.get(n.inputs[1]!), bias = inits.get(n.inputs[2]!);
    if (input === undefined || ws === undefined || bias === undefined) continue;
    const scales = Float32Array.from(ws, (s) => Math.fround(s) * Math.fround(input.scale));
    const real = Array.from(bias.data as Float32Array, (b, c) => Math.round(b / scales[c]!));
    if (real.length !== ws.length || real.some((v) => !(Math.abs(v) < 2 ** 31))) continue; // int32 cannot hold it: the bias stays float
    const codes = Int32Array.from(real);
    dropInit(bias.name);
    const inputs = [
      addInit(makeTensor(fresh(`${bias.name}_quantized`), [codes.length], codes, 'int32')),
      addInit(makeTensor(fresh(`${bias.name}_scale`), [codes.length], scales)),
      addInit(makeTensor(fresh(`${bias.name}_zero_point`), [codes.length], new Int32Array(codes.length), 'int32')),
    ];
    head.push(makeNode('DequantizeLinear', inputs, [bias.name], { axis: 0 }, { name: `${bias.name}/DequantizeLinear` }));
  }

  g.nodes = [...head, ...g.nodes.flatMap((n) => [n, ...(after.get(n) ?? [])])];
  g.name = `${g.name}-int8`;
  return onnx;
}

/** A stale checkpoint whose float weights are not its codes would export something else than it evaluates. */
function checkCodes(path: string, t: QuantizedTensor, init: OnnxTensor): void {
  const expected = dequantize(t), actual = init.data as Float32Array;
  if (expected.length !== actual.length) throw new OnnxExportError(path, `has ${expected.length} codes for ${actual.length} weights`);
  for (let i = 0; i < expected.length; i++) {
    // Masked weights export as +0; their codes dequantize to ±0.
    if (expected[i] !== actual[i]) throw new OnnxExportError(path, `weight [${i}] is ${actual[i]}, its codes dequantize to ${expected[i]}; the model and its quantization disagree`);
  }
}

/**
 * Exports in the QDQ layout and writes atomically; returns the path and size in bytes.
 * @example saveOnnxInt8Model('lenet5-int8.onnx', loadQuantizedCheckpoint('lenet5-int8.pqck').quantized!);
 */
export function saveOnnxInt8Model(path: string, q: QuantizedModel, opts: OnnxExportOptions = {}): { path: string; sizeBytes: number } {
  const bytes = encodeOnnxModel(exportOnnxInt8Model(q, opts));
  writeFileAtomic(path, bytes);
  return { path, sizeBytes: bytes.length };
}
