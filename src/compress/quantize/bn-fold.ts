/**
 * BatchNorm folding: a conv followed by an inference-mode BatchNorm is one conv with
 *   w' = w · γ/σ (per output channel), b' = β + (b − μ) · γ/σ, σ = sqrt(runningVar + eps).
 * Quantizing the folded weights is what an integer runtime executes, so folding comes first.
 * Only a BN whose input is a Conv2d read by nothing else is folded (another reader would
 * see the conv's output change). The result is a new Model without those BN nodes: the
 * folded conv keeps its name and takes the BN's place in the order, and readers of the BN
 * read the conv. The source model is left untouched.
 */
import { BatchNorm2d, Conv2d, Mask, Model, type ModelConfig, type ModelNode } from '../../nn/index.js';

export interface ConvBnPair {
  conv: ModelNode & { layer: Conv2d };
  bn: ModelNode & { layer: BatchNorm2d };
}

export interface FoldResult {
  model: Model;
  /** The folded pairs by node name. */
  folded: { conv: string; bn: string }[];
  /** BN node name → the conv node that now produces its value. */
  renamed: Map<string, string>;
}

/** Conv → BN pairs that can be folded, in model order. */
export function findConvBnPairs(model: Model): ConvBnPair[] {
  const readers = new Map<string, number>();
  for (const n of model.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const pairs: ConvBnPair[] = [];
  for (const bn of model.nodes) {
    if (!(bn.layer instanceof BatchNorm2d) || bn.inputs.length !== 1) continue;
    const conv = model.node(bn.inputs[0]!);
    if (conv === undefined || !(conv.layer instanceof Conv2d) || readers.get(conv.name) !== 1) continue;
    pairs.push({ conv: conv as ConvBnPair['conv'], bn: bn as ConvBnPair['bn'] });
  }
  return pairs;
}

/** Per-output-channel γ/σ of a BN from its running statistics (float64). */
export function bnFactors(bn: BatchNorm2d): Float64Array {
  const g = bn.gamma.value.view(), v = bn.runningVar.view();
  const eps = bn.cfg.eps ?? 1e-5;
  return Float64Array.from(g, (gamma, c) => gamma / Math.sqrt(v[c]! + eps));
}

/**
 * @example const { model: folded } = foldBatchNorm(model); // same outputs in evaluation mode, no BN nodes
 */
export function foldBatchNorm(model: Model): FoldResult {
  const pairs = findConvBnPairs(model);
  const convOf = new Map(pairs.map((p) => [p.bn.name, p]));
  const folding = new Set(pairs.map((p) => p.conv.name));
  const renamed = new Map(pairs.map((p) => [p.bn.name, p.conv.name]));
  const config = model.config();
  const nodes: ModelConfig['nodes'] = [];
  for (const n of config.nodes) {
    if (folding.has(n.name)) continue;
    const pair = convOf.get(n.name);
    if (pair) {
      nodes.push({ name: pair.conv.name, layer: { ...pair.conv.layer.config(), bias: true }, inputs: pair.conv.inputs.map((i) => renamed.get(i) ?? i) });
      continue;
    }
    nodes.push({ ...n, inputs: n.inputs.map((i) => renamed.get(i) ?? i) });
  }
  const out = Model.fromConfig({ ...config, nodes });
  const oldParams = new Map(model.namedParams());
  for (const [name, p] of out.namedParams()) {
    const old = oldParams.get(name);
    if (old === undefined) continue; // a folded conv's new bias, filled below
    p.assign(old.value.view());
    if (old.mask) p.setMask(new Mask(old.size, old.mask.view()));
  }
  const oldBuffers = new Map(model.namedBuffers());
  for (const [name, b] of out.namedBuffers()) b.view().set(oldBuffers.get(name)!.view());
  for (const n of out.nodes) {
    const before = model.node(n.name)?.layer;
    if (n.layer instanceof BatchNorm2d && before instanceof BatchNorm2d) n.layer.frozen = before.frozen;
  }
  for (const { conv, bn } of pairs) foldInto(out.node(conv.name)!.layer as Conv2d, conv.layer, bn.layer);
  return { model: out, folded: pairs.map((p) => ({ conv: p.conv.name, bn: p.bn.name })), renamed };
}

function foldInto(target: Conv2d, conv: Conv2d, bn: BatchNorm2d): void {
  const f = bnFactors(bn);
  const mean = bn.runningMean.view(), beta = bn.beta.value.view();
  const w = conv.weight.value.toArray();
  const oc = f.length, inner = w.length / oc;
  for (let c = 0; c < oc; c++) for (let i = c * inner; i < (c + 1) * inner; i++) w[i] = w[i]! * f[c]!;
  target.weight.assign(w);
  const b = conv.bias?.value.view();
  target.bias!.assign(Float64Array.from(f, (fc, c) => beta[c]! + ((b?.[c] ?? 0) - mean[c]!) * fc));
}
