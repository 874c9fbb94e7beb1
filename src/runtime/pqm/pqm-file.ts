/**
 * The `.pqm` file: prunequant's deployable compressed model.
 *
 * Layout: "PQMF" | u8 version | varint section count | sections, each
 *   u8 kind | varint payload bytes | payload | u32 CRC-32 of kind, length and payload.
 * Kinds: 1 meta (UTF-8 JSON: preprocessing and provenance), 2 graph (binary, below), 3 tensor
 * (varint node | u8 slot | a weight as weight-codec.ts writes it). Meta and graph come first,
 * once each; then one tensor section per param the graph declares. The file ends exactly after
 * the last section. A reader checks every section's CRC before parsing it, so a flipped byte is
 * caught where it is; a file crafted with matching CRCs still has every count, index and shape
 * checked (weight-codec.ts, graph.ts `inferShapes`) before any buffer is sized from it.
 *
 * Graph payload: varint c, h, w | input quantization | varint node count | per node: u8 op |
 * string name | varint input count | varint inputs | attributes by op | output quantization,
 * where a quantization is u8 flag [f32 scale | u8 dtype (0 uint8, 1 int8) | svarint zero point].
 */
import { crc32 } from '../../kernels/index.js';
import { FormatError } from '../errors.js';
import {
  ACTIVATION_KINDS, inferShapes, type ActivationQuant, type DeployModel, type GraphNode, type Pads, type Preprocessing, type WeightTensor,
} from '../graph.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { decodeVector, decodeWeight, encodeVector, encodeWeight } from './weight-codec.js';

export const PQM_MAGIC = 'PQMF';
export const PQM_VERSION = 1;
const KIND_META = 1, KIND_GRAPH = 2, KIND_TENSOR = 3;
const SLOT_WEIGHT = 0, SLOT_BIAS = 1, SLOT_BN_SCALE = 2, SLOT_BN_SHIFT = 3;
const SLOT_NAMES = ['weight', 'bias', 'scale', 'shift'];
const OPS: GraphNode['op'][] = ['Conv2d', 'Linear', 'BatchNorm2d', 'Activation', 'MaxPool2d', 'AvgPool2d', 'GlobalAvgPool', 'Flatten', 'Add', 'Concat'];
const MAX_NODES = 4096;
const MAX_DIM = 1 << 16;
/** Largest activation of one sample, in elements (64 MiB as float32). */
const MAX_SAMPLE_ELEMENTS = 1 << 24;

function section(out: ByteWriter, kind: number, payload: Uint8Array): void {
  const head = new ByteWriter().u8(kind).varint(payload.length).finish();
  const whole = new Uint8Array(head.length + payload.length);
  whole.set(head);
  whole.set(payload, head.length);
  out.bytes(whole).u32(crc32(whole));
}

/** The params each node carries, by slot, for the writer and the reader's completeness check. */
function paramSlots(node: GraphNode): number[] {
  switch (node.op) {
    case 'Conv2d':
    case 'Linear':
      return node.bias ? [SLOT_WEIGHT, SLOT_BIAS] : [SLOT_WEIGHT];
    case 'BatchNorm2d':
      return [SLOT_BN_SCALE, SLOT_BN_SHIFT];
    default:
      return [];
  }
}

/**
 * Serializes a model.
 * @example writeFileSync('model.pqm', encodePqm(deployModel));
 */
export function encodePqm(model: DeployModel): Uint8Array {
  inferShapes(model, (i) => `pqm writer, node ${i} (${model.nodes[i]!.name})`);
  const out = new ByteWriter();
  out.bytes(new TextEncoder().encode(PQM_MAGIC)).u8(PQM_VERSION);
  const tensors = model.nodes.flatMap((n, i) => paramSlots(n).map((slot) => [i, slot] as const));
  out.varint(2 + tensors.length);
  section(out, KIND_META, new TextEncoder().encode(JSON.stringify({ preprocessing: model.preprocessing, ...model.meta })));
  section(out, KIND_GRAPH, encodeGraph(model));
  for (const [i, slot] of tensors) {
    const node = model.nodes[i]!;
    const w = new ByteWriter().varint(i).u8(slot);
    if (node.op === 'Conv2d' || node.op === 'Linear') {
      if (slot === SLOT_WEIGHT) encodeWeight(w, node.weight);
      else encodeVector(w, node.bias!);
    } else if (node.op === 'BatchNorm2d') {
      encodeVector(w, slot === SLOT_BN_SCALE ? node.scale : node.shift);
    }
    section(out, KIND_TENSOR, w.finish());
  }
  return out.finish();
}

function encodeGraph(model: DeployModel): Uint8Array {
  const w = new ByteWriter();
  for (const d of model.inputShape) w.varint(d);
  encodeQuant(w, model.inputQuant);
  w.varint(model.nodes.length);
  for (const node of model.nodes) {
    w.u8(OPS.indexOf(node.op) + 1).string(node.name).varint(node.inputs.length);
    for (const i of node.inputs) w.varint(i);
    switch (node.op) {
      case 'Conv2d':
        for (const v of [node.outChannels, ...node.kernel, ...node.stride, ...node.dilation, node.groups, ...node.pads]) w.varint(v);
        w.u8(node.bias ? 1 : 0);
        break;
      case 'Linear':
        w.varint(node.outFeatures).u8(node.bias ? 1 : 0);
        break;
      case 'Activation':
        w.u8(ACTIVATION_KINDS.indexOf(node.kind)).f32(node.alpha);
        break;
      case 'MaxPool2d':
      case 'AvgPool2d':
        for (const v of [...node.kernel, ...node.stride, ...node.pads]) w.varint(v);
        w.u8(node.countIncludePad ? 1 : 0);
        break;
      default:
        break;
    }
    encodeQuant(w, node.outputQuant);
  }
  return w.finish();
}

function encodeQuant(w: ByteWriter, q: ActivationQuant | null): void {
  if (q === null) w.u8(0);
  else w.u8(1).f32(q.scale).u8(q.dtype === 'uint8' ? 0 : 1).svarint(q.zeroPoint);
}

function decodeQuant(r: ByteReader, what: string): ActivationQuant | null {
  const flag = r.u8(`${what} quantization flag`);
  if (flag > 1) r.fail(`${what} quantization flag is ${flag}`);
  if (flag === 0) return null;
  const scale = r.f32(`${what} scale`);
  const dtype = r.u8(`${what} dtype`);
  const zeroPoint = r.svarint(`${what} zero point`, 256);
  const [lo, hi] = dtype === 0 ? [0, 255] : [-128, 127];
  if (!(scale > 0 && Number.isFinite(scale)) || dtype > 1 || zeroPoint < lo || zeroPoint > hi) {
    r.fail(`${what} quantization (scale ${scale}, dtype ${dtype}, zero point ${zeroPoint}) is invalid`);
  }
  return { dtype: dtype === 0 ? 'uint8' : 'int8', scale, zeroPoint };
}

const EMPTY_WEIGHT: WeightTensor = { shape: [], indices: null, values: null, codes: null, quant: null };

type DecodedGraph = Pick<DeployModel, 'inputShape' | 'inputQuant' | 'nodes'>;

function decodeGraph(r: ByteReader): DecodedGraph {
  const inputShape: [number, number, number] = [r.varint('input channels', MAX_DIM), r.varint('input height', MAX_DIM), r.varint('input width', MAX_DIM)];
  if (inputShape.some((d) => d < 1)) r.fail(`input shape [${inputShape.join(', ')}] has a zero dimension`);
  const inputQuant = decodeQuant(r, 'input');
  const count = r.varint('node count', MAX_NODES);
  if (count < 1) r.fail('the graph has no nodes');
  const nodes: GraphNode[] = [];
  const dims = (what: string, n: number, min: number): number[] => Array.from({ length: n }, (_, k) => {
    const v = r.varint(`${what} ${k}`, MAX_DIM);
    if (v < min) r.fail(`${what} ${k} is ${v}, at least ${min} expected`);
    return v;
  });
  for (let i = 0; i < count; i++) {
    const opCode = r.u8(`node ${i} op`);
    const op = OPS[opCode - 1];
    if (op === undefined) r.fail(`node ${i} has op code ${opCode}; this reader knows 1 to ${OPS.length}`);
    const name = r.string(`node ${i} name`, 64) || `${op!.toLowerCase()}${i}`;
    const what = `node ${i} (${name})`;
    const inputs = Array.from({ length: r.varint(`${what} input count`, 64) }, () => r.varint(`${what} input`, i));
    const base = { name, inputs, outputQuant: null as ActivationQuant | null };
    let node: GraphNode;
    switch (op!) {
      case 'Conv2d': {
        const [outChannels, kh, kw, sh, sw, dh, dw, groups] = dims(`${what} conv attribute`, 8, 1) as number[];
        const pads = dims(`${what} pad`, 4, 0) as Pads;
        const hasBias = r.u8(`${what} bias flag`);
        node = { ...base, op: 'Conv2d', outChannels: outChannels!, kernel: [kh!, kw!], stride: [sh!, sw!], dilation: [dh!, dw!], groups: groups!, pads, weight: EMPTY_WEIGHT, bias: hasBias ? new Float32Array(0) : null };
        break;
      }
      case 'Linear': {
        const outFeatures = dims(`${what} out features`, 1, 1)[0]!;
        node = { ...base, op: 'Linear', outFeatures, weight: EMPTY_WEIGHT, bias: r.u8(`${what} bias flag`) ? new Float32Array(0) : null };
        break;
      }
      case 'Activation': {
        const k = r.u8(`${what} activation kind`);
        const kind = ACTIVATION_KINDS[k];
        if (kind === undefined) r.fail(`${what} activation kind ${k} is unknown`);
        const alpha = r.f32(`${what} alpha`);
        if (!Number.isFinite(alpha)) r.fail(`${what} alpha is ${alpha}`);
        node = { ...base, op: 'Activation', kind: kind!, alpha };
        break;
      }
      case 'MaxPool2d':
      case 'AvgPool2d': {
        const [kh, kw, sh, sw] = dims(`${what} pool attribute`, 4, 1) as number[];
        const pads = dims(`${what} pad`, 4, 0) as Pads;
        node = { ...base, op: op!, kernel: [kh!, kw!], stride: [sh!, sw!], pads, countIncludePad: r.u8(`${what} count flag`) === 1 };
        break;
      }
      case 'BatchNorm2d':
        node = { ...base, op: 'BatchNorm2d', scale: new Float32Array(0), shift: new Float32Array(0) };
        break;
      default:
        node = { ...base, op: op as 'GlobalAvgPool' | 'Flatten' | 'Add' | 'Concat' };
    }
    node.outputQuant = decodeQuant(r, `${what} output`);
    nodes.push(node);
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes follow the last node`);
  return { inputShape, inputQuant, nodes };
}

function parsePreprocessing(meta: Record<string, unknown>, where: string, channels: number): Preprocessing {
  const p = meta['preprocessing'] as Partial<Preprocessing> | undefined;
  const fail = (what: string): never => {
    throw new FormatError(`${where}, meta section: ${what}`);
  };
  if (typeof p !== 'object' || p === null) return fail('has no preprocessing');
  const list = (v: unknown, name: string): number[] => {
    if (!Array.isArray(v) || v.length !== channels || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      return fail(`preprocessing.${name} must be ${channels} finite number(s), got ${JSON.stringify(v)}`);
    }
    return v as number[];
  };
  const mean = list(p.mean, 'mean'), std = list(p.std, 'std');
  if (std.some((s) => !(s > 0))) fail(`preprocessing.std must be positive, got ${JSON.stringify(std)}`);
  const layout = p.layout;
  if (layout !== 'nchw' && layout !== 'nhwc') return fail(`preprocessing.layout is ${JSON.stringify(layout)}; "nchw" or "nhwc" expected`);
  const range = p.range;
  if (range !== '0-1' && range !== '0-255') return fail(`preprocessing.range is ${JSON.stringify(range)}; "0-1" or "0-255" expected`);
  return { layout, range, mean, std };
}

/**
 * Parses and validates a `.pqm` file; `name` (a path) prefixes every error.
 * @example const model = decodePqm(readFileSync('lenet.pqm'), 'lenet.pqm');
 */
export function decodePqm(bytes: Uint8Array, name = '.pqm'): DeployModel {
  const r = new ByteReader(bytes, name);
  const magic = new TextDecoder().decode(r.bytesOf(Math.min(4, bytes.length), 'magic'));
  if (magic !== PQM_MAGIC) r.fail(`not a .pqm file (magic ${JSON.stringify(magic)}, expected ${JSON.stringify(PQM_MAGIC)})`, 0);
  const version = r.u8('version');
  if (version !== PQM_VERSION) r.fail(`.pqm version ${version}, this reader knows ${PQM_VERSION}`, 4);
  const sectionCount = r.varint('section count', 2 + 4 * MAX_NODES);
  let meta: Record<string, unknown> | null = null;
  let graph: DecodedGraph | null = null;
  const seen = new Set<string>();
  for (let s = 0; s < sectionCount; s++) {
    const start = r.pos;
    const kind = r.u8(`section ${s} kind`);
    const length = r.varint(`section ${s} length`, r.remaining);
    const payloadAt = r.pos;
    const payload = r.bytesOf(length, `section ${s} payload`);
    const stored = r.u32(`section ${s} checksum`);
    const kindName = ['?', 'meta', 'graph', 'tensor'][kind] ?? `kind ${kind}`;
    const where = `${name}, section ${s} (${kindName})`;
    if (crc32(bytes.subarray(start, payloadAt + length)) !== stored) r.fail(`section ${s} (${kindName}): checksum mismatch, the section is corrupt`, start);
    const pr = new ByteReader(payload, where, payloadAt);
    if (kind === KIND_META) {
      if (meta !== null || s !== 0) pr.fail('the meta section must come first, once');
      try {
        meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as Record<string, unknown>;
      } catch (e) {
        return pr.fail(`meta is not valid JSON (${(e as Error).message})`);
      }
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) pr.fail('meta must be a JSON object');
    } else if (kind === KIND_GRAPH) {
      if (graph !== null || s !== 1) pr.fail('the graph section must come second, once');
      graph = decodeGraph(pr);
    } else if (kind === KIND_TENSOR) {
      if (graph === null) pr.fail('a tensor section comes before the graph');
      const index = pr.varint('node index', graph!.nodes.length - 1);
      const slot = pr.u8('slot');
      const node = graph!.nodes[index]!;
      const what = `node ${index} (${node.name}) ${SLOT_NAMES[slot] ?? `slot ${slot}`}`;
      if (!paramSlots(node).includes(slot)) pr.fail(`${what}: a ${node.op} node has no such param`);
      if (seen.has(`${index}:${slot}`)) pr.fail(`${what} appears twice`);
      seen.add(`${index}:${slot}`);
      if (node.op === 'Conv2d' || node.op === 'Linear') {
        if (slot === SLOT_WEIGHT) node.weight = decodeWeight(pr, what);
        else node.bias = decodeVector(pr, what);
      } else if (node.op === 'BatchNorm2d') {
        if (slot === SLOT_BN_SCALE) node.scale = decodeVector(pr, what);
        else node.shift = decodeVector(pr, what);
      }
      if (pr.remaining !== 0) pr.fail(`${pr.remaining} bytes follow ${what}`);
    } else {
      r.fail(`section ${s} has kind ${kind}; this reader knows 1 (meta), 2 (graph), 3 (tensor)`, start);
    }
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes follow the last of ${sectionCount} sections`);
  if (meta === null || graph === null) return r.fail('the file has no meta or no graph section');
  graph.nodes.forEach((node, i) => {
    for (const slot of paramSlots(node)) {
      if (!seen.has(`${i}:${slot}`)) r.fail(`node ${i} (${node.name}) has no ${SLOT_NAMES[slot]} section`);
    }
  });
  const shapes = inferShapes(graph, (i) => `${name}, node ${i} (${graph!.nodes[i]!.name})`);
  shapes.forEach((s, i) => {
    if (s[0] * s[1] * s[2] > MAX_SAMPLE_ELEMENTS) r.fail(`${i === 0 ? 'the input' : `node ${i - 1}`} has shape [${s.join(', ')}], over ${MAX_SAMPLE_ELEMENTS} elements per sample`);
  });
  const { preprocessing, ...rest } = meta;
  return { ...graph, preprocessing: parsePreprocessing({ preprocessing }, name, graph.inputShape[0]), meta: rest };
}
