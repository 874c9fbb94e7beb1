/**
 * One weight tensor in a `.pqm` file: where its non-zeros are, and what they hold.
 *
 * Positions, whichever is smallest for the tensor:
 * - dense: every element stored, zeros included;
 * - bitmask: one bit per element, then the values of the set bits;
 * - delta(d): each stored element as the gap since the previous one in d bits. A gap of
 *   2^d − 1 or more is written as escape fields (the value 2^d − 1: "skip 2^d − 1 positions,
 *   nothing stored") followed by the remainder, so a long run of zeros costs d bits per
 *   2^d − 1 positions and no padding values (Deep Compression stores a zero there instead).
 * Values: float32, float16 (only when every value is exact in it), or k-bit codes (code − qmin,
 * least significant bit first) with per-channel scales (float16 when exact, else float32) and,
 * for asymmetric codes, zero points.
 *
 * Payload: u8 rank | varint dims | u8 valueKind | [codes: u8 bits | svarint qmin | u8 flags |
 * scales | zero points] | u8 positionKind | [delta: u8 d] | varint stored | varint escapes |
 * varint positionBytes | position bits | value bits.
 */
import type { WeightTensor } from '../graph.js';
import { exactInF16, f16BitsToF32 } from '../../kernels/index.js';
import { BitReader, BitWriter, ByteReader, ByteWriter } from './bytes.js';

const VALUE_F32 = 0, VALUE_F16 = 1, VALUE_CODES = 2;
const POS_DENSE = 0, POS_BITMASK = 1, POS_DELTA = 2;
const FLAG_PER_CHANNEL = 1, FLAG_ZERO_POINTS = 2, FLAG_SCALES_F16 = 4;

/** Largest weight a reader accepts, in elements: 2^25 floats is 128 MiB once dense. */
export const MAX_WEIGHT_ELEMENTS = 2 ** 25;

interface Positions {
  kind: number;
  deltaBits: number;
  stored: number;
  escapes: number;
  bits: number;
}

function escapesFor(gaps: Uint32Array, d: number): number {
  const e = 2 ** d - 1;
  let n = 0;
  for (let i = 0; i < gaps.length; i++) n += Math.floor(gaps[i]! / e);
  return n;
}

/** The cheapest position encoding for these stored indices, counting value bits too. */
function choosePositions(size: number, indices: Uint32Array, valueBits: number): Positions {
  const nnz = indices.length;
  let best: Positions = { kind: POS_DENSE, deltaBits: 0, stored: size, escapes: 0, bits: size * valueBits };
  const consider = (p: Positions) => {
    if (p.bits < best.bits) best = p;
  };
  consider({ kind: POS_BITMASK, deltaBits: 0, stored: nnz, escapes: 0, bits: size + nnz * valueBits });
  const gaps = new Uint32Array(nnz);
  for (let i = 0, prev = -1; i < nnz; i++) {
    gaps[i] = indices[i]! - prev - 1;
    prev = indices[i]!;
  }
  for (let d = 1; d <= 16; d++) {
    const escapes = escapesFor(gaps, d);
    consider({ kind: POS_DELTA, deltaBits: d, stored: nnz, escapes, bits: (nnz + escapes) * d + nnz * valueBits });
  }
  return best;
}

/** Flat positions of the entries that are not zero (a code equal to its channel's zero point is zero). */
function nonzeroIndices(t: WeightTensor, size: number): Uint32Array {
  const all = t.indices ?? Uint32Array.from({ length: size }, (_, i) => i);
  const keep: number[] = [];
  const channels = t.quant?.scales.length ?? 1, inner = size / Math.max(channels, 1);
  for (let i = 0; i < all.length; i++) {
    const zero = t.values !== null ? t.values[i] === 0 && !Object.is(t.values[i], -0)
      : t.codes![i] === t.quant!.zeroPoints[channels === 1 ? 0 : Math.floor(all[i]! / inner)];
    if (!zero) keep.push(all[i]!);
  }
  return Uint32Array.from(keep);
}

/** Value of the weight at flat position `pos`, read through its sparse form. */
function lookup(t: WeightTensor, size: number): (pos: number, k: number) => number {
  if (t.indices === null) return (pos) => (t.values ?? t.codes)![pos]!;
  // Stored entries are visited in increasing order, so a cursor replaces a search.
  let cursor = 0;
  const src = (t.values ?? t.codes)!;
  const zero = t.values !== null ? () => 0 : (pos: number) => t.quant!.zeroPoints[t.quant!.scales.length === 1 ? 0 : Math.floor(pos / (size / t.quant!.scales.length))]!;
  return (pos) => {
    while (cursor < t.indices!.length && t.indices![cursor]! < pos) cursor++;
    return cursor < t.indices!.length && t.indices![cursor] === pos ? src[cursor]! : zero(pos);
  };
}

export function encodeWeight(w: ByteWriter, t: WeightTensor): void {
  const size = t.shape.reduce((a, b) => a * b, 1);
  w.u8(t.shape.length);
  for (const d of t.shape) w.varint(d);
  let valueBits: number;
  if (t.quant !== null) {
    const q = t.quant;
    w.u8(VALUE_CODES).u8(q.bits).svarint(q.qmin);
    if (q.scales.length !== 1 && q.scales.length !== t.shape[0]) throw new RangeError(`pqm writer: ${q.scales.length} scales for shape [${t.shape.join(', ')}]`);
    const perChannel = q.scales.length > 1;
    const zps = q.zeroPoints.some((z) => z !== 0);
    const f16 = exactInF16(q.scales);
    w.u8((perChannel ? FLAG_PER_CHANNEL : 0) | (zps ? FLAG_ZERO_POINTS : 0) | (f16 ? FLAG_SCALES_F16 : 0));
    for (const s of q.scales) f16 ? w.f16(s) : w.f32(s);
    if (zps) for (const z of q.zeroPoints) w.svarint(z);
    valueBits = q.bits;
  } else {
    const f16 = exactInF16(t.values!);
    w.u8(f16 ? VALUE_F16 : VALUE_F32);
    valueBits = f16 ? 16 : 32;
  }
  const nz = nonzeroIndices(t, size);
  const pos = choosePositions(size, nz, valueBits);
  w.u8(pos.kind);
  if (pos.kind === POS_DELTA) w.u8(pos.deltaBits);
  w.varint(pos.stored).varint(pos.escapes);
  const positions = new BitWriter();
  if (pos.kind === POS_BITMASK) {
    let k = 0;
    for (let i = 0; i < size; i++) {
      const set = k < nz.length && nz[k] === i;
      positions.push(set ? 1 : 0, 1);
      if (set) k++;
    }
  } else if (pos.kind === POS_DELTA) {
    const e = 2 ** pos.deltaBits - 1;
    for (let i = 0, prev = -1; i < nz.length; i++) {
      let gap = nz[i]! - prev - 1;
      for (; gap >= e; gap -= e) positions.push(e, pos.deltaBits);
      positions.push(gap, pos.deltaBits);
      prev = nz[i]!;
    }
  }
  const posBytes = positions.finish();
  w.varint(posBytes.length).bytes(posBytes);
  const at = lookup(t, size);
  const order = pos.kind === POS_DENSE ? null : nz;
  const count = order === null ? size : order.length;
  if (t.quant !== null) {
    const values = new BitWriter();
    for (let k = 0; k < count; k++) values.push(at(order === null ? k : order[k]!, k) - t.quant.qmin, t.quant.bits);
    w.bytes(values.finish());
  } else {
    const f16 = valueBits === 16;
    for (let k = 0; k < count; k++) {
      const v = at(order === null ? k : order[k]!, k);
      f16 ? w.f16(v) : w.f32(v);
    }
  }
}

/** Decodes a weight written by encodeWeight; every count is checked against the bytes present. */
export function decodeWeight(r: ByteReader, what: string): WeightTensor {
  const rank = r.u8(`${what} rank`);
  if (rank < 1 || rank > 4) r.fail(`${what} has rank ${rank}; weights have rank 1 to 4`);
  const shape: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = r.varint(`${what} dimension ${i}`, MAX_WEIGHT_ELEMENTS);
    if (d < 1) r.fail(`${what} dimension ${i} is 0`);
    shape.push(d);
    size *= d;
    if (size > MAX_WEIGHT_ELEMENTS) r.fail(`${what} has more than ${MAX_WEIGHT_ELEMENTS} elements`);
  }
  const valueKind = r.u8(`${what} value kind`);
  let quant: WeightTensor['quant'] = null;
  let valueBits: number;
  if (valueKind === VALUE_CODES) {
    const bits = r.u8(`${what} bits`);
    if (bits < 2 || bits > 16) r.fail(`${what} has ${bits}-bit codes; 2 to 16 are allowed`);
    const qmin = r.svarint(`${what} qmin`, 2 ** 16);
    if (qmin < -(2 ** 15) || qmin > 0) r.fail(`${what} qmin ${qmin} is outside [-32768, 0]`);
    const flags = r.u8(`${what} flags`);
    if (flags & ~7) r.fail(`${what} has unknown flags ${flags}`);
    const channels = flags & FLAG_PER_CHANNEL ? shape[0]! : 1;
    const scales = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const s = flags & FLAG_SCALES_F16 ? r.f16(`${what} scale ${c}`) : r.f32(`${what} scale ${c}`);
      if (!(s > 0 && Number.isFinite(s))) r.fail(`${what} scale ${c} is ${s}; scales are positive and finite`);
      scales[c] = s;
    }
    const qmax = qmin + 2 ** bits - 1;
    const zeroPoints = new Int32Array(channels);
    if (flags & FLAG_ZERO_POINTS) {
      for (let c = 0; c < channels; c++) {
        const z = r.svarint(`${what} zero point ${c}`, 2 ** 16);
        if (z < qmin || z > qmax) r.fail(`${what} zero point ${c} is ${z}, outside the codes [${qmin}, ${qmax}]`);
        zeroPoints[c] = z;
      }
    } else if (qmin > 0 || qmax < 0) r.fail(`${what}: codes [${qmin}, ${qmax}] cannot hold the zero point 0`);
    quant = { bits, qmin, qmax, scales, zeroPoints };
    valueBits = bits;
  } else if (valueKind === VALUE_F32 || valueKind === VALUE_F16) {
    valueBits = valueKind === VALUE_F32 ? 32 : 16;
  } else {
    return r.fail(`${what} value kind ${valueKind} is unknown (0 float32, 1 float16, 2 codes)`);
  }
  const posKind = r.u8(`${what} position kind`);
  if (posKind > POS_DELTA) r.fail(`${what} position kind ${posKind} is unknown (0 dense, 1 bitmask, 2 delta)`);
  const deltaBits = posKind === POS_DELTA ? r.u8(`${what} delta bits`) : 0;
  if (posKind === POS_DELTA && (deltaBits < 1 || deltaBits > 16)) r.fail(`${what} delta fields of ${deltaBits} bits; 1 to 16 are allowed`);
  const stored = r.varint(`${what} stored count`, size);
  const escapes = r.varint(`${what} escape count`, MAX_WEIGHT_ELEMENTS);
  if (posKind === POS_DENSE && stored !== size) r.fail(`${what} is dense but stores ${stored} of ${size} values`);
  const posBytes = r.varint(`${what} position bytes`, r.remaining);
  const expectPosBits = posKind === POS_DENSE ? 0 : posKind === POS_BITMASK ? size : (stored + escapes) * deltaBits;
  if (posBytes !== Math.ceil(expectPosBits / 8)) r.fail(`${what} has ${posBytes} position bytes, its counts need ${Math.ceil(expectPosBits / 8)}`);
  const posData = r.bytesOf(posBytes, `${what} positions`);
  const valueBytes = Math.ceil((stored * valueBits) / 8);
  const valueData = r.bytesOf(valueBytes, `${what} values`);
  let indices: Uint32Array | null = null;
  if (posKind === POS_BITMASK) {
    indices = new Uint32Array(stored);
    let k = 0;
    for (let i = 0; i < size; i++) {
      if ((posData[i >>> 3]! >>> (i & 7)) & 1) {
        if (k === stored) r.fail(`${what}: the bitmask sets more than the ${stored} positions declared`);
        indices[k++] = i;
      }
    }
    if (k !== stored) r.fail(`${what}: the bitmask sets ${k} positions, ${stored} declared`);
  } else if (posKind === POS_DELTA) {
    indices = new Uint32Array(stored);
    const bits = new BitReader(posData), e = 2 ** deltaBits - 1;
    let cursor = 0, k = 0;
    for (let f = 0; f < stored + escapes; f++) {
      const field = bits.read(deltaBits);
      if (field === e) {
        cursor += e;
        continue;
      }
      if (k === stored) r.fail(`${what}: more stored entries than the ${stored} declared`);
      const pos = cursor + field;
      if (pos >= size) r.fail(`${what}: position ${pos} is past the ${size} elements`);
      indices[k++] = pos;
      cursor = pos + 1;
    }
    if (k !== stored) r.fail(`${what}: ${k} stored entries, ${stored} declared`);
  }
  if (quant !== null) {
    const codes = new Int32Array(stored);
    const bits = new BitReader(valueData);
    for (let k = 0; k < stored; k++) {
      const c = bits.read(quant.bits) + quant.qmin;
      codes[k] = c;
    }
    return { shape, indices, values: null, codes, quant };
  }
  const values = new Float32Array(stored);
  const dv = new DataView(valueData.buffer, valueData.byteOffset, valueData.byteLength);
  for (let k = 0; k < stored; k++) {
    const v = valueBits === 32 ? dv.getFloat32(4 * k, true) : f16BitsToF32(dv.getUint16(2 * k, true));
    if (!Number.isFinite(v)) r.fail(`${what} value ${k} is ${v}`);
    values[k] = v;
  }
  return { shape, indices, values, codes: null, quant: null };
}

/** A plain float vector (bias, batch-norm scale and shift): a rank-1 dense weight. */
export function encodeVector(w: ByteWriter, v: Float32Array): void {
  encodeWeight(w, { shape: [v.length], indices: null, values: v, codes: null, quant: null });
}

export function decodeVector(r: ByteReader, what: string): Float32Array {
  const t = decodeWeight(r, what);
  if (t.shape.length !== 1 || t.quant !== null) r.fail(`${what} must be a float vector`);
  const out = new Float32Array(t.shape[0]!);
  if (t.indices === null) out.set(t.values!);
  else t.indices.forEach((p, k) => (out[p] = t.values![k]!));
  return out;
}
