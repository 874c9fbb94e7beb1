/**
 * TF.js Layers import: model.json (a Keras topology, Sequential or functional) plus its weight
 * shards, into a trainable prunequant Model.
 *
 * Layout. TF.js is channels-last (NHWC); a prunequant Model is NCHW. Kernels are transposed
 * ([kh, kw, in, out] → [out, in, kh, kw]), and the Dense layer that reads a Flatten of a 4-D
 * tensor gets its rows permuted from (h, w, c) order to (c, h, w) order, so the imported model
 * computes the same numbers as the original on the same image handed over as NCHW. The
 * original's input layout is recorded as preprocessing layout 'nhwc': pixels a TF.js app
 * would feed as [n, h, w, c] must be transposed to [n, c, h, w] before the imported model (or
 * a Session built from it) runs them. The loader and the Session do that transpose when the
 * preprocessing says 'nhwc'; the Model itself always takes NCHW.
 *
 * A final softmax (a Dense or Activation layer ending the model with activation 'softmax', or a
 * Softmax layer) is dropped, since training applies log-softmax in the loss and argmax does not
 * change, and recorded as meta.finalActivation (final-activation.ts, the key the ONNX importer
 * uses too), so either exporter can put it back.
 */
import { UniqueNames } from '../unique-names.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  Activation, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool, INPUT, Linear, Model, Pool2d,
  type Layer, type ModelNode,
} from '../../nn/index.js';
import { windowGeometry, type Padding } from '../../tensor/index.js';
import type { ImportedModel, ModelPreprocessing } from '../imported-model.js';
import { TfjsFormatError } from './errors.js';
import { convKernelTfIndex, denseRowFeature, flattened, nchwAxisOfTf, type FlatOrigin } from './layout.js';
import { FINAL_ACTIVATION_META_KEY, type FinalActivation } from '../final-activation.js';
import { checkWeightSpec, concatBytes, decodeTfjsWeights, weightByteLength, type NamedWeight, type TfjsWeightSpec } from './weights.js';

/** The key under model.json's userDefinedMetadata where prunequant keeps what it knows. */
export const TFJS_METADATA_KEY = 'prunequant';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A TF.js value as prunequant sees it: the node producing it and its NCHW per-sample shape. */
interface Value {
  node: string;
  shape: number[];
  /** Set on a Flatten of a 4-D tensor (and values derived elementwise from it): the [c, h, w] it came from. */
  flat: FlatOrigin;
  /** A ZeroPadding2D not yet applied: [top/bottom, left/right], folded into the next conv. */
  pad: [number, number] | null;
}

interface LayerEntry {
  className: string;
  name: string;
  config: Json;
  inbound: string[];
}

const SUPPORTED = new Set([
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'Dense', 'BatchNormalization', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'Flatten', 'Activation', 'ReLU', 'LeakyReLU', 'Softmax', 'Dropout', 'Add', 'Concatenate',
  'ZeroPadding2D',
]);

const ACTIVATIONS: Record<string, 'ReLU' | 'ReLU6' | 'Sigmoid' | 'Tanh' | null> = {
  linear: null, relu: 'ReLU', relu6: 'ReLU6', sigmoid: 'Sigmoid', tanh: 'Tanh',
};

/** Input names from a Keras 2 inbound node ([[name, 0, 0, {}], …]) or a Keras 3 one ({ args: [keras tensors] }). */
function inboundNames(raw: unknown, fail: (d: string) => never): string[] {
  if (!Array.isArray(raw) || raw.length === 0) return [];
  if (raw.length > 1) fail(`is called ${raw.length} times (a shared layer), which is not supported`);
  const node = raw[0];
  if (Array.isArray(node)) return node.map((t) => (Array.isArray(t) && typeof t[0] === 'string' ? t[0] : fail(`has an inbound entry ${JSON.stringify(t)} that names no layer`)));
  const names: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      const history = isObject(v['config']) ? v['config']['keras_history'] : undefined;
      if (Array.isArray(history) && typeof history[0] === 'string') names.push(history[0]);
      else Object.values(v).forEach(walk);
    }
  };
  walk(isObject(node) ? node['args'] : node);
  return names;
}

/** The topology's layers in order, each with its inputs, plus the model's output layer. */
function readTopology(json: Json, file: string): { name: string; layers: LayerEntry[]; output: string } {
  let topo = json['modelTopology'];
  if (!isObject(topo)) throw new TfjsFormatError(file, '', 'has no modelTopology object (is it a TF.js Layers model.json? graph models are not supported)');
  if (isObject(topo['model_config'])) topo = topo['model_config']; // converted from a Keras .h5
  const t = topo as Json;
  const className = t['class_name'];
  const config = t['config'];
  const list = Array.isArray(config) ? config : isObject(config) ? config['layers'] : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new TfjsFormatError(file, '', `modelTopology (${String(className)}) lists no layers`);
  const modelName = isObject(config) && typeof config['name'] === 'string' ? config['name'] : 'tfjs-model';
  const layers: LayerEntry[] = list.map((raw, i) => {
    if (!isObject(raw) || typeof raw['class_name'] !== 'string' || !isObject(raw['config'])) {
      throw new TfjsFormatError(file, `layer #${i}`, 'is not an object with class_name and config');
    }
    const cfg = raw['config'];
    const name = typeof raw['name'] === 'string' ? raw['name'] : typeof cfg['name'] === 'string' ? cfg['name'] : `layer_${i}`;
    return { className: raw['class_name'], name, config: cfg, inbound: [] };
  });
  const seen = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.name)) throw new TfjsFormatError(file, `layer '${l.name}'`, 'appears twice in the topology');
    seen.add(l.name);
  }
  if (className === 'Sequential') {
    // A Sequential model's input comes from its first layer's batch_input_shape unless an InputLayer leads.
    if (layers[0]!.className !== 'InputLayer') {
      layers.unshift({ className: 'InputLayer', name: INPUT, config: layers[0]!.config, inbound: [] });
    }
    layers.forEach((l, i) => { l.inbound = i === 0 ? [] : [layers[i - 1]!.name]; });
    return { name: modelName, layers, output: layers.at(-1)!.name };
  }
  if (className !== 'Model' && className !== 'Functional') {
    throw new TfjsFormatError(file, '', `modelTopology class '${String(className)}' is neither Sequential nor a functional Model`);
  }
  (list as Json[]).forEach((raw, i) => {
    const fail = (d: string): never => { throw new TfjsFormatError(file, `layer '${layers[i]!.name}' (${layers[i]!.className})`, d); };
    layers[i]!.inbound = inboundNames(raw['inbound_nodes'], fail);
  });
  const outputs = (config as Json)['output_layers'];
  const outs = Array.isArray(outputs) ? (Array.isArray(outputs[0]) ? outputs : [outputs]) : [];
  if (outs.length !== 1 || typeof (outs[0] as unknown[])[0] !== 'string') {
    throw new TfjsFormatError(file, '', `the model must have exactly one output; output_layers is ${JSON.stringify(outputs)}`);
  }
  const inputs = (config as Json)['input_layers'];
  const ins = Array.isArray(inputs) ? (Array.isArray(inputs[0]) ? inputs : [inputs]) : [];
  if (ins.length !== 1) throw new TfjsFormatError(file, '', `the model must have exactly one input; input_layers is ${JSON.stringify(inputs)}`);
  return { name: modelName, layers, output: (outs[0] as string[])[0]! };
}

/** Reads every weight group into one name → weight map. */
function readWeights(json: Json, weightData: Uint8Array, file: string): Map<string, NamedWeight> {
  const manifest = json['weightsManifest'] ?? [];
  if (!Array.isArray(manifest)) throw new TfjsFormatError(file, '', 'weightsManifest is not a list of groups');
  const out = new Map<string, NamedWeight>();
  let at = 0, index = 0;
  manifest.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group['weights'])) throw new TfjsFormatError(file, `weightsManifest group ${g}`, 'has no weights list');
    const specs: TfjsWeightSpec[] = group['weights'].map((w) => checkWeightSpec(w, file, index++));
    const bytes = specs.reduce((s, w) => s + weightByteLength(w), 0);
    // The last group takes whatever is left, so a short or long final shard is reported by the decoder.
    const end = g === manifest.length - 1 ? weightData.length : Math.min(at + bytes, weightData.length);
    for (const w of decodeTfjsWeights(specs, weightData.subarray(at, end), file, `weight group ${g}`)) {
      if (out.has(w.name)) throw new TfjsFormatError(file, `weight '${w.name}'`, 'appears twice in weightsManifest');
      out.set(w.name, w);
    }
    at = end;
  });
  if (manifest.length === 0 && weightData.length > 0) throw new TfjsFormatError(file, '', `has ${weightData.length} bytes of weights but no weightsManifest`);
  return out;
}

const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const pairOf = (v: unknown, d: number): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  return [d, d];
};

/**
 * Imports a parsed model.json and its weight bytes (every group's shards concatenated in
 * manifest order) as a trainable NCHW Model.
 * @example const { model } = importTfjsModel(JSON.parse(text), shardBytes, { fileName: 'web/model.json' });
 * @throws TfjsFormatError naming the file and the layer or weight; unsupported layer types are listed all at once.
 */
export function importTfjsModel(modelJson: unknown, weightData: Uint8Array, opts: { fileName: string }): ImportedModel {
  const file = opts.fileName;
  if (!isObject(modelJson)) throw new TfjsFormatError(file, '', 'is not a JSON object');
  const topo = readTopology(modelJson, file);
  const unsupported = topo.layers.filter((l) => !SUPPORTED.has(l.className));
  if (unsupported.length > 0) {
    throw new TfjsFormatError(file, '', `unsupported layer types: ${unsupported.map((l) => `${l.className} (${l.name})`).join(', ')}; supported: ${[...SUPPORTED].join(', ')}`);
  }
  const weights = readWeights(modelJson, weightData, file);
  const used = new Set<string>();
  const nodes: ModelNode[] = [];
  const nodeNames = new UniqueNames([INPUT]);
  const values = new Map<string, Value>();
  let inputShape: [number, number, number] | null = null;
  let finalActivation: FinalActivation | null = null;
  /** The softmax over TF axis `tfAxis` of `v` (NHWC; -1, the channels, for an activation), recorded as the final activation. */
  const finalSoftmax = (v: Value, tfAxis: number, fail: (d: string) => never): Value => {
    const axis = nchwAxisOfTf(tfAxis, v.shape.length + 1);
    if (axis === undefined) fail(`softmax axis ${tfAxis} is not a non-batch axis of a rank-${v.shape.length + 1} value`);
    finalActivation = { kind: 'softmax', axis: axis!, coerce2d: false };
    return v;
  };

  /** Adds a node under `want`, or `want_<k>` when that name is taken; returns its name. */
  const push = (want: string, layer: Layer, inputs: Value[]): string => {
    const name = nodeNames.claim(want);
    nodes.push({ name, layer, inputs: inputs.map((v) => v.node) });
    return name;
  };
  for (const entry of topo.layers) {
    const where = `layer '${entry.name}' (${entry.className})`;
    const fail = (d: string): never => { throw new TfjsFormatError(file, where, d); };
    const c = entry.config;
    const ins = entry.inbound.map((n) => values.get(n) ?? fail(`reads '${n}', which is not an earlier layer`));
    const isOutput = entry.name === topo.output;
    const one = (): Value => {
      if (ins.length !== 1) fail(`takes 1 input, has ${ins.length}`);
      if (ins[0]!.pad !== null && !['Conv2D', 'DepthwiseConv2D'].includes(entry.className)) fail('follows a ZeroPadding2D, which is supported only before a convolution');
      return ins[0]!;
    };
    const image = (v: Value): [number, number, number] => {
      if (v.shape.length !== 3) fail(`needs a 4-D [n, h, w, c] input, got one of per-sample shape [${v.shape.join(', ')}] (NCHW)`);
      return v.shape as [number, number, number];
    };
    const weight = (key: string, shape: number[]): Float32Array => {
      let w = weights.get(`${entry.name}/${key}`);
      if (w === undefined) {
        const suffix = `/${entry.name}/${key}`;
        const hits = [...weights.values()].filter((x) => x.name.endsWith(suffix));
        if (hits.length === 1) w = hits[0];
      }
      if (w === undefined) return fail(`weight '${entry.name}/${key}' is not in weightsManifest`);
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) fail(`weight '${w.name}' has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
      used.add(w.name);
      return w.data;
    };
    const channelsLast = () => {
      if (c['data_format'] !== undefined && c['data_format'] !== null && c['data_format'] !== 'channels_last') fail(`data_format '${String(c['data_format'])}' is not supported; only channels_last`);
    };
    /** Adds the layer's `activation` (if any) after `node`; returns the value. */
    const activate = (v: Value, act: unknown): Value => {
      const a = act === undefined || act === null ? 'linear' : act;
      if (a === 'softmax') {
        if (!isOutput) fail("has a softmax activation that does not end the model; only a final softmax is supported");
        return finalSoftmax(v, -1, fail);
      }
      if (typeof a !== 'string' || !(a in ACTIVATIONS)) fail(`activation ${JSON.stringify(a)} is not supported; supported: ${[...Object.keys(ACTIVATIONS), 'softmax (final)'].join(', ')}`);
      const kind = ACTIVATIONS[a as string]!;
      if (kind === null) return v;
      return { ...v, node: push(`${entry.name}_${a as string}`, new Activation(kind), [v]), pad: null };
    };
    /** windowGeometry's refusal (a window larger than the padded input...) as this layer's error. */
    const geometry = ([h, w]: [number, number], kernel: [number, number], stride: [number, number], dilation: [number, number], padding: Padding) => {
      try {
        return windowGeometry(where, h, w, kernel[0], kernel[1], stride, dilation, padding);
      } catch (e) {
        return fail((e as Error).message);
      }
    };
    /** Conv padding from the layer's padding and a ZeroPadding2D folded in front of it. */
    const convPadding = (v: Value): Padding => {
      const p = c['padding'] ?? 'valid';
      if (p !== 'valid' && p !== 'same') fail(`padding ${JSON.stringify(p)} is not 'valid' or 'same'`);
      if (v.pad === null) return p as Padding;
      if (p !== 'valid') fail("follows a ZeroPadding2D and pads 'same' itself; only 'valid' can absorb the zero padding");
      return v.pad;
    };

    let out: Value;
    switch (entry.className) {
      case 'InputLayer': {
        const shape = c['batch_input_shape'] ?? c['batchInputShape'] ?? c['batch_shape'];
        if (!Array.isArray(shape) || shape.length !== 4 || shape.slice(1).some((d) => !Number.isInteger(d) || (d as number) < 1)) {
          fail(`input shape ${JSON.stringify(shape)} is not [batch, height, width, channels] with known sizes; prunequant models take images`);
        }
        const [, h, w, ch] = shape as number[];
        if (inputShape !== null) fail('is a second input; the model must have one');
        inputShape = [ch!, h!, w!];
        out = { node: INPUT, shape: [ch!, h!, w!], flat: null, pad: null };
        break;
      }
      case 'ZeroPadding2D': {
        const v = one();
        image(v);
        channelsLast();
        const raw = c['padding'];
        let pads: [number, number];
        if (typeof raw === 'number') pads = [raw, raw];
        else if (Array.isArray(raw) && raw.every((x) => typeof x === 'number')) pads = [raw[0] as number, raw[1] as number];
        else if (Array.isArray(raw) && raw.every((x) => Array.isArray(x) && x.length === 2 && x[0] === x[1])) pads = [(raw[0] as number[])[0]!, (raw[1] as number[])[0]!];
        else return fail(`padding ${JSON.stringify(raw)} is not symmetric; only equal padding on both sides of each axis is supported`);
        if (v.pad !== null) fail('follows another ZeroPadding2D');
        out = { ...v, pad: pads };
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const v = one();
        const [ci, h, w] = image(v);
        channelsLast();
        const kernel = pairOf(c['kernel_size'], 1), stride = pairOf(c['strides'], 1), dilation = pairOf(c['dilation_rate'], 1);
        const padding = convPadding(v);
        const depthwise = entry.className === 'DepthwiseConv2D';
        const mult = depthwise ? num(c['depth_multiplier'], 1) : 1;
        const groups = depthwise ? ci : num(c['groups'], 1);
        const co = depthwise ? ci * mult : num(c['filters'], NaN);
        if (!Number.isInteger(co) || co < 1) fail(`filters ${JSON.stringify(c['filters'])} is not a positive integer`);
        if (!Number.isInteger(groups) || ci % groups !== 0 || co % groups !== 0) fail(`groups ${groups} does not divide ${ci} input and ${co} output channels`);
        const useBias = c['use_bias'] !== false;
        const g = geometry([h, w], kernel, stride, dilation, padding);
        const layer = new Conv2d({ inChannels: ci, outChannels: co, kernel, stride, padding, dilation, groups, bias: useBias });
        const cig = ci / groups, [kh, kw] = kernel;
        // TF: [kh, kw, in/groups, out] (depthwise: [kh, kw, in, mult], output channel = in · mult + m); ours [out, in/groups, kh, kw].
        const tf = depthwise ? weight('depthwise_kernel', [kh, kw, ci, mult]) : weight('kernel', [kh, kw, cig, co]);
        const at = convKernelTfIndex(co, ci, groups, kh, kw, depthwise);
        layer.weight.assign(Float32Array.from(at, (k) => tf[k]!));
        if (useBias) layer.bias!.assign(weight('bias', [co]));
        const node = push(entry.name, layer, [v]);
        out = activate({ node, shape: [co, g.oh, g.ow], flat: null, pad: null }, c['activation']);
        break;
      }
      case 'Dense': {
        const v = one();
        if (v.shape.length !== 1) fail(`reads a tensor of per-sample shape [${v.shape.join(', ')}]; Dense is supported on flat [n, features] inputs only (add a Flatten)`);
        const fin = v.shape[0]!, units = num(c['units'], NaN);
        if (!Number.isInteger(units) || units < 1) fail(`units ${JSON.stringify(c['units'])} is not a positive integer`);
        const useBias = c['use_bias'] !== false;
        const layer = new Linear({ inFeatures: fin, outFeatures: units, bias: useBias });
        const tf = weight('kernel', [fin, units]);
        const wt = new Float32Array(units * fin);
        const feature = denseRowFeature(fin, v.flat);
        for (let r = 0; r < fin; r++) for (let o = 0; o < units; o++) wt[o * fin + feature[r]!] = tf[r * units + o]!;
        layer.weight.assign(wt);
        if (useBias) layer.bias!.assign(weight('bias', [units]));
        out = activate({ node: push(entry.name, layer, [v]), shape: [units], flat: null, pad: null }, c['activation']);
        break;
      }
      case 'BatchNormalization': {
        const v = one();
        const [ch] = image(v);
        const axis = c['axis'];
        const ax = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis ?? -1;
        if (ax !== -1 && ax !== 3) fail(`axis ${JSON.stringify(axis)} is not the channel axis (-1 or 3)`);
        const layer = new BatchNorm2d({ channels: ch, eps: num(c['epsilon'], 1e-3), momentum: 1 - num(c['momentum'], 0.99) });
        layer.gamma.assign(c['scale'] === false ? new Float32Array(ch).fill(1) : weight('gamma', [ch]));
        layer.beta.assign(c['center'] === false ? new Float32Array(ch) : weight('beta', [ch]));
        layer.runningMean.view().set(weight('moving_mean', [ch]));
        layer.runningVar.view().set(weight('moving_variance', [ch]));
        out = { ...v, node: push(entry.name, layer, [v]) };
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const v = one();
        const [ch, h, w] = image(v);
        channelsLast();
        const kernel = pairOf(c['pool_size'], 2);
        const stride = c['strides'] === null || c['strides'] === undefined ? kernel : pairOf(c['strides'], 1);
        const padding = c['padding'] ?? 'valid';
        if (padding !== 'valid' && padding !== 'same') fail(`padding ${JSON.stringify(padding)} is not 'valid' or 'same'`);
        const g = geometry([h, w], kernel, stride, [1, 1], padding as Padding);
        const kind = entry.className === 'MaxPooling2D' ? 'MaxPool2d' : 'AvgPool2d';
        out = { node: push(entry.name, new Pool2d(kind, { kernel, stride, padding: padding as Padding }), [v]), shape: [ch, g.oh, g.ow], flat: null, pad: null };
        break;
      }
      case 'GlobalAveragePooling2D': {
        const v = one();
        const [ch] = image(v);
        channelsLast();
        const pooled = push(entry.name, new GlobalAvgPool(), [v]);
        // TF's result is [n, c] unless keepdims; ours is [n, c, 1, 1], so a Flatten matches it.
        out = c['keepdims'] === true
          ? { node: pooled, shape: [ch, 1, 1], flat: null, pad: null }
          : { node: push(`${entry.name}_flatten`, new Flatten(), [{ node: pooled } as Value]), shape: [ch], flat: null, pad: null };
        break;
      }
      case 'Flatten': {
        const v = one();
        // A Flatten of what is already flat computes nothing, here or in TF.js.
        out = v.shape.length === 1 ? v : { ...flattened(image(v)), node: push(entry.name, new Flatten(), [v]), pad: null };
        break;
      }
      case 'Activation':
        out = activate(one(), c['activation']);
        break;
      case 'Softmax': {
        const v = one();
        if (!isOutput) fail('is a softmax that does not end the model; only a final softmax is supported');
        out = finalSoftmax(v, num(c['axis'], -1), fail);
        break;
      }
      case 'ReLU': {
        const v = one();
        const max = c['max_value'];
        if (num(c['negative_slope'], 0) !== 0 || num(c['threshold'], 0) !== 0) fail('negative_slope and threshold other than 0 are not supported');
        if (max !== undefined && max !== null && max !== 6) fail(`max_value ${JSON.stringify(max)} is not supported (only none or 6)`);
        out = { ...v, node: push(entry.name, new Activation(max === 6 ? 'ReLU6' : 'ReLU'), [v]) };
        break;
      }
      case 'LeakyReLU': {
        const v = one();
        out = { ...v, node: push(entry.name, new Activation('LeakyReLU', num(c['alpha'] ?? c['negative_slope'], 0.3)), [v]) };
        break;
      }
      case 'Dropout': {
        const v = one();
        const rate = num(c['rate'], NaN);
        if (!(rate >= 0 && rate < 1)) fail(`rate ${JSON.stringify(c['rate'])} is not in [0, 1)`);
        out = { ...v, node: push(entry.name, new Dropout(rate), [v]) };
        break;
      }
      case 'Add': {
        if (ins.length < 2) fail(`takes at least 2 inputs, has ${ins.length}`);
        const first = ins[0]!;
        for (const v of ins) {
          if (v.pad !== null) fail('reads a ZeroPadding2D, which is supported only before a convolution');
          if (v.shape.join() !== first.shape.join()) fail(`inputs have different shapes: ${ins.map((x) => `[${x.shape.join(', ')}]`).join(', ')} (NCHW)`);
          if (JSON.stringify(v.flat) !== JSON.stringify(first.flat)) fail('adds flattened tensors of different origins');
        }
        out = { ...first, node: push(entry.name, new Add(), ins) };
        break;
      }
      case 'Concatenate': {
        if (ins.length < 2) fail(`takes at least 2 inputs, has ${ins.length}`);
        const rank = ins[0]!.shape.length + 1;
        const raw = num(c['axis'], -1);
        const axis = nchwAxisOfTf(raw, rank);
        if (axis === undefined) fail(`axis ${raw} is not a non-batch axis of rank-${rank} inputs`);
        for (const v of ins) {
          if (v.pad !== null) fail('reads a ZeroPadding2D, which is supported only before a convolution');
          if (v.flat !== null) fail('concatenates flattened image tensors, whose channel order differs between NHWC and NCHW');
          if (v.shape.length !== rank - 1 || v.shape.some((d, i) => i !== axis! - 1 && d !== ins[0]!.shape[i])) {
            fail(`inputs differ off the concatenation axis: ${ins.map((x) => `[${x.shape.join(', ')}]`).join(', ')} (NCHW)`);
          }
        }
        const shape = [...ins[0]!.shape];
        shape[axis! - 1] = ins.reduce((s, v) => s + v.shape[axis! - 1]!, 0);
        out = { node: push(entry.name, new Concat(axis!), ins), shape, flat: null, pad: null };
        break;
      }
      default:
        return fail('is not supported');
    }
    values.set(entry.name, out);
  }

  const output = values.get(topo.output);
  if (output === undefined) throw new TfjsFormatError(file, '', `output layer '${topo.output}' is not in the topology`);
  if (output.pad !== null) throw new TfjsFormatError(file, `layer '${topo.output}'`, 'the model ends in a ZeroPadding2D');
  if (inputShape === null) throw new TfjsFormatError(file, '', 'has no InputLayer and no batch_input_shape on its first layer');
  if (nodes.length === 0) throw new TfjsFormatError(file, '', 'has no layers prunequant computes (only the input)');
  // Layers the output does not depend on would still run (and train); drop none silently.
  if (output.node !== nodes.at(-1)!.name) {
    throw new TfjsFormatError(file, `layer '${topo.output}'`, 'is not the last layer computed; layers after the model output are not supported');
  }
  const model = new Model(topo.name, inputShape, nodes);
  const udm = modelJson['userDefinedMetadata'];
  const ours = isObject(udm) && isObject(udm[TFJS_METADATA_KEY]) ? udm[TFJS_METADATA_KEY] : null;
  const stored = ours?.['preprocessing'];
  // TF.js files say nothing of pixel range or normalization; prunequant's own exports store it.
  const preprocessing: ModelPreprocessing | null = isObject(stored) ? { ...(stored as unknown as ModelPreprocessing), layout: 'nhwc' } : null;
  const unused = [...weights.keys()].filter((n) => !used.has(n));
  const meta: Record<string, unknown> = {
    source: file, format: 'tfjs', inputLayout: 'nhwc', [FINAL_ACTIVATION_META_KEY]: finalActivation,
    generatedBy: modelJson['generatedBy'] ?? null, convertedBy: modelJson['convertedBy'] ?? null,
    ...(isObject(udm) ? { userDefinedMetadata: udm } : {}),
    ...(unused.length > 0 ? { unusedWeights: unused } : {}),
  };
  return { model, format: 'tfjs', preprocessing, meta };
}

/**
 * Reads model.json and the weight shards its manifest names (paths relative to model.json).
 * @example const { model, preprocessing } = loadTfjsModel('web/model.json');
 * @throws TfjsFormatError for unreadable JSON, a missing shard, or any import problem.
 */
export function loadTfjsModel(modelJsonPath: string): ImportedModel {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TfjsFormatError(modelJsonPath, '', code ? `cannot read (${code})` : `is not valid JSON (${(e as Error).message})`);
  }
  const manifest = isObject(json) && Array.isArray(json['weightsManifest']) ? json['weightsManifest'] : [];
  const parts: Uint8Array[] = [];
  manifest.forEach((group, g) => {
    const paths = isObject(group) ? group['paths'] : undefined;
    if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new TfjsFormatError(modelJsonPath, `weightsManifest group ${g}`, 'paths is not a list of file names');
    for (const p of paths as string[]) {
      const shard = join(dirname(modelJsonPath), p);
      try {
        parts.push(readFileSync(shard));
      } catch (e) {
        throw new TfjsFormatError(modelJsonPath, `weightsManifest group ${g}`, `shard '${p}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) at ${shard}`);
      }
    }
  });
  return importTfjsModel(json, concatBytes(parts), { fileName: modelJsonPath });
}
