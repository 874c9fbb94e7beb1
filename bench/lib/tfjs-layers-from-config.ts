// Builds the tfjs-layers equivalent of one of our models from its `Model.config()`, for the
// TF.js inference anchor. Channels-last (TF.js's native layout; the arithmetic per image
// is the same), random weights: only speed is measured from it.
//
// The graph is built the way TF.js would run the model at its fastest, as onnxruntime does
// with our ONNX export: a BatchNorm2d right after a conv is folded into the conv's bias (what
// tfjs-converter does to a frozen graph), and a ReLU/ReLU6/Sigmoid/Tanh right after a conv or
// a dense layer becomes that layer's activation, which TF.js runs as one fused op. Dropout is
// the identity at inference and is dropped.
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelConfig } from '../../src/nn/index.js';

type Pair = number | readonly [number, number];
type Padding = number | readonly [number, number] | 'same' | 'valid';
type SymbolicTensor = tfl.SymbolicTensor;

const pair = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);

const ACTIVATIONS: Record<string, 'relu' | 'relu6' | 'sigmoid' | 'tanh'> = { ReLU: 'relu', ReLU6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh' };

/**
 * Keras padding for one of ours. 'same' whenever it yields our output size (the pixels it
 * pads may sit on other sides, which changes no cost); otherwise explicit zero padding,
 * then 'valid'.
 */
function kerasPadding(padding: Padding | undefined, kernel: [number, number], stride: [number, number], hw: [number, number]): { padding: 'same' | 'valid'; zeroPad?: [[number, number], [number, number]] } {
  if (padding === 'same' || padding === 'valid') return { padding };
  const [ph, pw] = pair(padding, 0);
  if (ph === 0 && pw === 0) return { padding: 'valid' };
  const ours = (i: 0 | 1, p: number) => Math.floor((hw[i] + 2 * p - kernel[i]) / stride[i]) + 1;
  const same = (i: 0 | 1) => Math.ceil(hw[i] / stride[i]);
  if (ours(0, ph) === same(0) && ours(1, pw) === same(1)) return { padding: 'same' };
  return { padding: 'valid', zeroPad: [[ph, ph], [pw, pw]] };
}

export interface TfjsBuild {
  model: tfl.LayersModel;
  /** What was fused or dropped, for the measurement's notes. */
  notes: string[];
}

/** @throws Error naming the node, for a layer type with no tfjs-layers equivalent here. */
export function tfjsLayersFromConfig(config: ModelConfig): TfjsBuild {
  const nodes = config.nodes;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const consumers = new Map<string, number>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);

  // Planning pass: which nodes disappear into an earlier one. `alias` maps a dropped node to
  // the node whose output now stands for it; a fusion is allowed only if every node on the
  // way has a single consumer, since a fused layer no longer exposes its unfused output.
  const alias = new Map<string, string>();
  const resolve = (name: string) => alias.get(name) ?? name;
  // For a dropped node: whether every link from the node it aliases down to it is single-consumer.
  const soloChain = new Map<string, boolean>();
  const bias = new Set<string>();
  const activation = new Map<string, 'relu' | 'relu6' | 'sigmoid' | 'tanh'>();
  let folded = 0, fusedActs = 0, dropouts = 0;
  for (const n of nodes) {
    const type = n.layer.type;
    const input = n.inputs[0]!;
    const src = resolve(input);
    const srcType = byName.get(src)?.layer.type;
    const solo = consumers.get(input) === 1 && (soloChain.get(input) ?? true);
    if (type === 'Dropout') {
      alias.set(n.name, src);
      soloChain.set(n.name, solo);
      dropouts++;
    } else if (type === 'BatchNorm2d' && srcType === 'Conv2d' && solo && !activation.has(src)) {
      bias.add(src);
      alias.set(n.name, src);
      soloChain.set(n.name, true);
      folded++;
    } else if (ACTIVATIONS[type] !== undefined && (srcType === 'Conv2d' || srcType === 'Linear') && solo && !activation.has(src)) {
      activation.set(src, ACTIVATIONS[type]!);
      alias.set(n.name, src);
      soloChain.set(n.name, true);
      fusedActs++;
    }
  }

  // Building pass, with the functional API (our models are DAGs: ResNet's Add).
  const [c, h, w] = config.inputShape;
  const input = tfl.input({ shape: [h, w, c] });
  const values = new Map<string, SymbolicTensor>([['input', input]]);
  const hwOf = (t: SymbolicTensor): [number, number] => [t.shape[1]!, t.shape[2]!];
  let out = input;
  for (const n of nodes) {
    if (alias.has(n.name)) continue;
    const where = `model ${config.name}, node '${n.name}' (${n.layer.type})`;
    const ins = n.inputs.map((i) => values.get(resolve(i))!);
    const x = ins[0]!;
    const l = n.layer as Record<string, unknown>;
    let y: SymbolicTensor;
    switch (n.layer.type) {
      case 'Conv2d': {
        const kernel = pair(l['kernel'] as Pair, 1), stride = pair(l['stride'] as Pair | undefined, 1);
        const groups = (l['groups'] as number | undefined) ?? 1;
        const inChannels = l['inChannels'] as number, outChannels = l['outChannels'] as number;
        if (pair(l['dilation'] as Pair | undefined, 1).some((d) => d !== 1)) throw new Error(`${where}: dilation is not supported here`);
        const pad = kerasPadding(l['padding'] as Padding | undefined, kernel, stride, hwOf(x));
        const xin = pad.zeroPad ? tfl.layers.zeroPadding2d({ padding: pad.zeroPad }).apply(x) as SymbolicTensor : x;
        const common = { kernelSize: kernel, strides: stride, padding: pad.padding, useBias: l['bias'] !== false || bias.has(n.name), activation: activation.get(n.name) ?? 'linear' } as const;
        if (groups === 1) {
          y = tfl.layers.conv2d({ ...common, filters: outChannels }).apply(xin) as SymbolicTensor;
        } else if (groups === inChannels && outChannels === inChannels) {
          y = tfl.layers.depthwiseConv2d({ ...common, depthMultiplier: 1 }).apply(xin) as SymbolicTensor;
        } else {
          throw new Error(`${where}: grouped conv (groups ${groups}) other than depthwise has no tfjs-layers equivalent`);
        }
        break;
      }
      case 'Linear':
        y = tfl.layers.dense({ units: l['outFeatures'] as number, activation: activation.get(n.name) ?? 'linear' }).apply(x) as SymbolicTensor;
        break;
      case 'BatchNorm2d':
        y = tfl.layers.batchNormalization({ axis: -1 }).apply(x) as SymbolicTensor;
        break;
      case 'MaxPool2d':
      case 'AvgPool2d': {
        const kernel = pair(l['kernel'] as Pair, 1), stride = pair(l['stride'] as Pair | undefined, kernel[0]);
        const pad = kerasPadding(l['padding'] as Padding | undefined, kernel, stride, hwOf(x));
        // Zero padding before a max pool differs from -inf padding in value, not in cost.
        const xin = pad.zeroPad ? tfl.layers.zeroPadding2d({ padding: pad.zeroPad }).apply(x) as SymbolicTensor : x;
        const opts = { poolSize: kernel, strides: stride, padding: pad.padding };
        y = (n.layer.type === 'MaxPool2d' ? tfl.layers.maxPooling2d(opts) : tfl.layers.averagePooling2d(opts)).apply(xin) as SymbolicTensor;
        break;
      }
      case 'GlobalAvgPool':
        y = tfl.layers.globalAveragePooling2d({}).apply(x) as SymbolicTensor;
        break;
      case 'Flatten':
        // Channels-last flattens in another order than ours; the dense layer after it costs the
        // same. After a global pool the tensor is already [n, c], where Keras's Flatten refuses.
        y = x.shape.length === 2 ? x : tfl.layers.flatten().apply(x) as SymbolicTensor;
        break;
      case 'Add':
        y = tfl.layers.add().apply(ins) as SymbolicTensor;
        break;
      case 'Concat':
        y = tfl.layers.concatenate({ axis: -1 }).apply(ins) as SymbolicTensor;
        break;
      case 'LeakyReLU':
        y = tfl.layers.leakyReLU({ alpha: (l['slope'] as number | undefined) ?? 0.01 }).apply(x) as SymbolicTensor;
        break;
      default: {
        const act = ACTIVATIONS[n.layer.type];
        if (act === undefined) throw new Error(`${where}: no tfjs-layers equivalent here`);
        y = tfl.layers.activation({ activation: act }).apply(x) as SymbolicTensor;
      }
    }
    values.set(n.name, y);
    out = y;
  }
  const notes = [`channels-last; ${folded} BatchNorm folded into conv bias, ${fusedActs} activations fused into conv/dense, ${dropouts} dropout dropped`];
  return { model: tfl.model({ inputs: input, outputs: out }), notes };
}
