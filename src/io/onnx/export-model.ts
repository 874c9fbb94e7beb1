/**
 * Writes a prunequant Model as an fp32 ONNX graph (opset 17) that onnxruntime runs with the
 * outputs of our eval-mode forward: one graph input 'input' [N, c, h, w], one output 'logits'.
 *
 * Pruning: every param is written through its mask, so a pruned weight is an exact +0 in the
 * initializer even if something wrote past the mask; the zero positions are the mask's.
 *
 * Quantization: a param transform (weight fake quantization in QAT) is applied and its result,
 * the dequantized float weights our forward computes with, is what gets written. An output hook
 * (activation fake quantization, an observer) is refused: an fp32 graph cannot reproduce it, and
 * silently dropping it would export a model that computes something else than ours.
 */
import { INPUT, writeFileAtomic, type Model, type Param } from '../../nn/index.js';
import { noGrad, scope, type Tensor } from '../../tensor/index.js';
import { makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from './builder.js';
import { encodeOnnxModel } from './encode-onnx-model.js';
import { OnnxExportError } from './export-error.js';
import { EMITTERS, type EmitContext, type ValueRef } from './export-layers.js';
import type { OnnxModel, OnnxNode, OnnxTensor } from './types.js';

export const ONNX_EXPORT_OPSET = 17;
export const ONNX_EXPORT_INPUT = 'input';
export const ONNX_EXPORT_OUTPUT = 'logits';

/** The float values a param is exported with: its forward value, zero wherever its mask is 0. */
export function exportedParamData(p: Param, where: string): Float32Array {
  // A transform makes a fresh tensor; the scope frees it once copied out.
  const data = p.transform === null ? p.value.toArray() : scope(() => noGrad(() => p.forwardValue().toArray()));
  if (data.length !== p.size) throw new OnnxExportError(where, `param transform returned ${data.length} values for shape [${p.shape.join(', ')}]`);
  if (p.mask !== null) {
    if (p.mask.size !== data.length) throw new OnnxExportError(where, `mask has ${p.mask.size} entries, param has ${data.length}`);
    const keep = p.mask.view();
    for (let i = 0; i < data.length; i++) if (keep[i] === 0) data[i] = 0;
  }
  return data;
}

/**
 * @example const onnx = exportOnnxModel(createModel('lenet5')); encodeOnnxModel(onnx);
 * @throws OnnxExportError naming the node, for an unknown layer type, an output hook, or shapes that do not fit.
 */
export function exportOnnxModel(model: Model): OnnxModel {
  const hooked = model.nodes.find((n) => n.outputHook !== undefined);
  if (hooked !== undefined) {
    throw new OnnxExportError(hooked.name, 'has an output hook (activation fake quantization or an observer), which an fp32 ONNX graph cannot reproduce; '
      + `remove it with model.setOutputHook('${hooked.name}', null) to export float activations`);
  }
  const used = new Set([ONNX_EXPORT_INPUT, ONNX_EXPORT_OUTPUT]);
  const claim = (want: string): string => {
    let name = want;
    for (let k = 1; used.has(name); k++) name = `${want}_${k}`;
    used.add(name);
    return name;
  };
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const scalars = new Map<number, string>();
  const values = new Map<string, ValueRef>([[INPUT, { name: ONNX_EXPORT_INPUT, shape: [...model.inputShape] }]]);
  let result: ValueRef | undefined;

  model.nodes.forEach((mn, index) => {
    const type = mn.layer.config().type;
    const emit = EMITTERS[type];
    if (emit === undefined) {
      throw new OnnxExportError(mn.name, `layer type '${type}' has no ONNX mapping; exportable types: ${Object.keys(EMITTERS).join(', ')}`);
    }
    const outName = index === model.nodes.length - 1 ? ONNX_EXPORT_OUTPUT : claim(mn.name);
    const exportedParams = new Set<Param>();
    let lastCount = 0;
    const constant = (key: string, dims: readonly number[], data: Float32Array): string => {
      const name = claim(`${mn.name}.${key}`);
      initializers.push(makeTensor(name, [...dims], data));
      return name;
    };
    const cx: EmitContext = {
      nodeName: mn.name,
      param(key, p) {
        exportedParams.add(p);
        return constant(key, p.shape, exportedParamData(p, mn.name));
      },
      buffer: (key, t: Tensor) => constant(key, t.shape, t.toArray()),
      scalar(value) {
        let name = scalars.get(value);
        if (name === undefined) {
          name = claim(`const_${value}`);
          initializers.push(makeTensor(name, [], [value]));
          scalars.set(value, name);
        }
        return name;
      },
      node(opType, inputs, attrs = {}, last) {
        if (last === 'last') lastCount++;
        const out = last === 'last' ? outName : claim(`${mn.name}/${opType.toLowerCase()}`);
        nodes.push(makeNode(opType, inputs, [out], attrs, { name: last === 'last' ? mn.name : out }));
        return out;
      },
    };
    const inputs = mn.inputs.map((i) => values.get(i)!);
    const shape = emit(mn.layer, inputs, cx);
    // Emitter invariants: one final node carrying the node's value, and no param left behind
    // (a layer whose params the exporter ignored would run differently in onnxruntime).
    if (lastCount !== 1) throw new OnnxExportError(mn.name, `exporter for ${type} marked ${lastCount} final nodes, expected 1`);
    for (const [key, p] of Object.entries(mn.layer.params())) {
      if (!exportedParams.has(p)) throw new OnnxExportError(mn.name, `param '${key}' of ${type} was not exported`);
    }
    result = { name: outName, shape };
    values.set(mn.name, result);
  });

  const [c, h, w] = model.inputShape;
  const graph = makeGraph({
    name: model.name,
    nodes,
    inputs: [makeValueInfo(ONNX_EXPORT_INPUT, ['N', c, h, w])],
    outputs: [makeValueInfo(ONNX_EXPORT_OUTPUT, ['N', ...result!.shape])],
    initializers,
  });
  return makeModel(graph, { opset: ONNX_EXPORT_OPSET });
}

/**
 * Exports and writes atomically (temp file, then rename); returns the path and size in bytes.
 * Pruned weights are written as exact zeros; a quantized model is written as its dequantized float32 weights.
 * @example const { sizeBytes } = saveOnnxModel('lenet5.onnx', model);
 */
export function saveOnnxModel(path: string, model: Model): { path: string; sizeBytes: number } {
  const bytes = encodeOnnxModel(exportOnnxModel(model));
  writeFileAtomic(path, bytes);
  return { path, sizeBytes: bytes.length };
}
