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
import { UniqueNames } from '../unique-names.js';
import { INPUT, writeFileAtomic, type Model, type Param } from '../../nn/index.js';
import { noGrad, scope, type Tensor } from '../../tensor/index.js';
import { makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from './builder.js';
import { encodeOnnxModel } from './encode-onnx-model.js';
import { OnnxExportError } from './export-error.js';
import { finalActivationOf } from '../final-activation.js';
import type { ModelPreprocessing } from '../imported-model.js';
import { checkPreprocessing, ONNX_PREPROCESSING_KEY, preprocessingFromMeta } from '../preprocessing.js';
import { ProtoReader, ProtoWriter } from './protobuf.js';
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

export interface OnnxExportOptions {
  /**
   * A model's `meta` (ImportedModel.meta, or a checkpoint's): its final activation
   * (meta.finalActivation) is written back after the logits (the output is then
   * 'probabilities'), and an imported ONNX model's producer, doc string, metadata and other
   * ModelProto fields travel into the file.
   */
  meta?: Record<string, unknown>;
  /**
   * How raw pixels become the input, written to metadata_props under 'prunequant.preprocessing'
   * (with layout 'nchw', the exported graph's) so that importing the file gives it back. Default:
   * what `meta` records (meta.preprocessing or meta.normalization). null adds none (an imported
   * file's own entry still travels with the rest of its metadata).
   */
  preprocessing?: ModelPreprocessing | null;
}

/** The part of ImportedModel.meta['onnx'] the exporter reads (written by the ONNX importer). */
interface ImportMetaView {
  producerName?: string;
  producerVersion?: string;
  extraFields?: string[];
  graphName?: string;
  graphDocString?: string;
}

/**
 * @example const onnx = exportOnnxModel(createModel('lenet5')); encodeOnnxModel(onnx);
 * @throws OnnxExportError naming the node, for an unknown layer type, an output hook, or shapes that do not fit.
 */
export function exportOnnxModel(model: Model, opts: OnnxExportOptions = {}): OnnxModel {
  const imported = opts.meta?.['onnx'] as ImportMetaView | undefined;
  const final = finalActivationOf(opts.meta) ?? undefined;
  const hooked = model.nodes.find((n) => n.outputHook !== undefined);
  if (hooked !== undefined) {
    throw new OnnxExportError(hooked.name, 'has an output hook (activation fake quantization or an observer), which an fp32 ONNX graph cannot reproduce; '
      + `remove it with model.setOutputHook('${hooked.name}', null) to export float activations`);
  }
  const used = new UniqueNames([ONNX_EXPORT_INPUT, ONNX_EXPORT_OUTPUT]);
  const claim = (want: string): string => used.claim(want);
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
    const outName = index === model.nodes.length - 1 && final === undefined ? ONNX_EXPORT_OUTPUT : claim(mn.name);
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
      ints(key, values) {
        const name = claim(`${mn.name}.${key}`);
        initializers.push(makeTensor(name, [values.length], BigInt64Array.from(values, (v) => BigInt(v))));
        return name;
      },
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
  let outputName = ONNX_EXPORT_OUTPUT;
  if (final !== undefined) {
    // The imported model's own final softmax, as it computed it (opset 17 Softmax is per axis).
    const op = final.kind === 'softmax' ? 'Softmax' : 'LogSoftmax';
    const rank = result!.shape.length + 1;
    outputName = 'probabilities';
    if (final.coerce2d && final.axis !== rank - 1) {
      const flat = claim('final/flatten');
      nodes.push(makeNode('Flatten', [result!.name], [flat], { axis: final.axis }, { name: flat }));
      const sm = claim('final/softmax');
      nodes.push(makeNode(op, [flat], [sm], { axis: 1 }, { name: sm }));
      const shape = claim('final.shape');
      initializers.push(makeTensor(shape, [rank], BigInt64Array.from([-1, ...result!.shape], (v) => BigInt(v))));
      nodes.push(makeNode('Reshape', [sm, shape], [outputName], {}, { name: 'final' }));
    } else {
      nodes.push(makeNode(op, [result!.name], [outputName], { axis: final.axis }, { name: 'final' }));
    }
  }
  const graph = makeGraph({
    name: imported?.graphName || model.name,
    nodes,
    inputs: [makeValueInfo(ONNX_EXPORT_INPUT, ['N', c, h, w])],
    outputs: [makeValueInfo(outputName, ['N', ...result!.shape])],
    initializers,
  });
  if (imported?.graphDocString !== undefined) graph.docString = imported.graphDocString;
  const onnx = makeModel(graph, { opset: ONNX_EXPORT_OPSET });
  if (imported?.producerName) onnx.producerName = imported.producerName;
  if (imported?.producerVersion !== undefined) onnx.producerVersion = imported.producerVersion;
  const extra: Uint8Array[] = (imported?.extraFields ?? []).map((b) => new Uint8Array(Buffer.from(b, 'base64')));
  const preprocessing = opts.preprocessing !== undefined ? opts.preprocessing : opts.meta ? preprocessingFromMeta(opts.meta, c, 'export meta') : null;
  if (preprocessing !== null) {
    // One entry per key: an imported file's own record is replaced, not repeated.
    const kept = extra.filter((raw) => metadataKey(raw) !== ONNX_PREPROCESSING_KEY);
    const record: ModelPreprocessing = { ...checkPreprocessing(preprocessing, c, 'export preprocessing'), layout: 'nchw' };
    extra.splice(0, extra.length, ...kept, metadataEntry(ONNX_PREPROCESSING_KEY, JSON.stringify(record)));
  }
  if (extra.length > 0) onnx.extraFields = extra;
  return onnx;
}

/** ModelProto field 14 (metadata_props): a StringStringEntryProto { key = 1, value = 2 }, as a raw field. */
const METADATA_PROPS = 14;

function metadataEntry(key: string, value: string): Uint8Array {
  return new ProtoWriter().message(METADATA_PROPS, (e) => e.string(1, key).string(2, value)).finish();
}

/** The key of a raw metadata_props field; null for any other field. */
function metadataKey(raw: Uint8Array): string | null {
  const r = new ProtoReader(raw);
  if (!r.next() || r.field !== METADATA_PROPS) return null;
  const e = r.message();
  while (e.next()) {
    if (e.field === 1) return e.string();
    e.skip();
  }
  return null;
}

/**
 * Exports and writes atomically (temp file, then rename); returns the path and size in bytes.
 * Pruned weights are written as exact zeros; a quantized model is written as its dequantized float32 weights.
 * @example const { sizeBytes } = saveOnnxModel('lenet5.onnx', model);
 */
export function saveOnnxModel(path: string, model: Model, opts: OnnxExportOptions = {}): { path: string; sizeBytes: number } {
  const bytes = encodeOnnxModel(exportOnnxModel(model, opts));
  writeFileAtomic(path, bytes);
  return { path, sizeBytes: bytes.length };
}
