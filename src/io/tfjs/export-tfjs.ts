/**
 * TF.js Layers export: a prunequant Model as a functional Keras topology in model.json plus
 * weight shards, which `tf.loadLayersModel` runs with our outputs. The inverse of
 * import-tfjs.ts: channels-last layers, transposed kernels, and the Dense layer after a
 * Flatten of a 4-D tensor with its rows permuted from (c, h, w) to TF's (h, w, c) order.
 * Every prunequant node becomes one layer of the same name (made a valid TF name), so a
 * model exported and imported again has the same graph; a numeric padding that 'same' does
 * not reproduce becomes a ZeroPadding2D before the conv.
 */
import { UniqueNames } from '../unique-names.js';
import { join } from 'node:path';
import {
  Activation, BatchNorm2d, Concat, Conv2d, Dropout, Linear, Pool2d, INPUT, writeFileAtomic, type Model, type Param,
} from '../../nn/index.js';
import { pair, windowGeometry, type Padding } from '../../tensor/index.js';
import { exportedParamData } from '../onnx/index.js';
import type { ModelPreprocessing } from '../imported-model.js';
import { TfjsFormatError } from './errors.js';
import { convKernelTfIndex, denseRowFeature, flattened, tfAxisOfNchw, type FlatOrigin } from './layout.js';
import type { FinalActivation } from '../final-activation.js';
import { TFJS_METADATA_KEY } from './import-tfjs.js';
import { encodeTfjsWeights, type NamedWeight, type TfjsQuantization } from './weights.js';

export interface TfjsExportOptions {
  /** TF.js's own weight quantization (uint8 / uint16 affine per tensor, or float16); default float32. */
  quantize?: TfjsQuantization;
  /**
   * End the model with this softmax, as the model it was imported from did (meta.finalActivation,
   * see finalActivationOf); default none. TF.js Layers has no log-softmax, so that is refused.
   */
  finalActivation?: FinalActivation | null;
  /** Stored in userDefinedMetadata, with the layout set to 'nhwc' (the exported model's). */
  preprocessing?: ModelPreprocessing | null;
  /** Largest shard file in bytes; default 4 MiB, as TF.js writes them. */
  shardBytes?: number;
}

export interface TfjsArtifacts {
  /** model.json's contents, with weightsManifest paths 'group1-shard<i>of<n>.bin'. */
  modelJson: Record<string, unknown>;
  /** The shards in order, each named as in the manifest. */
  shards: { path: string; bytes: Uint8Array }[];
}

type Json = Record<string, unknown>;

/** What a prunequant value is in TF.js terms: its layer name and NCHW per-sample shape. */
interface Value {
  layer: string;
  shape: number[];
  /** A Flatten of [c, h, w] (h · w > 1) and anything computed elementwise from it. */
  flat: FlatOrigin;
}

const validName = (s: string) => /^[A-Za-z0-9][-A-Za-z0-9._]*$/.test(s);

/**
 * Builds model.json and the shards in memory.
 * @example const { modelJson, shards } = exportTfjsModel(createModel('lenet5'), { quantize: 'uint8' });
 * @throws TfjsFormatError naming the node, for a layer TF.js Layers cannot express.
 */
export function exportTfjsModel(model: Model, opts: TfjsExportOptions = {}): TfjsArtifacts {
  const where = `model ${model.name}`;
  const hooked = model.nodes.find((n) => n.outputHook !== undefined);
  if (hooked !== undefined) {
    throw new TfjsFormatError(where, `node '${hooked.name}'`, 'has an output hook (activation fake quantization), which TF.js Layers cannot express; export the model before activation quantization');
  }
  const names = new UniqueNames([INPUT]);
  const claim = (want: string): string => names.claim(validName(want) ? want : `n_${want.replace(/[^-A-Za-z0-9._]/g, '_')}`);
  const layers: Json[] = [];
  const weights: NamedWeight[] = [];
  const [c0, h0, w0] = model.inputShape;
  layers.push({ name: INPUT, class_name: 'InputLayer', config: { batch_input_shape: [null, h0, w0, c0], dtype: 'float32', sparse: false, name: INPUT }, inbound_nodes: [] });
  const values = new Map<string, Value>([[INPUT, { layer: INPUT, shape: [c0, h0, w0], flat: null }]]);
  let last: Value = values.get(INPUT)!;

  for (const mn of model.nodes) {
    const type = mn.layer.config().type;
    const fail = (d: string): never => { throw new TfjsFormatError(where, `node '${mn.name}' (${type})`, d); };
    const ins = mn.inputs.map((i) => values.get(i)!);
    const one = (): Value => (ins.length === 1 ? ins[0]! : fail(`takes 1 input, has ${ins.length}`));
    const image = (v: Value): [number, number, number] => (v.shape.length === 3 ? v.shape as [number, number, number] : fail(`needs a [c, h, w] input, got [${v.shape.join(', ')}]`));
    const add = (className: string, config: Json, inputs: Value[], name = mn.name): string => {
      const layer = claim(name);
      layers.push({ name: layer, class_name: className, config: { name: layer, trainable: true, dtype: 'float32', ...config }, inbound_nodes: [inputs.map((v) => [v.layer, 0, 0, {}])] });
      return layer;
    };
    const param = (p: Param) => exportedParamData(p, mn.name);
    /** 'same' or 'valid' when one of them reproduces our padding, else the pads for a ZeroPadding2D. */
    const tfPadding = (padding: Padding, hw: [number, number], kernel: [number, number], stride: [number, number], dilation: [number, number]): 'same' | 'valid' | [number, number] => {
      if (padding === 'same' || padding === 'valid') return padding;
      const [ph, pw] = pair(padding as number | [number, number]);
      if (ph === 0 && pw === 0) return 'valid';
      const ours = windowGeometry(mn.name, hw[0], hw[1], kernel[0], kernel[1], stride, dilation, padding);
      const same = windowGeometry(mn.name, hw[0], hw[1], kernel[0], kernel[1], stride, dilation, 'same');
      // 'same' computes the same windows when the sizes and the top/left padding agree.
      if (ours.oh === same.oh && ours.ow === same.ow && ours.ph === same.ph && ours.pw === same.pw) return 'same';
      return [ph, pw];
    };
    let out: Value;
    switch (type) {
      case 'Conv2d': {
        if (!(mn.layer instanceof Conv2d)) return fail('is not a Conv2d');
        const l = mn.layer;
        const v = one();
        const [ci, h, w] = image(v);
        const { outChannels: co, groups = 1 } = l.cfg;
        const kernel = pair(l.cfg.kernel), stride = pair(l.cfg.stride ?? 1), dilation = pair(l.cfg.dilation ?? 1);
        const depthwise = groups > 1 && groups === ci;
        if (groups > 1 && !depthwise) fail(`groups ${groups} (neither 1 nor depthwise) has no TF.js Layers equivalent`);
        const pad = tfPadding(l.cfg.padding ?? 0, [h, w], kernel, stride, dilation);
        let input = v;
        if (Array.isArray(pad)) input = { ...v, layer: add('ZeroPadding2D', { padding: [[pad[0], pad[0]], [pad[1], pad[1]]], data_format: 'channels_last' }, [v], `${mn.name}_pad`) };
        const g = windowGeometry(mn.name, h, w, kernel[0], kernel[1], stride, dilation, l.cfg.padding ?? 0);
        const ours = param(l.weight);
        const cig = ci / groups, mult = co / ci, [kh, kw] = kernel;
        const tf = new Float32Array(ours.length);
        convKernelTfIndex(co, ci, groups, kh, kw, depthwise).forEach((k, j) => { tf[k] = ours[j]!; });
        const common = {
          kernel_size: kernel, strides: stride, padding: Array.isArray(pad) ? 'valid' : pad, data_format: 'channels_last',
          dilation_rate: dilation, activation: 'linear', use_bias: l.bias !== null,
        };
        const layer = depthwise
          ? add('DepthwiseConv2D', { ...common, depth_multiplier: mult }, [input])
          : add('Conv2D', { ...common, filters: co }, [input]);
        weights.push({ name: `${layer}/${depthwise ? 'depthwise_kernel' : 'kernel'}`, shape: depthwise ? [kh, kw, ci, mult] : [kh, kw, cig, co], data: tf });
        if (l.bias) weights.push({ name: `${layer}/bias`, shape: [co], data: param(l.bias) });
        out = { layer, shape: [co, g.oh, g.ow], flat: null };
        break;
      }
      case 'Linear': {
        if (!(mn.layer instanceof Linear)) return fail('is not a Linear');
        const l = mn.layer;
        const v = one();
        const fin = l.cfg.inFeatures, units = l.cfg.outFeatures;
        if (v.shape.length !== 1 || v.shape[0] !== fin) fail(`expects [${fin}] features, input is [${v.shape.join(', ')}]; flatten first`);
        const ours = param(l.weight);
        const tf = new Float32Array(ours.length);
        const feature = denseRowFeature(fin, v.flat);
        for (let r = 0; r < fin; r++) for (let o = 0; o < units; o++) tf[r * units + o] = ours[o * fin + feature[r]!]!;
        const layer = add('Dense', { units, activation: 'linear', use_bias: l.bias !== null }, [v]);
        weights.push({ name: `${layer}/kernel`, shape: [fin, units], data: tf });
        if (l.bias) weights.push({ name: `${layer}/bias`, shape: [units], data: param(l.bias) });
        out = { layer, shape: [units], flat: null };
        break;
      }
      case 'BatchNorm2d': {
        if (!(mn.layer instanceof BatchNorm2d)) return fail('is not a BatchNorm2d');
        const l = mn.layer;
        const v = one();
        const [ch] = image(v);
        const layer = add('BatchNormalization', { axis: -1, momentum: 1 - (l.cfg.momentum ?? 0.1), epsilon: l.cfg.eps ?? 1e-5, center: true, scale: true }, [v]);
        weights.push(
          { name: `${layer}/gamma`, shape: [ch], data: param(l.gamma) },
          { name: `${layer}/beta`, shape: [ch], data: param(l.beta) },
          { name: `${layer}/moving_mean`, shape: [ch], data: l.runningMean.toArray() },
          { name: `${layer}/moving_variance`, shape: [ch], data: l.runningVar.toArray() },
        );
        out = { ...v, layer };
        break;
      }
      case 'ReLU': case 'ReLU6': case 'Sigmoid': case 'Tanh': case 'LeakyReLU': {
        if (!(mn.layer instanceof Activation)) return fail('is not an Activation');
        const v = one();
        const layer = type === 'LeakyReLU'
          ? add('LeakyReLU', { alpha: mn.layer.slope }, [v])
          : add('Activation', { activation: { ReLU: 'relu', ReLU6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh' }[type] }, [v]);
        out = { ...v, layer };
        break;
      }
      case 'MaxPool2d': case 'AvgPool2d': {
        if (!(mn.layer instanceof Pool2d)) return fail('is not a Pool2d');
        const cfg = mn.layer.cfg as Pool2d['cfg'] & { dilation?: number | [number, number]; countIncludePad?: boolean };
        const v = one();
        const [ch, h, w] = image(v);
        const kernel = pair(cfg.kernel), stride = pair(cfg.stride ?? cfg.kernel);
        if (pair(cfg.dilation ?? 1).some((d) => d !== 1)) fail('dilated pooling has no TF.js Layers equivalent');
        const pad = tfPadding(cfg.padding ?? 0, [h, w], kernel, stride, [1, 1]);
        if (Array.isArray(pad)) fail(`padding ${JSON.stringify(cfg.padding)} is neither 'valid' nor what 'same' pads, and TF.js pools cannot take other padding`);
        if (pad === 'same' && type === 'AvgPool2d' && cfg.countIncludePad) fail("countIncludePad averages differ from TF.js's 'same' average pooling, which leaves padding out");
        const g = windowGeometry(mn.name, h, w, kernel[0], kernel[1], stride, [1, 1], cfg.padding ?? 0);
        const layer = add(type === 'MaxPool2d' ? 'MaxPooling2D' : 'AveragePooling2D', { pool_size: kernel, strides: stride, padding: pad, data_format: 'channels_last' }, [v]);
        out = { layer, shape: [ch, g.oh, g.ow], flat: null };
        break;
      }
      case 'GlobalAvgPool': {
        const v = one();
        const [ch] = image(v);
        // TF.js gives [n, c]; ours [n, c, 1, 1]. Only a Flatten may follow, which then is a no-op.
        const readers = model.nodes.filter((n) => n.inputs.includes(mn.name));
        if (readers.some((n) => n.layer.config().type !== 'Flatten')) fail('is read by a layer other than Flatten; TF.js global pooling drops the spatial axes');
        out = { layer: add('GlobalAveragePooling2D', { data_format: 'channels_last' }, [v]), shape: [ch], flat: null };
        break;
      }
      case 'Flatten': {
        const v = one();
        // A Flatten of what is already flat computes nothing, here or in TF.js.
        out = v.shape.length === 1 ? v : { ...flattened(image(v)), layer: add('Flatten', {}, [v]) };
        break;
      }
      case 'Dropout': {
        if (!(mn.layer instanceof Dropout)) return fail('is not a Dropout');
        const v = one();
        out = { ...v, layer: add('Dropout', { rate: mn.layer.p }, [v]) };
        break;
      }
      case 'Add': {
        const first = ins[0]!;
        if (ins.some((v) => v.shape.join() !== first.shape.join() || JSON.stringify(v.flat) !== JSON.stringify(first.flat))) {
          fail(`inputs differ in shape or origin: ${ins.map((v) => `[${v.shape.join(', ')}]`).join(', ')}; TF.js Add does not broadcast`);
        }
        out = { ...first, layer: add('Add', {}, ins) };
        break;
      }
      case 'Concat': {
        if (!(mn.layer instanceof Concat)) return fail('is not a Concat');
        const rank = ins[0]!.shape.length + 1;
        const axis = mn.layer.axis < 0 ? mn.layer.axis + rank : mn.layer.axis;
        if (ins.some((v) => v.flat !== null)) fail('concatenates flattened images, whose feature order differs in TF.js');
        const tfAxis = tfAxisOfNchw(axis, rank);
        if (tfAxis === undefined) fail(`axis ${mn.layer.axis} is not a non-batch axis of rank-${rank} inputs`);
        const shape = [...ins[0]!.shape];
        shape[axis - 1] = ins.reduce((s, v) => s + v.shape[axis - 1]!, 0);
        out = { layer: add('Concatenate', { axis: tfAxis }, ins), shape, flat: null };
        break;
      }
      default:
        return fail(`has no TF.js Layers mapping; exportable types: Conv2d (groups 1 or depthwise), Linear, BatchNorm2d, ReLU, ReLU6, LeakyReLU, Sigmoid, Tanh, MaxPool2d, AvgPool2d, GlobalAvgPool, Flatten, Dropout, Add, Concat`);
    }
    values.set(mn.name, out);
    last = out;
  }
  const final = opts.finalActivation ?? null;
  if (final !== null) {
    const rank = last.shape.length + 1;
    const fail = (d: string): never => { throw new TfjsFormatError(where, 'final activation', d); };
    if (final.kind !== 'softmax') fail(`${final.kind} has no TF.js Layers equivalent (only softmax); export the logits (finalActivation null) or use ONNX`);
    // ONNX before opset 13 flattens the axes from `axis` on; that is a per-axis softmax only when nothing follows.
    if (final.coerce2d && final.axis !== rank - 1) fail(`a softmax over the flattened axes ${final.axis}… of a rank-${rank} output has no TF.js Layers equivalent`);
    const axis = tfAxisOfNchw(final.axis, rank);
    if (axis === undefined) fail(`softmax axis ${final.axis} of a rank-${rank} output has no TF.js axis`);
    const layer = claim('softmax');
    // The channels (TF's last axis) take an Activation, as Keras writes it; another axis a Softmax layer.
    const [className, config]: [string, Json] = axis === rank - 1 ? ['Activation', { activation: 'softmax' }] : ['Softmax', { axis }];
    layers.push({ name: layer, class_name: className, config: { name: layer, trainable: true, dtype: 'float32', ...config }, inbound_nodes: [[[last.layer, 0, 0, {}]]] });
    last = { ...last, layer };
  }

  const { specs, bytes } = encodeTfjsWeights(weights, opts.quantize);
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  if (!(Number.isInteger(shardBytes) && shardBytes > 0)) throw new TfjsFormatError(where, '', `shardBytes must be a positive integer, got ${shardBytes}`);
  const count = Math.max(1, Math.ceil(bytes.length / shardBytes));
  const shards = Array.from({ length: count }, (_, i) => ({ path: `group1-shard${i + 1}of${count}.bin`, bytes: bytes.subarray(i * shardBytes, Math.min(bytes.length, (i + 1) * shardBytes)) }));
  const modelJson: Json = {
    format: 'layers-model',
    generatedBy: 'prunequant',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: { name: model.name, layers, input_layers: [[INPUT, 0, 0]], output_layers: [[last.layer, 0, 0]] },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: specs }],
  };
  if (opts.preprocessing) modelJson['userDefinedMetadata'] = { [TFJS_METADATA_KEY]: { preprocessing: { ...opts.preprocessing, layout: 'nhwc' } } };
  return { modelJson, shards };
}

/**
 * Writes DIR/model.json and its shards beside it, each atomically; the shards first, so a
 * model.json on disk never names a shard not yet written. Returns the files and total bytes.
 * @example saveTfjsModel(model, 'web-model', { quantize: 'uint8' });
 */
export function saveTfjsModel(model: Model, dir: string, opts: TfjsExportOptions = {}): { path: string; files: string[]; sizeBytes: number } {
  const { modelJson, shards } = exportTfjsModel(model, opts);
  const files: string[] = [];
  let size = 0;
  for (const s of shards) {
    const p = join(dir, s.path);
    writeFileAtomic(p, s.bytes);
    files.push(p);
    size += s.bytes.length;
  }
  const path = join(dir, 'model.json');
  const text = JSON.stringify(modelJson);
  writeFileAtomic(path, text);
  files.push(path);
  return { path, files, sizeBytes: size + Buffer.byteLength(text) };
}
