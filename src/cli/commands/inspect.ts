/**
 * `prunequant inspect MODEL`: what a model file holds, without data: its layers with their
 * per-sample output shapes, parameter counts, weight sparsity and bit widths, the
 * preprocessing it records, its size on disk, and the size of the `.pqm` it would export to.
 * Reads `.pqck`, `.onnx`, TF.js `model.json` and `.pqm` (the last through the runtime's reader).
 */
import { readFileSync, statSync } from 'node:fs';
import { readQuantizationMeta } from '../../compress/index.js';
import { describePreprocessing, pqmBytes, PREPROCESSING_META_KEY, type ModelPreprocessing } from '../../io/index.js';
import type { Model } from '../../nn/index.js';
import { decodePqm, inferShapes, weightDensity, type DeployModel, type GraphNode } from '../../runtime/index.js';
import { noGrad, scope, Tensor } from '../../tensor/index.js';
import { helpText, parseArgs, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, finish } from '../common.js';
import { checkModelArg, loadModelArg, MODEL_FILES } from '../model-input.js';

const OPTIONS: Record<string, OptionSpec> = {
  json: COMMON_OPTIONS['json']!,
  help: COMMON_OPTIONS['help']!,
};

export const inspectUsage = helpText(`prunequant inspect MODEL (${MODEL_FILES} or .pqm) [--json]`, OPTIONS);

export interface LayerInfo {
  name: string;
  type: string;
  inputs: string[];
  /** Output shape of one sample ([c, h, w], or [features] after a flatten or a dense layer). */
  outputShape: number[];
  params: number;
  /** Values of the layer's weight tensors (biases and norms not counted). */
  weights: number;
  zeroWeights: number;
  /** zeroWeights / weights; null for a layer without weights. */
  sparsity: number | null;
  /** Bits of the weights' integer codes; null when they are float. */
  bits: number | null;
}

export interface InspectResult {
  command: 'inspect';
  model: string;
  format: string;
  name: string;
  inputShape: number[];
  outputShape: number[];
  layers: LayerInfo[];
  params: number;
  weights: number;
  zeroWeights: number;
  sparsity: number;
  bits: number[];
  activations: string | null;
  preprocessing: ModelPreprocessing | null;
  fileBytes: number;
  /** Bytes of the .pqm this model exports to; null with pqmError when it cannot be stored as one. */
  pqmBytes: number | null;
  pqmError?: string;
}

const perSample = (shape: readonly number[]) => shape.slice(1);

/** Every node's output shape for one sample, from a forward pass on zeros (hooks kept). */
function outputShapes(model: Model): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const saved = model.nodes.map((n) => n.outputHook);
  try {
    model.nodes.forEach((n, i) => {
      const inner = saved[i];
      n.outputHook = (y) => {
        shapes.set(n.name, perSample(y.shape));
        return inner ? inner(y) : y;
      };
    });
    scope(() => noGrad(() => { model.forward(Tensor.zeros([1, ...model.inputShape]), { training: false }); }));
  } finally {
    model.nodes.forEach((n, i) => { n.outputHook = saved[i]; });
  }
  return shapes;
}

function inspectModel(model: Model, quantBits: Map<string, number>): Pick<InspectResult, 'layers' | 'outputShape'> {
  const shapes = outputShapes(model);
  const layers = model.nodes.map((n): LayerInfo => {
    let params = 0, weights = 0, zeroWeights = 0;
    let bits: number | null = null;
    for (const [key, p] of Object.entries(n.layer.params())) {
      params += p.size;
      if (p.role !== 'weight') continue;
      weights += p.size;
      for (const v of p.value.view()) if (v === 0) zeroWeights++;
      bits = quantBits.get(`${n.name}.${key}`) ?? bits;
    }
    return {
      name: n.name, type: n.layer.config().type, inputs: n.inputs, outputShape: shapes.get(n.name) ?? [], params, weights, zeroWeights,
      sparsity: weights === 0 ? null : zeroWeights / weights, bits,
    };
  });
  return { layers, outputShape: layers[layers.length - 1]!.outputShape };
}

function paramsOfNode(n: GraphNode): { params: number; weights: number; zeroWeights: number; bits: number | null } {
  if (n.op === 'Conv2d' || n.op === 'Linear') {
    const d = weightDensity(n.weight);
    return { params: d.size + (n.bias?.length ?? 0), weights: d.size, zeroWeights: d.size - d.nonzero, bits: n.weight.quant?.bits ?? null };
  }
  if (n.op === 'BatchNorm2d') return { params: n.scale.length + n.shift.length, weights: 0, zeroWeights: 0, bits: null };
  return { params: 0, weights: 0, zeroWeights: 0, bits: null };
}

function inspectPqm(deploy: DeployModel, path: string): Pick<InspectResult, 'layers' | 'outputShape'> {
  const shapes = inferShapes(deploy, (i) => `${path}, node ${i} '${deploy.nodes[i]?.name}'`);
  const names = ['input', ...deploy.nodes.map((n) => n.name)];
  // A flattened value is stored as [features, 1, 1]; shown as [features], as for a Model.
  const flat = [false];
  const layers = deploy.nodes.map((n, i): LayerInfo => {
    const p = paramsOfNode(n);
    const s = shapes[i + 1]!;
    flat.push(n.op === 'Flatten' || n.op === 'Linear' || (n.op !== 'GlobalAvgPool' && n.op !== 'Conv2d' && flat[n.inputs[0]!] === true));
    return {
      name: n.name, type: n.op === 'Activation' ? n.kind : n.op, inputs: n.inputs.map((v) => names[v]!), outputShape: flat[i + 1] ? [s[0]] : [...s], ...p,
      sparsity: p.weights === 0 ? null : p.zeroWeights / p.weights,
    };
  });
  return { layers, outputShape: layers[layers.length - 1]!.outputShape };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number | null) => (x === null ? '' : `${(100 * x).toFixed(1)}%`);

function table(r: InspectResult): string {
  const rows = r.layers.map((l) => [l.name, l.type, l.outputShape.join('×'), fmt(l.params), l.weights ? `${pct(l.sparsity)} of ${fmt(l.weights)}` : '', l.bits === null ? (l.weights ? 'f32' : '') : `${l.bits}-bit`]);
  const head = ['layer', 'type', 'output', 'params', 'zero weights', 'weights'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [
    `${r.model} (${r.format}, ${fmt(r.fileBytes)} bytes on disk): ${r.name}, input ${r.inputShape.join('×')} -> ${r.outputShape.join('×')}`,
    line(head), ...rows.map(line),
    `params ${fmt(r.params)}; weights ${fmt(r.weights)}, ${pct(r.sparsity)} zero; ${r.bits.length ? `${r.bits.join('/')}-bit codes` : 'float weights'}${r.activations ? `, ${r.activations} activations` : ''}`,
    `preprocessing: ${describePreprocessing(r.preprocessing)}`,
    r.pqmBytes !== null ? `.pqm: ${fmt(r.pqmBytes)} bytes${r.format === 'pqm' ? '' : ' when exported'}` : `.pqm: cannot export (${r.pqmError})`,
  ].join('\n');
}

function totals(layers: LayerInfo[]) {
  const params = layers.reduce((s, l) => s + l.params, 0), weights = layers.reduce((s, l) => s + l.weights, 0);
  const zeroWeights = layers.reduce((s, l) => s + l.zeroWeights, 0);
  const bits = [...new Set(layers.map((l) => l.bits).filter((b): b is number => b !== null))].sort((a, b) => a - b);
  return { params, weights, zeroWeights, sparsity: weights === 0 ? 0 : zeroWeights / weights, bits };
}

export async function inspectCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('inspect', argv, OPTIONS, { positionals: ['MODEL'] });
  if (o['help']) return void process.stdout.write(`${inspectUsage}\n`);
  const path = positionals[0];
  const format = checkModelArg('inspect', path, ['pqck', 'onnx', 'tfjs', 'pqm']);
  const file = path!;
  const fileBytes = statSync(file).size;
  let result: InspectResult;
  if (format === 'pqm') {
    const deploy = decodePqm(new Uint8Array(readFileSync(file)), file);
    const acts = [...new Set([deploy.inputQuant, ...deploy.nodes.map((n) => n.outputQuant)].filter((q) => q !== null).map((q) => q!.dtype))];
    const { layers, outputShape } = inspectPqm(deploy, file);
    result = {
      command: 'inspect', model: file, format, name: String(deploy.meta['model'] ?? ''), inputShape: [...deploy.inputShape], outputShape, layers, ...totals(layers),
      activations: acts.length ? acts.join('/') : null, preprocessing: deploy.preprocessing, fileBytes, pqmBytes: fileBytes,
    };
  } else {
    const loaded = loadModelArg('inspect', file, { restoreQuantization: false });
    try {
      const { model, meta } = loaded;
      const q = readQuantizationMeta(meta, file);
      const bits = new Map([...(q?.weights ?? new Map())].map(([k, t]) => [k, t.bits] as [string, number]));
      const { layers, outputShape } = inspectModel(model, bits);
      let pqm: number | null = null, pqmError: string | undefined;
      try {
        pqm = pqmBytes(model, { meta: loaded.preprocessing ? { ...meta, [PREPROCESSING_META_KEY]: loaded.preprocessing } : meta, source: file }).length;
      } catch (e) {
        pqmError = (e as Error).message;
      }
      const acts = q?.activations ? [...new Set([...q.activations.values()].map((a) => a.dtype))].join('/') : null;
      result = {
        command: 'inspect', model: file, format: loaded.format, name: model.name, inputShape: [...model.inputShape], outputShape, layers, ...totals(layers),
        activations: acts, preprocessing: loaded.preprocessing, fileBytes, pqmBytes: pqm, ...(pqmError !== undefined ? { pqmError } : {}),
      };
    } finally {
      loaded.model.dispose();
    }
  }
  finish(o['json'] === true, result as unknown as Record<string, unknown>, table(result));
}
