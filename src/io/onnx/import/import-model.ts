/**
 * ONNX graph → trainable prunequant Model. Constant subgraphs are folded (constants.ts); every
 * other node becomes a layer whose weights are the file's initializers: Conv → Conv2d, Gemm and
 * MatMul with a constant matrix → Linear (a following Add of a constant vector becomes its bias,
 * tf2onnx's Dense), so prune and quantize see them as weights. Layers run once on a batch of one
 * while they are added, which gives every value's shape for the folds that need it (Shape,
 * Reshape's 0 and −1, Flatten).
 *
 * Conventions (documented choices):
 * - The batch is axis 0 of every value and stays there; a node that would move it is refused.
 * - An NHWC graph from tf2onnx, whose input goes only through Transpose(perm 0,3,1,2), imports
 *   as an NCHW model: the Transpose is dropped and `meta.onnx.inputLayout` records 'nhwc', so
 *   our model takes NCHW like every other (the contract's `layout` is the model's own input).
 * - A rank-2 or rank-3 input [n, a(, b)] is read as [n, a, 1, 1] or [n, a, b, 1] followed by a
 *   Reshape, since a Model's input is [n, c, h, w]; `meta.onnx.inputDims` keeps the original.
 * - A final Softmax/LogSoftmax is not a layer: training applies log-softmax in its loss and
 *   argmax does not change, so the model returns logits and `meta.finalActivation` (the key
 *   every importer uses, final-activation.ts) says what to apply for probabilities; the ONNX and
 *   TF.js exporters write it back when given the meta.
 */
import { UniqueNames } from '../../unique-names.js';
import { readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, basename } from 'node:path';
import {
  Activation, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool, INPUT, Linear, Lrn, Model, Pad, Pool2d, PRelu,
  Arithmetic, Reshape, Softmax, Transpose, type ArithmeticOp, type Layer, type ModelNode, type Param,
} from '../../../nn/index.js';
import { Tensor, createRng, noGrad, scope, type Padding } from '../../../tensor/index.js';
import type { ImportedModel, ModelPreprocessing } from '../../imported-model.js';
import { FINAL_ACTIVATION_META_KEY, type FinalActivation } from '../../final-activation.js';
import { ONNX_PREPROCESSING_KEY } from '../../preprocessing.js';
import { decodeOnnxModel } from '../decode-onnx-model.js';
import { OnnxFormatError } from '../errors.js';
import { ProtoReader } from '../protobuf.js';
import type { ExternalDataLocation } from '../tensor-proto.js';
import type { OnnxAttribute, OnnxModel, OnnxNode } from '../types.js';
import {
  BATCH, broadcastConst, concatConst, constOf, gatherConst, makeConst, reshapeTarget, sliceConst, transposeConst, type Const,
} from './constants.js';
import { OnnxImportError } from './errors.js';

export interface ImportOptions {
  /** Names the file in errors and `meta.source`. */
  fileName: string;
  /** Folder holding external data files; without it external tensors are an error. */
  externalDataDir?: string;
}

/** What `meta.onnx` of an imported model holds; exportOnnxModel reads it back. */
export interface OnnxImportMeta {
  producerName: string;
  producerVersion?: string;
  irVersion: number;
  opset: number;
  docString?: string;
  /**
   * GraphProto's name and doc string, written back on export. Node doc strings and value_info
   * are not: export rebuilds the nodes from layers, so the values they describe are gone.
   */
  graphName: string;
  graphDocString?: string;
  metadata: Record<string, string>;
  /** ModelProto fields we do not interpret, base64 of their raw bytes, written back on export. */
  extraFields: string[];
  inputName: string;
  outputName: string;
  inputDims: (number | string | null)[];
  inputLayout: 'nchw' | 'nhwc';
}

export const MAX_IMPORT_OPSET = 21;

interface Dyn { kind: 'dyn'; ref: string; shape: number[]; value: Tensor; layer: Layer | null }
type CVal = { kind: 'const'; name: string } & Const;
type Val = Dyn | CVal;

const FOLD_ONLY = new Set(['Shape', 'Gather', 'Cast', 'Slice', 'Constant', 'ConstantOfShape']);
const SUPPORTED = new Set([
  'Conv', 'BatchNormalization', 'Relu', 'Clip', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu',
  'Softplus', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'LRN', 'Gemm', 'MatMul', 'Add', 'Sum', 'Mul', 'Sub', 'Div', 'Flatten',
  'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Pad', 'Dropout', 'Identity', 'Softmax', 'LogSoftmax', ...FOLD_ONLY,
]);

/**
 * Reads an ONNX model into a trainable Model.
 * @example const { model, meta } = importOnnxModel(readFileSync('net.onnx'), { fileName: 'net.onnx' });
 * @throws OnnxImportError naming the file and the node or tensor, for a damaged file, unsupported ops (all listed at once) or shapes that do not fit.
 */
export function importOnnxModel(bytes: Uint8Array, opts: ImportOptions): ImportedModel {
  const file = opts.fileName;
  let onnx: OnnxModel;
  try {
    onnx = decodeOnnxModel(bytes, file, { externalData: (where, tensor) => readExternal(file, opts.externalDataDir, where, tensor) });
  } catch (e) {
    if (e instanceof OnnxFormatError) throw new OnnxImportError(file, '', `not a readable ONNX model (${e.message})`);
    throw e;
  }
  return new Importer(file, onnx).run();
}

/**
 * Reads `path` and any external data files next to it.
 * @example const imported = loadOnnxModel('resnet.onnx'); imported.model.forward(x);
 */
export function loadOnnxModel(path: string): ImportedModel {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new OnnxImportError(path, '', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return importOnnxModel(bytes, { fileName: path, externalDataDir: dirname(path) });
}

function readExternal(file: string, dir: string | undefined, where: ExternalDataLocation, tensor: string): Uint8Array {
  const at = `tensor '${tensor}'`;
  if (dir === undefined) throw new OnnxImportError(file, at, `data is in external file '${where.location}', but no folder to read it from was given`);
  const path = normalize(join(dir, where.location));
  const rel = relative(dir, path);
  if (isAbsolute(where.location) || rel.startsWith('..')) throw new OnnxImportError(file, at, `external data location '${where.location}' leaves the model's folder`);
  let fileSize: number;
  try {
    fileSize = statSync(path).size;
  } catch {
    throw new OnnxImportError(file, at, `external data file '${where.location}' not found next to the model (${path})`);
  }
  const length = where.length ?? fileSize - where.offset;
  if (where.offset + length > fileSize || length < 0) {
    throw new OnnxImportError(file, at, `external data file '${where.location}' holds ${fileSize} bytes; the tensor needs bytes ${where.offset}..${where.offset + length}`);
  }
  const out = new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, out, 0, length, where.offset);
  } finally {
    closeSync(fd);
  }
  return out;
}

class Importer {
  private readonly values = new Map<string, Val>();
  private readonly nodes: ModelNode[] = [];
  private readonly usedNames = new UniqueNames([INPUT]);
  private readonly uses = new Map<string, OnnxNode[]>();
  private readonly absorbed = new Map<OnnxNode, Val>();
  private readonly opset: number;
  private finalActivation: FinalActivation | null = null;
  private outputName = '';
  private node: OnnxNode | null = null;

  constructor(private readonly file: string, private readonly onnx: OnnxModel) {
    this.opset = onnx.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
  }

  private where(node = this.node): string {
    return node === null ? '' : `node '${node.name || node.outputs[0] || '?'}' (${node.opType})`;
  }

  private fail(detail: string, where = this.where()): never {
    throw new OnnxImportError(this.file, where, detail);
  }

  run(): ImportedModel {
    const g = this.onnx.graph;
    if (this.opset > MAX_IMPORT_OPSET) this.fail(`opset ${this.opset} is newer than the ${MAX_IMPORT_OPSET} this importer knows`);
    this.checkSupported();
    const order = this.topoOrder();
    if (g.outputs.length !== 1) this.fail(`the graph has ${g.outputs.length} outputs (${g.outputs.map((o) => o.name).join(', ')}); one is supported`);
    this.outputName = g.outputs[0]!.name;
    for (const n of g.nodes) for (const i of n.inputs) if (i !== '') this.uses.set(i, [...(this.uses.get(i) ?? []), n]);

    return scope(() => noGrad(() => {
      for (const t of g.initializers) {
        const c = constOf(t);
        if (typeof c === 'string') this.fail(c, `tensor '${t.name}'`);
        this.values.set(t.name, { kind: 'const', name: t.name, ...c });
      }
      const meta = this.meta();
      const inputShape = this.addInput(meta);
      for (const node of order) {
        this.node = node;
        const absorbed = this.absorbed.get(node);
        if (absorbed !== undefined) { this.values.set(node.outputs[0]!, absorbed); continue; }
        if (node.outputs.every((o) => this.values.has(o))) continue; // an NHWC input transpose already mapped
        const ins = node.inputs.map((name) => (name === '' ? undefined : this.get(name)));
        const outs = this.convert(node, ins);
        outs.forEach((v, k) => { if (node.outputs[k]) this.values.set(node.outputs[k]!, v); });
      }
      this.node = null;
      const out = this.values.get(this.outputName);
      if (out === undefined) this.fail(`graph output '${this.outputName}' is not produced by any node`);
      if (out.kind !== 'dyn') this.fail(`graph output '${this.outputName}' is a constant; it does not depend on the input`);
      if (out.ref === INPUT) this.addLayer(new Reshape(out.shape), [out], 'output');
      const final = out.ref === INPUT ? this.nodes[this.nodes.length - 1]!.name : out.ref;
      const model = new Model(g.name || basename(this.file), inputShape, this.reachable(final));
      return {
        model, format: 'onnx' as const, preprocessing: this.preprocessing(meta),
        meta: { source: this.file, onnx: meta, [FINAL_ACTIVATION_META_KEY]: this.finalActivation },
      };
    }));
  }

  private checkSupported(): void {
    const bad = new Map<string, string[]>();
    for (const n of this.onnx.graph.nodes) {
      const domain = n.domain ?? '';
      const known = (domain === '' || domain === 'ai.onnx') && SUPPORTED.has(n.opType);
      if (!known) {
        const key = domain === '' || domain === 'ai.onnx' ? n.opType : `${domain}.${n.opType}`;
        bad.set(key, [...(bad.get(key) ?? []), n.name || n.outputs[0] || '?']);
      }
    }
    if (bad.size > 0) {
      const list = [...bad].map(([op, names]) => `${op} (${names.slice(0, 5).map((s) => `'${s}'`).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''})`);
      this.fail(`unsupported ops at opset ${this.opset}: ${list.join('; ')}`);
    }
  }

  /** Kahn's order over the nodes: a dangling input or a cycle is named here, before any work. */
  private topoOrder(): OnnxNode[] {
    const g = this.onnx.graph;
    const available = new Set<string>([...g.initializers.map((t) => t.name), ...g.inputs.map((v) => v.name)]);
    const producer = new Map<string, OnnxNode>();
    for (const n of g.nodes) for (const o of n.outputs) if (o !== '') producer.set(o, n);
    for (const n of g.nodes) {
      for (const i of n.inputs) {
        if (i !== '' && !available.has(i) && !producer.has(i)) this.fail(`input '${i}' is not a graph input, an initializer or any node's output (dangling input)`, this.where(n));
      }
    }
    const waiting = new Map<OnnxNode, number>();
    const readers = new Map<string, OnnxNode[]>();
    const ready: OnnxNode[] = [];
    for (const n of g.nodes) {
      const deps = new Set(n.inputs.filter((i) => i !== '' && !available.has(i)));
      waiting.set(n, deps.size);
      for (const d of deps) readers.set(d, [...(readers.get(d) ?? []), n]);
      if (deps.size === 0) ready.push(n);
    }
    const order: OnnxNode[] = [];
    while (ready.length > 0) {
      const n = ready.shift()!;
      order.push(n);
      for (const o of n.outputs) {
        for (const r of readers.get(o) ?? []) {
          const left = waiting.get(r)! - 1;
          waiting.set(r, left);
          if (left === 0) ready.push(r);
        }
        readers.delete(o);
      }
    }
    if (order.length < g.nodes.length) {
      const stuck = g.nodes.filter((n) => !order.includes(n)).slice(0, 6).map((n) => this.where(n));
      this.fail(`the graph has a cycle through ${stuck.join(', ')}`);
    }
    return order;
  }

  private meta(): OnnxImportMeta {
    const m = this.onnx;
    const metadata: Record<string, string> = {};
    let docString: string | undefined;
    for (const raw of m.extraFields ?? []) {
      const r = new ProtoReader(raw, this.file);
      while (r.next()) {
        if (r.field === 6) docString = r.string();
        else if (r.field === 14) {
          const e = r.message();
          let k = '', v = '';
          while (e.next()) { if (e.field === 1) k = e.string(); else if (e.field === 2) v = e.string(); else e.skip(); }
          metadata[k] = v;
        } else r.skip();
      }
    }
    const meta: OnnxImportMeta = {
      producerName: m.producerName, irVersion: m.irVersion, opset: this.opset, metadata, graphName: m.graph.name,
      extraFields: (m.extraFields ?? []).map((b) => Buffer.from(b).toString('base64')),
      inputName: '', outputName: m.graph.outputs[0]?.name ?? '', inputDims: [], inputLayout: 'nchw',
    };
    if (m.producerVersion !== undefined) meta.producerVersion = m.producerVersion;
    if (docString !== undefined) meta.docString = docString;
    if (m.graph.docString !== undefined) meta.graphDocString = m.graph.docString;
    return meta;
  }

  private preprocessing(meta: OnnxImportMeta): ModelPreprocessing | null {
    const text = meta.metadata[ONNX_PREPROCESSING_KEY];
    if (text === undefined) return null;
    try {
      const p = JSON.parse(text) as ModelPreprocessing;
      const nums = (a: unknown) => Array.isArray(a) && a.every((v) => typeof v === 'number');
      if ((p.layout === 'nchw' || p.layout === 'nhwc') && (p.range === '0-1' || p.range === '0-255') && nums(p.mean) && nums(p.std)) return p;
    } catch { /* fall through */ }
    return this.fail(`metadata '${ONNX_PREPROCESSING_KEY}' is not a valid preprocessing record: ${text.slice(0, 80)}`, 'metadata');
  }

  private addInput(meta: OnnxImportMeta): [number, number, number] {
    const g = this.onnx.graph;
    const inputs = g.inputs.filter((v) => !this.values.has(v.name));
    if (inputs.length !== 1) this.fail(`the graph takes ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ')}); a model takes one`);
    const input = inputs[0]!;
    const at = `input '${input.name}'`;
    if (input.elemType !== 'float') this.fail(`element type ${input.elemType}; float32 is supported`, at);
    const dims = input.dims;
    if (dims === undefined || dims.length < 2 || dims.length > 4) this.fail(`shape [${dims?.join(', ') ?? 'unknown'}]; a batch axis and 1 to 3 more are supported`, at);
    const sample = dims.slice(1);
    if (sample.some((d) => typeof d !== 'number' || d < 1)) this.fail(`shape [${dims.map((d) => d ?? '?').join(', ')}] has a non-batch dimension that is not a fixed size`, at);
    meta.inputName = input.name;
    meta.inputDims = dims;
    let shape = sample as number[];
    const readers = this.uses.get(input.name) ?? [];
    const nhwc = shape.length === 3 && readers.length > 0 && readers.every((n) => n.opType === 'Transpose' && attrInts(n, 'perm')?.join() === '0,3,1,2');
    if (nhwc) {
      shape = [shape[2]!, shape[0]!, shape[1]!];
      meta.inputLayout = 'nhwc';
    }
    const inputShape = [...shape, 1, 1].slice(0, 3) as [number, number, number];
    const value = Tensor.zeros([1, ...inputShape]);
    let v: Dyn = { kind: 'dyn', ref: INPUT, shape: inputShape, value, layer: null };
    if (shape.length < 3) v = this.addLayer(new Reshape(shape), [v], `${input.name}_reshape`);
    this.values.set(input.name, v);
    if (nhwc) for (const n of readers) this.values.set(n.outputs[0]!, v);
    return inputShape;
  }

  private get(name: string): Val {
    const v = this.values.get(name);
    if (v === undefined) this.fail(`input '${name}' has no value`);
    return v;
  }

  private claim(want: string): string {
    return this.usedNames.claim(want.replace(/\s+/g, '_') || 'node');
  }

  private addLayer(layer: Layer, inputs: Dyn[], name?: string): Dyn {
    const node = this.node;
    const nodeName = this.claim(name ?? (node ? node.name || node.outputs[0] || node.opType : 'node'));
    layer.name = nodeName;
    let value: Tensor;
    try {
      value = layer.forward(inputs.map((i) => i.value), { training: false, rng: createRng(0) });
    } catch (e) {
      return this.fail(`${(e as Error).message} (input shapes ${inputs.map((i) => `[${i.shape.join(', ')}]`).join(', ')}, batch left out)`);
    }
    this.nodes.push({ name: nodeName, layer, inputs: inputs.map((i) => i.ref) });
    return { kind: 'dyn', ref: nodeName, shape: value.shape.slice(1), value, layer };
  }

  /** The nodes the output depends on, in order; dead branches are dropped. */
  private reachable(output: string): ModelNode[] {
    const byName = new Map(this.nodes.map((n) => [n.name, n]));
    const keep = new Set<string>();
    const stack = [output];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === INPUT || keep.has(n)) continue;
      keep.add(n);
      stack.push(...byName.get(n)!.inputs);
    }
    return this.nodes.filter((n) => keep.has(n.name));
  }

  // ---- attribute and operand helpers ----

  private attr(name: string): OnnxAttribute | undefined {
    return this.node!.attributes[name];
  }
  private int(name: string, dflt: number): number {
    const a = this.attr(name);
    return a?.type === 'int' ? a.value : dflt;
  }
  private float(name: string, dflt: number): number {
    const a = this.attr(name);
    return a?.type === 'float' ? a.value : a?.type === 'int' ? a.value : dflt;
  }
  private ints(name: string): number[] | undefined {
    return attrInts(this.node!, name);
  }
  private str(name: string, dflt: string): string {
    const a = this.attr(name);
    return a?.type === 'string' ? a.value : dflt;
  }

  private dyn(v: Val | undefined, what: string): Dyn {
    if (v === undefined) this.fail(`${what} is missing`);
    if (v.kind !== 'dyn') this.fail(`${what} is a constant ('${v.name}'); only values computed from the input are supported there`);
    return v;
  }
  private constant(v: Val | undefined, what: string): CVal {
    if (v === undefined) this.fail(`${what} is missing`);
    if (v.kind !== 'const') this.fail(`${what} is computed from the input; it must be a constant (an initializer or a folded subgraph)`);
    return v;
  }
  /** Integer list from an attribute (older opsets) or a constant input (newer ones). */
  private intList(attrName: string, input: Val | undefined, what: string): number[] | undefined {
    if (input !== undefined) return Array.from(this.constant(input, what).data);
    return this.ints(attrName);
  }
  private cval(dims: number[], data: ArrayLike<number>, float: boolean): Val {
    return { kind: 'const', name: this.node?.outputs[0] ?? '', dims, data: Float64Array.from(data), float };
  }
  private folded(c: Const | string): Val {
    if (typeof c === 'string') this.fail(c);
    return { kind: 'const', name: this.node?.outputs[0] ?? '', ...c };
  }

  /** Copies a constant into a param, refusing non-finite values. */
  private assign(p: Param | Tensor, c: Const & { name: string }, values: ArrayLike<number> = c.data): void {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) this.fail(`holds a non-finite value (${values[i]}) at index ${i}`, `tensor '${c.name}' (read by ${this.where()})`);
    }
    if ('assign' in p) p.assign(values);
    else p.view().set(values);
  }

  private fullRank(v: Dyn): number {
    return v.shape.length + 1;
  }
  private axis(a: number, rank: number): number {
    const ax = a < 0 ? a + rank : a;
    if (!(ax >= 0 && ax < rank)) this.fail(`axis ${a} is out of range for rank ${rank}`);
    return ax;
  }

  // ---- the ops ----

  private convert(node: OnnxNode, ins: (Val | undefined)[]): Val[] {
    const op = node.opType;
    const x = ins[0];
    const allConst = ins.every((v) => v === undefined || v.kind === 'const');
    switch (op) {
      case 'Constant': return [this.constantNode()];
      case 'ConstantOfShape': {
        const shape = Array.from(this.constant(x, 'shape').data);
        const a = this.attr('value');
        const fill = a?.type === 'tensor' ? constOf(a.value) : makeConst([1], [0], true);
        if (typeof fill === 'string') this.fail(fill);
        return [this.cval(shape, new Float64Array(shape.reduce((p, d) => p * d, 1)).fill(fill.data[0] ?? 0), fill.float)];
      }
      case 'Identity': return [this.get(node.inputs[0]!)];
      case 'Shape': {
        const dims = x?.kind === 'dyn' ? [BATCH, ...x.shape] : this.constant(x, 'input').dims;
        const rank = dims.length;
        const clampAx = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
        const part = dims.slice(clampAx(this.int('start', 0)), clampAx(this.int('end', rank)));
        return [this.cval([part.length], part, false)];
      }
      case 'Gather': return [this.folded(gatherConst(this.constant(x, 'data'), this.constant(ins[1], 'indices'), this.int('axis', 0)))];
      case 'Cast': {
        const c = this.constant(x, 'input');
        const to = this.int('to', 1);
        const float = to === 1 || to === 10 || to === 11 || to === 16;
        return [this.cval(c.dims, float ? c.data : c.data.map((v) => (Number.isNaN(v) ? v : Math.trunc(v))), float)];
      }
      case 'Slice': {
        const c = this.constant(x, 'data');
        const starts = this.intList('starts', ins[1], 'starts')!, ends = this.intList('ends', ins[2], 'ends')!;
        const axes = this.intList('axes', ins[3], 'axes') ?? starts.map((_, i) => i);
        const steps = ins[4] ? Array.from(this.constant(ins[4], 'steps').data) : axes.map(() => 1);
        return [this.folded(sliceConst(c, starts, ends, axes, steps))];
      }
    }
    if (allConst && ins.some((v) => v !== undefined)) return [this.foldConst(op, ins.filter((v): v is CVal => v !== undefined))];
    switch (op) {
      case 'Conv': return [this.conv(ins)];
      case 'BatchNormalization': return [this.batchNorm(ins)];
      case 'Relu': return [this.addLayer(new Activation('ReLU'), [this.dyn(x, 'input')])];
      case 'Sigmoid': return [this.addLayer(new Activation('Sigmoid'), [this.dyn(x, 'input')])];
      case 'Tanh': return [this.addLayer(new Activation('Tanh'), [this.dyn(x, 'input')])];
      case 'HardSwish': return [this.addLayer(new Activation('HardSwish'), [this.dyn(x, 'input')])];
      case 'Softplus': return [this.addLayer(new Activation('Softplus'), [this.dyn(x, 'input')])];
      case 'LeakyRelu': return [this.addLayer(new Activation('LeakyReLU', this.float('alpha', 0.01)), [this.dyn(x, 'input')])];
      case 'Elu': return [this.addLayer(new Activation('ELU', 0.01, { alpha: this.float('alpha', 1) }), [this.dyn(x, 'input')])];
      case 'Selu': return [this.addLayer(new Activation('SELU', 0.01, { alpha: this.float('alpha', 1.67326319217681884765625), gamma: this.float('gamma', 1.05070102214813232421875) }), [this.dyn(x, 'input')])];
      case 'HardSigmoid': return [this.addLayer(new Activation('HardSigmoid', 0.01, { alpha: this.float('alpha', 0.2), beta: this.float('beta', 0.5) }), [this.dyn(x, 'input')])];
      case 'Clip': return [this.clip(ins)];
      case 'PRelu': return [this.prelu(ins)];
      case 'MaxPool': case 'AveragePool': return [this.pool(ins)];
      case 'GlobalAveragePool': {
        const v = this.dyn(x, 'input');
        if (v.shape.length !== 3) this.fail(`input has per-sample shape [${v.shape}]; [c, h, w] is supported`);
        return [this.addLayer(new GlobalAvgPool(), [v])];
      }
      case 'LRN': {
        const size = this.int('size', 0);
        if (size % 2 === 0) this.fail(`LRN size ${size}: only odd sizes are supported`);
        return [this.addLayer(new Lrn({ size, alpha: this.float('alpha', 1e-4), beta: this.float('beta', 0.75), bias: this.float('bias', 1) }), [this.dyn(x, 'input')])];
      }
      case 'Gemm': return [this.gemm(ins)];
      case 'MatMul': return [this.matmul(ins)];
      case 'Add': case 'Sum': case 'Sub': case 'Mul': case 'Div': return [this.arithmetic(op, ins)];
      case 'Flatten': return [this.flatten(this.dyn(x, 'input'))];
      case 'Reshape': return [this.reshape(ins)];
      case 'Squeeze': case 'Unsqueeze': return [this.squeeze(op, ins)];
      case 'Transpose': {
        const v = this.dyn(x, 'input');
        const perm = this.ints('perm') ?? [...Array(this.fullRank(v)).keys()].reverse();
        if (perm[0] !== 0) this.fail(`perm [${perm}] moves the batch axis`);
        if (perm.every((p, i) => p === i)) return [v];
        return [this.addLayer(new Transpose(perm), [v])];
      }
      case 'Concat': {
        const parts = ins.map((v, i) => this.dyn(v, `input ${i}`));
        const ax = this.axis(this.int('axis', 1), this.fullRank(parts[0]!));
        if (ax === 0) this.fail('concatenation along the batch axis is not supported');
        if (parts.length === 1) return [parts[0]!];
        return [this.addLayer(new Concat(ax), parts)];
      }
      case 'Pad': return [this.pad(ins)];
      case 'Dropout': {
        if (node.outputs[1] && (this.uses.get(node.outputs[1])?.length ?? 0) > 0) this.fail('the dropout mask output is used; only the data output is supported');
        const ratio = ins[1] ? this.constant(ins[1], 'ratio').data[0]! : this.float('ratio', 0.5);
        const v = this.dyn(x, 'input');
        return [ratio > 0 ? this.addLayer(new Dropout(ratio), [v]) : v];
      }
      case 'Softmax': case 'LogSoftmax': return [this.softmax(op, this.dyn(x, 'input'))];
    }
    return this.fail(`op ${op} on values computed from the input is not supported`);
  }

  private constantNode(): Val {
    const a = this.node!.attributes;
    const [key, v] = Object.entries(a)[0] ?? [];
    switch (v?.type) {
      case 'tensor': return this.folded(constOf(v.value));
      case 'float': return this.cval([], [v.value], true);
      case 'floats': return this.cval([v.value.length], v.value, true);
      case 'int': return this.cval([], [v.value], false);
      case 'ints': return this.cval([v.value.length], v.value, false);
    }
    return this.fail(`Constant with attribute '${key ?? '(none)'}' is not supported`);
  }

  private foldConst(op: string, ins: CVal[]): Val {
    const [a, b] = ins;
    const arith: Record<string, (x: number, y: number) => number> = {
      Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y,
      Div: (x, y) => (a!.float || b!.float ? x / y : Math.trunc(x / y)),
    };
    switch (op) {
      case 'Add': case 'Sub': case 'Mul': case 'Div': return this.folded(broadcastConst(a!, { ...b!, dims: this.broadcastOperand(a!.dims.length, b!) }, arith[op]!));
      case 'Sum': return this.folded(ins.slice(1).reduce<Const | string>((acc, t) => (typeof acc === 'string' ? acc : broadcastConst(acc, t, (x, y) => x + y)), a!));
      case 'Transpose': return this.folded(transposeConst(a!, this.ints('perm') ?? [...a!.dims.keys()].reverse()));
      case 'Concat': return this.folded(concatConst(ins, this.int('axis', 0)));
      case 'Unsqueeze': case 'Squeeze': {
        const dims = this.squeezeDims(op, a!.dims, ins[1]);
        return this.cval(dims, a!.data, a!.float);
      }
      case 'Reshape': {
        const shape = Array.from(this.constant(b, 'shape').data);
        const t = reshapeTarget(a!.dims, shape, this.int('allowzero', 0) === 1);
        if (typeof t === 'string') this.fail(t);
        return this.cval(t, a!.data, a!.float);
      }
      case 'Flatten': {
        const ax = this.axis(this.int('axis', 1), a!.dims.length + 1);
        const outer = a!.dims.slice(0, ax).reduce((p, d) => p * d, 1);
        return this.cval([outer, a!.data.length / Math.max(outer, 1)], a!.data, a!.float);
      }
      case 'Identity': case 'Dropout': return a!;
    }
    return this.fail(`op ${op} on constant inputs is not supported (only shape arithmetic is folded)`);
  }

  /** Per opset 6's Add/Mul 'broadcast' + 'axis': b's dims align with a's at axis, not at the end. */
  private broadcastOperand(aRank: number, b: Const): number[] {
    if (this.opset >= 7 || this.int('broadcast', 0) !== 1) return b.dims;
    const axis = this.int('axis', aRank - b.dims.length);
    return [...b.dims, ...Array(Math.max(0, aRank - axis - b.dims.length)).fill(1)];
  }

  private conv(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'input');
    const w = this.constant(ins[1], 'weight');
    if (x.shape.length !== 3 || w.dims.length !== 4) this.fail(`only 2-D convolution is supported (input [n, ${x.shape}], weight [${w.dims}])`);
    const [oc, cg, kh, kw] = w.dims as [number, number, number, number];
    const groups = this.int('group', 1);
    const kernel = this.ints('kernel_shape');
    if (kernel && (kernel[0] !== kh || kernel[1] !== kw)) this.fail(`kernel_shape [${kernel}] disagrees with the weight [${w.dims}]`);
    if (cg * groups !== x.shape[0]) this.fail(`weight [${w.dims}] with group ${groups} takes ${cg * groups} channels, the input has ${x.shape[0]}`);
    const stride = (this.ints('strides') ?? [1, 1]) as [number, number];
    const dilation = (this.ints('dilations') ?? [1, 1]) as [number, number];
    const padding = this.padding([kh, kw], stride, dilation, x.shape, false);
    const bias = ins[2] === undefined ? undefined : this.constant(ins[2], 'bias');
    const layer = new Conv2d({ inChannels: x.shape[0]!, outChannels: oc, kernel: [kh, kw], stride, padding, dilation, groups, bias: bias !== undefined });
    this.assign(layer.weight, w);
    if (bias) this.assign(layer.bias!, bias);
    return this.addLayer(layer, [x]);
  }

  /** ONNX pads / auto_pad (and ceil_mode for pools) as our explicit [top, left, bottom, right]. */
  private padding(k: [number, number], s: [number, number], d: [number, number], shape: number[], pool: boolean): Padding {
    const autoPad = this.str('auto_pad', 'NOTSET');
    const hw = [shape[1]!, shape[2]!];
    let pads = this.ints('pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4) this.fail(`pads [${pads}] are not 2-D`);
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      pads = [0, 0, 0, 0];
      for (let i = 0; i < 2; i++) {
        const out = Math.ceil(hw[i]! / s[i]!);
        const total = Math.max(0, (out - 1) * s[i]! + (k[i]! - 1) * d[i]! + 1 - hw[i]!);
        const small = Math.floor(total / 2);
        pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
        pads[i + 2] = total - pads[i]!;
      }
    } else if (autoPad === 'VALID') pads = [0, 0, 0, 0];
    else if (autoPad !== 'NOTSET') this.fail(`auto_pad '${autoPad}' is not known`);
    if (pool && this.int('ceil_mode', 0) === 1) {
      pads = [...pads];
      for (let i = 0; i < 2; i++) {
        const span = (k[i]! - 1) * d[i]! + 1;
        const padded = hw[i]! + pads[i]! + pads[i + 2]!;
        let out = Math.ceil((padded - span) / s[i]!) + 1;
        // The last window must start inside the input or its leading padding (ONNX, PyTorch).
        if ((out - 1) * s[i]! >= hw[i]! + pads[i]!) out--;
        pads[i + 2]! += Math.max(0, (out - 1) * s[i]! + span - padded);
      }
    }
    return pads as [number, number, number, number];
  }

  private pool(ins: (Val | undefined)[]): Dyn {
    const node = this.node!;
    if (node.outputs[1] && (this.uses.get(node.outputs[1])?.length ?? 0) > 0) this.fail('the Indices output is used; only the pooled values are supported');
    const x = this.dyn(ins[0], 'input');
    if (x.shape.length !== 3) this.fail(`only 2-D pooling is supported (input [n, ${x.shape}])`);
    const kernel = this.ints('kernel_shape');
    if (kernel?.length !== 2) this.fail(`kernel_shape [${kernel ?? ''}] is not 2-D`);
    const k = kernel as [number, number];
    const stride = (this.ints('strides') ?? [1, 1]) as [number, number];
    const dilation = (this.ints('dilations') ?? [1, 1]) as [number, number];
    const padding = this.padding(k, stride, dilation, x.shape, true);
    if (node.opType === 'MaxPool') {
      return this.addLayer(new Pool2d('MaxPool2d', { kernel: k, stride, padding, dilation } as ConstructorParameters<typeof Pool2d>[1]), [x]);
    }
    if (dilation.some((v) => v !== 1)) this.fail(`AveragePool dilations [${dilation}] are not supported`);
    const cfg = { kernel: k, stride, padding, countIncludePad: this.int('count_include_pad', 0) === 1 };
    return this.addLayer(new Pool2d('AvgPool2d', cfg as ConstructorParameters<typeof Pool2d>[1]), [x]);
  }

  private batchNorm(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'input');
    const [scale, bias, mean, variance] = ['scale', 'B', 'mean', 'var'].map((w, i) => this.constant(ins[i + 1], w)) as (Const & { name: string })[];
    const c = x.shape[0]!;
    if (x.shape.length !== 3 && x.shape.length !== 1) this.fail(`input [n, ${x.shape}]: [n, c, h, w] or [n, c] is supported`);
    for (const t of [scale!, bias!, mean!, variance!]) if (t.data.length !== c) this.fail(`'${t.name}' has ${t.data.length} values for ${c} channels`);
    const layer = new BatchNorm2d({ channels: c, eps: this.float('epsilon', 1e-5), momentum: 1 - this.float('momentum', 0.9) });
    this.assign(layer.gamma, scale!);
    this.assign(layer.beta, bias!);
    this.assign(layer.runningMean, mean!);
    this.assign(layer.runningVar, variance!);
    return this.addLayer(layer, [x]);
  }

  private clip(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'input');
    let lo: number, hi: number;
    if (this.opset < 11) {
      lo = this.float('min', -Infinity);
      hi = this.float('max', Infinity);
    } else {
      lo = ins[1] ? this.constant(ins[1], 'min').data[0]! : -Infinity;
      hi = ins[2] ? this.constant(ins[2], 'max').data[0]! : Infinity;
    }
    if (lo === 0 && hi === 6) return this.addLayer(new Activation('ReLU6'), [x]);
    if (lo === 0 && hi === Infinity) return this.addLayer(new Activation('ReLU'), [x]);
    const extra: { min?: number; max?: number } = {};
    if (Number.isFinite(lo)) extra.min = lo;
    if (Number.isFinite(hi)) extra.max = hi;
    return this.addLayer(new Activation('Clip', 0.01, extra), [x]);
  }

  private prelu(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'input');
    const slope = this.constant(ins[1], 'slope');
    let dims = slope.dims;
    // Before opset 7 a [C] slope applies per channel (axis 1), not along the last axis.
    if (this.opset < 7 && dims.length === 1 && dims[0] === x.shape[0] && x.shape.length > 1) dims = [dims[0]!, ...x.shape.slice(1).map(() => 1)];
    const layer = new PRelu(dims);
    this.assign(layer.slope, slope);
    return this.addLayer(layer, [x]);
  }

  private linearFrom(x: Dyn, weightOutIn: Float64Array, out: number, bias: ArrayLike<number> | null, w: Const & { name: string }, b?: Const & { name: string }): Dyn {
    if (x.shape.length !== 1) this.fail(`input [n, ${x.shape}] is not [n, features]; only 2-D matrix products are supported`);
    const layer = new Linear({ inFeatures: x.shape[0]!, outFeatures: out, bias: bias !== null });
    this.assign(layer.weight, w, weightOutIn);
    if (bias !== null) this.assign(layer.bias!, b ?? w, bias);
    return this.addLayer(layer, [x]);
  }

  private gemm(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'A');
    if (this.int('transA', 0) !== 0) this.fail('transA = 1 on a batch input is not supported');
    const b = this.constant(ins[1], 'B');
    if (b.dims.length !== 2) this.fail(`B has shape [${b.dims}], not a matrix`);
    const transB = this.int('transB', 0) === 1, alpha = this.float('alpha', 1), beta = this.float('beta', 1);
    const [k, n] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
    if (x.shape[0] !== k) this.fail(`A has ${x.shape[0]} features, B [${b.dims}]${transB ? 'ᵀ' : ''} takes ${k}`);
    const w = transB ? b.data.slice() : transposeConst(b, [1, 0]).data;
    if (alpha !== 1) for (let i = 0; i < w.length; i++) w[i]! *= alpha;
    let bias: Float64Array | null = null;
    const c = ins[2] === undefined ? undefined : this.constant(ins[2], 'C');
    if (c) {
      if (c.data.length !== n && c.data.length !== 1) this.fail(`C has shape [${c.dims}]; [${n}] (or a scalar) is supported`);
      bias = Float64Array.from({ length: n }, (_, j) => beta * c.data[c.data.length === 1 ? 0 : j]!);
    }
    return this.linearFrom(x, w, n, bias, b, c);
  }

  private matmul(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'A');
    const b = this.constant(ins[1], 'B');
    if (b.dims.length !== 2) this.fail(`B has shape [${b.dims}]; a constant matrix is supported`);
    const [k, n] = b.dims as [number, number];
    if (x.shape[0] !== k || x.shape.length !== 1) this.fail(`A [n, ${x.shape}] does not match B [${b.dims}]`);
    // tf2onnx's Dense: MatMul then Add of a constant [n] is one Linear with a bias.
    const out = this.node!.outputs[0]!;
    const readers = this.uses.get(out) ?? [];
    const add = readers.length === 1 && readers[0]!.opType === 'Add' && out !== this.outputName ? readers[0]! : undefined;
    const other = add ? this.values.get(add.inputs[0] === out ? add.inputs[1]! : add.inputs[0]!) : undefined;
    const w = transposeConst(b, [1, 0]).data;
    if (add && other?.kind === 'const' && other.data.length === n && other.dims[other.dims.length - 1] === n) {
      const v = this.linearFrom(x, w, n, other.data, b, other);
      this.absorbed.set(add, v);
      return v;
    }
    return this.linearFrom(x, w, n, null, b);
  }

  private arithmetic(op: string, ins: (Val | undefined)[]): Dyn {
    const vals = ins.filter((v): v is Val => v !== undefined);
    const dyns = vals.filter((v): v is Dyn => v.kind === 'dyn');
    if (op === 'Sum' || op === 'Add') {
      if (dyns.length === vals.length) return dyns.length === 1 ? dyns[0]! : this.addLayer(new Add(), dyns);
    }
    if (vals.length !== 2) this.fail(`${vals.length} inputs with constants among them; two are supported`);
    const arith = (op === 'Sum' ? 'Add' : op) as ArithmeticOp;
    if (dyns.length === 2) return this.addLayer(new Arithmetic(arith), dyns);
    const [a, b] = vals as [Val, Val];
    const constantFirst = a.kind === 'const';
    const x = (constantFirst ? b : a) as Dyn;
    const c = (constantFirst ? a : b) as Const & { name: string };
    const dims = constantFirst ? c.dims : this.broadcastOperand(this.fullRank(x), c);
    const full = [1, ...x.shape];
    if (dims.length > full.length || dims.some((d, i) => d !== 1 && d !== full[full.length - dims.length + i])) {
      this.fail(`constant '${c.name}' [${c.dims}] does not broadcast onto the per-sample shape [${x.shape}] without changing it`);
    }
    const layer = new Arithmetic(arith, dims, constantFirst);
    this.assign(layer.constant!, c);
    return this.addLayer(layer, [x]);
  }

  private flatten(x: Dyn): Dyn {
    const ax = this.axis(this.int('axis', 1), this.fullRank(x) + 1);
    if (ax === 0) this.fail('Flatten with axis 0 folds the batch axis away');
    if (ax === 1) return x.shape.length === 1 ? x : this.addLayer(new Flatten(), [x]);
    const outer = x.shape.slice(0, ax - 1).reduce((p, d) => p * d, 1);
    return this.addLayer(new Reshape([outer, x.shape.slice(ax - 1).reduce((p, d) => p * d, 1)]), [x]);
  }

  private reshapeTo(x: Dyn, sample: number[]): Dyn {
    if (sample.length === x.shape.length && sample.every((d, i) => d === x.shape[i])) return x;
    if (sample.length === 1) return this.addLayer(new Flatten(), [x]);
    return this.addLayer(new Reshape(sample), [x]);
  }

  private reshape(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'data');
    const shape = ins[1] ? Array.from(this.constant(ins[1], 'shape').data) : this.ints('shape');
    if (shape === undefined || shape.length === 0) this.fail('no target shape');
    const allowZero = this.int('allowzero', 0) === 1;
    if (shape.slice(1).some(Number.isNaN)) this.fail(`target shape depends on the batch size off axis 0`);
    const head = shape[0]!;
    // Axis 0 stays the batch when the target keeps it (the batch itself, 0 = copy, −1) or is a
    // fixed 1 that exporters write for a batch-1 trace, as long as the rest holds one sample.
    if (!(Number.isNaN(head) || head === -1 || head === 1 || (head === 0 && !allowZero))) {
      this.fail(`target shape [${shape}] fixes the batch at ${head}; the batch axis must stay dynamic`);
    }
    const rest = shape.slice(1).map((d, i) => (d === 0 && !allowZero ? x.shape[i]! : d));
    if (head === -1 && rest.includes(-1)) this.fail(`target shape [${shape}] leaves both the batch and another axis to infer`);
    const sample = reshapeTarget(x.shape, rest, true);
    if (typeof sample === 'string') this.fail(`${sample} (the target's axis 0 is read as the batch)`);
    return this.reshapeTo(x, sample);
  }

  private squeezeDims(op: string, dims: number[], axesInput: Val | undefined): number[] {
    const axes = this.intList('axes', axesInput, 'axes');
    if (op === 'Squeeze') {
      const rank = dims.length;
      const drop = axes === undefined ? dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : axes.map((a) => this.axis(a, rank));
      for (const a of drop) if (dims[a] !== 1) this.fail(`cannot squeeze axis ${a} of size ${dims[a]}`);
      return dims.filter((_, i) => !drop.includes(i));
    }
    if (axes === undefined) this.fail('Unsqueeze without axes');
    const rank = dims.length + axes.length;
    const at = axes.map((a) => this.axis(a, rank)).sort((p, q) => p - q);
    const out = [...dims];
    for (const a of at) out.splice(a, 0, 1);
    return out;
  }

  private squeeze(op: string, ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'data');
    const full = this.squeezeDims(op, [1, ...x.shape], ins[1]);
    const axes = this.intList('axes', ins[1], 'axes');
    if (axes?.some((a) => a === 0 || (op === 'Unsqueeze' ? false : a === -(x.shape.length + 1)))) this.fail(`axes [${axes}] touch the batch axis`);
    return this.reshapeTo(x, full.slice(1));
  }

  private pad(ins: (Val | undefined)[]): Dyn {
    const x = this.dyn(ins[0], 'data');
    const mode = this.str('mode', 'constant');
    if (mode !== 'constant') this.fail(`pad mode '${mode}' is not supported, only 'constant'`);
    const rank = this.fullRank(x);
    let pads = this.intList('pads', ins[1], 'pads');
    if (pads === undefined) this.fail('no pads');
    const value = ins[2] ? this.constant(ins[2], 'constant_value').data[0] ?? 0 : this.float('value', 0);
    if (ins[3] !== undefined) {
      const axes = Array.from(this.constant(ins[3], 'axes').data).map((a) => this.axis(a, rank));
      const full = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, j) => { full[a] = pads![j]!; full[rank + a] = pads![axes.length + j]!; });
      pads = full;
    }
    if (pads.length !== 2 * rank) this.fail(`pads [${pads}] do not match rank ${rank}`);
    if (pads.some((p) => p < 0)) this.fail(`negative pads [${pads}] (cropping) are not supported`);
    if (pads[0] !== 0 || pads[rank] !== 0) this.fail(`pads [${pads}] pad the batch axis`);
    if (pads.every((p) => p === 0)) return x;
    return this.addLayer(new Pad(pads, value), [x]);
  }

  private softmax(op: 'Softmax' | 'LogSoftmax', x: Dyn): Dyn {
    const rank = this.fullRank(x);
    const axis = this.axis(this.int('axis', this.opset < 13 ? 1 : -1), rank);
    const coerce2d = this.opset < 13;
    const out = this.node!.outputs[0]!;
    if (out === this.outputName && x.ref !== INPUT) {
      this.finalActivation = { kind: op === 'Softmax' ? 'softmax' : 'log-softmax', axis, coerce2d };
      return x;
    }
    return this.addLayer(new Softmax(axis, op === 'LogSoftmax', coerce2d && axis !== rank - 1), [x]);
  }
}

function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes[name];
  return a?.type === 'ints' ? a.value : undefined;
}
