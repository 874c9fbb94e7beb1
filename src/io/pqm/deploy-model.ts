/**
 * A trained prunequant Model (with its pruning masks and, when quantized, its integer codes)
 * as the runtime's DeployModel, and from there a `.pqm` file. Dropout disappears (it is the
 * identity in inference); padding is resolved to explicit per-side pads for the input size the
 * model was built for; batch norm is stored as its inference affine (scale, shift).
 */
import { readQuantizationMeta, type QuantizedModel, type QuantizedTensor } from '../../compress/index.js';
import {
  Activation, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool, INPUT, Linear, Pool2d, writeFileAtomic, type Model, type Param,
} from '../../nn/index.js';
import { ACTIVATION_KINDS as RUNTIME_ACTIVATIONS, encodePqm, type ActivationKind as RuntimeActivation, type ActivationQuant, type Chw, type DeployModel, type GraphNode, type Pads, type WeightTensor } from '../../runtime/index.js';
import { pair, windowGeometry } from '../../tensor/index.js';
import { checkPreprocessing, PREPROCESSING_META_KEY } from '../preprocessing.js';

export interface DeployOptions {
  /** The checkpoint's meta: its normalization and, when quantized, the integer weights. */
  meta?: Record<string, unknown>;
  /** Input standardization (NCHW, pixels in [0, 1]); defaults to meta.preprocessing, else meta.normalization, else mean 0 and std 1. */
  normalization?: { mean: number | readonly number[]; std: number | readonly number[] };
  /** Names the source in errors. */
  source?: string;
  /**
   * A quantized model straight from PTQ or QAT (its integer weights and activation grids), instead
   * of passing them inside `meta` as a checkpoint stores them.
   */
  quantized?: Pick<QuantizedModel, 'weights' | 'activations' | 'foldedBn'>;
}

/**
 * Why a Model could not be written as `.pqm`: the message names the model or node and the reason.
 * @example try { savePqm('m.pqm', model); } catch (e) { if (e instanceof PqmExportError) console.error(e.message); }
 */
export class PqmExportError extends Error {
  override name = 'PqmExportError';
}

function weightOf(p: Param, q: QuantizedTensor | undefined): WeightTensor {
  const shape = [...p.shape];
  if (q !== undefined) {
    return {
      shape, indices: null, values: null, codes: Int32Array.from(q.values),
      quant: { bits: q.bits, qmin: q.qmin, qmax: q.qmax, scales: Float32Array.from(q.scales), zeroPoints: Int32Array.from(q.zeroPoints) },
    };
  }
  const values = p.value.toArray();
  if (p.mask) {
    const keep = p.mask.view();
    for (let i = 0; i < values.length; i++) if (keep[i] === 0) values[i] = 0;
  }
  return { shape, indices: null, values, codes: null, quant: null };
}

function perChannel(v: number | readonly number[], channels: number, what: string): number[] {
  const list = typeof v === 'number' ? new Array<number>(channels).fill(v) : [...v];
  if (list.length !== channels) throw new PqmExportError(`${what} has ${list.length} values for ${channels} input channels`);
  return list;
}

/**
 * @example const deploy = toDeployModel(model, { meta }); writeFileSync('m.pqm', encodePqm(deploy));
 */
export function toDeployModel(model: Model, opts: DeployOptions = {}): DeployModel {
  const where = opts.source ?? `model ${model.name}`;
  const quant = opts.quantized ?? (opts.meta ? readQuantizationMeta(opts.meta, where) : null);
  const hooked = model.nodes.find((n) => n.outputHook !== undefined && quant?.activations == null);
  if (hooked) throw new PqmExportError(`${where}: node '${hooked.name}' has an output hook but the checkpoint meta holds no activation quantization to store`);
  const actQuant = (name: string): ActivationQuant | null => {
    const a = quant?.activations?.get(name);
    return a ? { dtype: a.dtype, scale: a.scale, zeroPoint: a.zeroPoint } : null;
  };
  const index = new Map<string, number>([[INPUT, 0]]);
  const shapes = new Map<string, Chw>([[INPUT, model.inputShape]]);
  const nodes: GraphNode[] = [];
  for (const n of model.nodes) {
    const layer = n.layer;
    const at = `${where}, node '${n.name}'`;
    if (layer instanceof Dropout) {
      index.set(n.name, index.get(n.inputs[0]!)!);
      shapes.set(n.name, shapes.get(n.inputs[0]!)!);
      continue;
    }
    const inputs = n.inputs.map((i) => index.get(i)!);
    const inShape = shapes.get(n.inputs[0]!)!;
    const base = { name: n.name, inputs, outputQuant: actQuant(n.name) };
    let node: GraphNode;
    let out: Chw;
    if (layer instanceof Conv2d) {
      const c = layer.cfg;
      const [kh, kw] = pair(c.kernel), stride = pair(c.stride ?? 1), dilation = pair(c.dilation ?? 1);
      const g = windowGeometry(`conv2d (${n.name})`, inShape[1], inShape[2], kh, kw, stride, dilation, c.padding ?? 0);
      const pads: Pads = [g.ph, g.pw, g.phEnd, g.pwEnd];
      node = {
        ...base, op: 'Conv2d', outChannels: c.outChannels, kernel: [kh, kw], stride, dilation, pads, groups: c.groups ?? 1,
        weight: weightOf(layer.weight, quant?.weights.get(`${n.name}.weight`)), bias: layer.bias?.value.toArray() ?? null,
      };
      out = [c.outChannels, g.oh, g.ow];
    } else if (layer instanceof Linear) {
      node = { ...base, op: 'Linear', outFeatures: layer.cfg.outFeatures, weight: weightOf(layer.weight, quant?.weights.get(`${n.name}.weight`)), bias: layer.bias?.value.toArray() ?? null };
      out = [layer.cfg.outFeatures, 1, 1];
    } else if (layer instanceof BatchNorm2d) {
      const g = layer.gamma.value.view(), b = layer.beta.value.view(), m = layer.runningMean.view(), v = layer.runningVar.view();
      const eps = layer.cfg.eps ?? 1e-5;
      const scale = Float32Array.from(g, (gamma, ch) => gamma / Math.sqrt(v[ch]! + eps));
      const shift = Float32Array.from(b, (beta, ch) => beta - m[ch]! * scale[ch]!);
      node = { ...base, op: 'BatchNorm2d', scale, shift };
      out = inShape;
    } else if (layer instanceof Activation) {
      const kind = layer.kind;
      if (!isRuntimeActivation(kind)) throw new PqmExportError(`${at}: activation ${kind} cannot be stored in a .pqm model (the runtime runs ${RUNTIME_ACTIVATIONS.join(', ')})`);
      node = { ...base, op: 'Activation', kind, alpha: kind === 'LeakyReLU' ? layer.slope : 0 };
      out = inShape;
    } else if (layer instanceof Pool2d) {
      const [kh, kw] = pair(layer.cfg.kernel), stride = pair(layer.cfg.stride ?? layer.cfg.kernel);
      const g = windowGeometry(`${layer.kind} (${n.name})`, inShape[1], inShape[2], kh, kw, stride, [1, 1], layer.cfg.padding ?? 0);
      node = { ...base, op: layer.kind, kernel: [kh, kw], stride, pads: [g.ph, g.pw, g.phEnd, g.pwEnd], countIncludePad: false };
      out = [inShape[0], g.oh, g.ow];
    } else if (layer instanceof GlobalAvgPool) {
      node = { ...base, op: 'GlobalAvgPool' };
      out = [inShape[0], 1, 1];
    } else if (layer instanceof Flatten) {
      node = { ...base, op: 'Flatten' };
      out = [inShape[0] * inShape[1] * inShape[2], 1, 1];
    } else if (layer instanceof Add) {
      node = { ...base, op: 'Add' };
      out = inShape;
    } else if (layer instanceof Concat) {
      if (layer.axis !== 1) throw new PqmExportError(`${at}: Concat along axis ${layer.axis}; .pqm models concatenate channels (axis 1)`);
      node = { ...base, op: 'Concat' };
      out = [n.inputs.reduce((s, i) => s + shapes.get(i)![0], 0), inShape[1], inShape[2]];
    } else {
      throw new PqmExportError(`${at}: layer type ${layer.config().type} cannot be stored in a .pqm model`);
    }
    index.set(n.name, nodes.length + 1);
    shapes.set(n.name, out);
    nodes.push(node);
  }
  const norm = opts.normalization ?? (opts.meta?.['normalization'] as DeployOptions['normalization']) ?? { mean: 0, std: 1 };
  const recorded = opts.normalization === undefined ? opts.meta?.[PREPROCESSING_META_KEY] : undefined;
  const stored = recorded === undefined ? null : checkPreprocessing(recorded, model.inputShape[0], where);
  const channels = model.inputShape[0];
  return {
    inputShape: [...model.inputShape],
    // A recorded preprocessing (layout and pixel range too) wins over the older normalization.
    preprocessing: stored ?? { layout: 'nchw', range: '0-1', mean: perChannel(norm.mean, channels, 'normalization mean'), std: perChannel(norm.std, channels, 'normalization std') },
    inputQuant: actQuant(INPUT),
    nodes,
    meta: { producer: 'prunequant', model: model.name, ...datasetOf(opts.meta) },
  };
}

/** The dataset a checkpoint was trained on, so `eval model.pqm` can default to it. */
function datasetOf(meta: Record<string, unknown> | undefined): { dataset?: string } {
  const d = (meta?.['recipe'] as { dataset?: unknown } | undefined)?.dataset;
  return typeof d === 'string' ? { dataset: d } : {};
}

/** The `.pqm` bytes of a model: what `export --format pqm` writes. */
export function pqmBytes(model: Model, opts: DeployOptions = {}): Uint8Array {
  return encodePqm(toDeployModel(model, opts));
}

/**
 * Writes the `.pqm` file atomically; returns its size in bytes.
 * @example const q = postTrainingQuantize(model, { weights: { bits: 4 } }); const { sizeBytes } = savePqm('runs/lenet.pqm', q.model, { quantized: q });
 */
export function savePqm(path: string, model: Model, opts: DeployOptions = {}): { sizeBytes: number } {
  const bytes = pqmBytes(model, opts);
  writeFileAtomic(path, bytes);
  return { sizeBytes: bytes.length };
}

function isRuntimeActivation(kind: string): kind is RuntimeActivation {
  return (RUNTIME_ACTIVATIONS as readonly string[]).includes(kind);
}
