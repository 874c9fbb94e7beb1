/**
 * A small helper for writing architectures: it names nodes, seeds each layer's init
 * from the model seed and its position, and tracks the running [c, h, w] shape so
 * definitions need not compute flatten sizes by hand.
 */
import { windowGeometry, type Padding } from '../../tensor/index.js';
import type { Layer } from '../layer.js';
import type { InitScheme } from '../init.js';
import { Activation, type ActivationKind } from '../layers/activation.js';
import { BatchNorm2d } from '../layers/batchnorm2d.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { GlobalAvgPool, Pool2d } from '../layers/pooling.js';
import { Add, Concat, Dropout, Flatten } from '../layers/shape.js';
import { INPUT, Model, type ModelNode } from '../model.js';

type Chw = [number, number, number];

export interface ZooOptions {
  inputShape?: Chw;
  classes?: number;
  seed?: number;
}

/** A handle to a node's output and its shape ([features, 1, 1] once flattened). */
export interface Ref {
  name: string;
  shape: Chw;
}

export class GraphBuilder {
  private readonly nodes: ModelNode[] = [];
  private counter = 0;
  readonly input: Ref;

  constructor(private readonly seed: number, inputShape: Chw, private readonly init: InitScheme = 'torch') {
    this.input = { name: INPUT, shape: inputShape };
  }

  private add(prefix: string, layer: Layer, inputs: Ref[], shape: Chw): Ref {
    const name = `${prefix}${this.counter++}`;
    this.nodes.push({ name, layer, inputs: inputs.map((r) => r.name) });
    return { name, shape };
  }

  conv(x: Ref, outChannels: number, kernel: number, opts: { stride?: number; padding?: Padding; groups?: number; bias?: boolean } = {}): Ref {
    const [c, h, w] = x.shape;
    const stride = opts.stride ?? 1, padding = opts.padding ?? 0;
    // Named as the node will be, so a too-small input names the layer that no longer fits.
    const g = windowGeometry(`conv2d (conv${this.counter})`, h, w, kernel, kernel, [stride, stride], [1, 1], padding);
    const layer = new Conv2d({ inChannels: c, outChannels, kernel, stride, padding, groups: opts.groups ?? 1, bias: opts.bias ?? true, seed: this.seed * 7919 + this.counter, init: this.init });
    return this.add('conv', layer, [x], [outChannels, g.oh, g.ow]);
  }

  bn(x: Ref): Ref {
    return this.add('bn', new BatchNorm2d({ channels: x.shape[0] }), [x], x.shape);
  }

  act(x: Ref, kind: ActivationKind = 'ReLU'): Ref {
    return this.add(kind.toLowerCase(), new Activation(kind), [x], x.shape);
  }

  pool(x: Ref, kind: 'MaxPool2d' | 'AvgPool2d', kernel: number, stride = kernel): Ref {
    const [c, h, w] = x.shape;
    const g = windowGeometry(`${kind} (${kind === 'MaxPool2d' ? 'maxpool' : 'avgpool'}${this.counter})`, h, w, kernel, kernel, [stride, stride], [1, 1], 0);
    return this.add(kind === 'MaxPool2d' ? 'maxpool' : 'avgpool', new Pool2d(kind, { kernel, stride }), [x], [c, g.oh, g.ow]);
  }

  globalAvgPool(x: Ref): Ref {
    return this.add('gap', new GlobalAvgPool(), [x], [x.shape[0], 1, 1]);
  }

  flatten(x: Ref): Ref {
    return this.add('flatten', new Flatten(), [x], [x.shape[0] * x.shape[1] * x.shape[2], 1, 1]);
  }

  dropout(x: Ref, p: number): Ref {
    return this.add('dropout', new Dropout(p), [x], x.shape);
  }

  linear(x: Ref, outFeatures: number): Ref {
    const inFeatures = x.shape[0] * x.shape[1] * x.shape[2];
    return this.add('fc', new Linear({ inFeatures, outFeatures, seed: this.seed * 7919 + this.counter, init: this.init }), [x], [outFeatures, 1, 1]);
  }

  addAll(xs: Ref[]): Ref {
    return this.add('add', new Add(), xs, xs[0]!.shape);
  }

  concat(xs: Ref[]): Ref {
    const channels = xs.reduce((s, r) => s + r.shape[0], 0);
    return this.add('concat', new Concat(1), xs, [channels, xs[0]!.shape[1], xs[0]!.shape[2]]);
  }

  build(name: string): Model {
    return new Model(name, this.input.shape, this.nodes);
  }
}
