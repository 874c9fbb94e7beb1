/**
 * Little-endian byte and bit streams for the `.pqm` codec. The reader is the file's guard: every
 * read checks the bytes are there and throws a FormatError naming the file, the section and
 * the byte offset, so no malformed count can make it read past the end or allocate blindly.
 */
import { FormatError } from '../errors.js';

import { f16BitsToF32, f32ToF16Bits } from '../../kernels/index.js';

export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }

  f32(v: number): this {
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.length, v, true);
    this.length += 4;
    return this;
  }

  f16(v: number): this {
    const h = f32ToF16Bits(v);
    return this.u8(h & 0xff).u8(h >>> 8);
  }

  /** Unsigned LEB128, for counts and sizes below 2^31. */
  varint(v: number): this {
    if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 31)) throw new RangeError(`pqm writer: varint ${v} is not an integer in [0, 2^31)`);
    do {
      const byte = v & 0x7f;
      v >>>= 7;
      this.u8(v ? byte | 0x80 : byte);
    } while (v);
    return this;
  }

  /** Signed values through zigzag, so small negatives stay one byte. */
  svarint(v: number): this {
    return this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  string(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.varint(b.length).bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  pos = 0;

  /** `where` names the file and section; `base` is this slice's offset in the file. */
  constructor(readonly bytes: Uint8Array, readonly where: string, readonly base = 0) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  fail(what: string, at = this.pos): never {
    throw new FormatError(`${this.where} @ byte ${this.base + at}: ${what}`);
  }

  need(n: number, what: string): void {
    if (n > this.remaining) this.fail(`${what} needs ${n} bytes, only ${this.remaining} remain (truncated or corrupt)`);
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u32(what = 'a u32'): number {
    this.need(4, what);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getUint32(0, true);
    this.pos += 4;
    return v;
  }

  f32(what = 'a float32'): number {
    this.need(4, what);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  f16(what = 'a float16'): number {
    this.need(2, what);
    const h = this.bytes[this.pos]! | (this.bytes[this.pos + 1]! << 8);
    this.pos += 2;
    return f16BitsToF32(h);
  }

  varint(what = 'a count', max = 2 ** 31 - 1): number {
    const at = this.pos;
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8(what);
      v += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) {
        if (v > max) this.fail(`${what} is ${v}, at most ${max} allowed`, at);
        return v;
      }
    }
    return this.fail(`${what}: a varint longer than 5 bytes`, at);
  }

  svarint(what = 'a signed integer', maxAbs = 2 ** 30): number {
    const z = this.varint(what, 2 * maxAbs);
    return z & 1 ? -(z + 1) / 2 : z / 2;
  }

  bytesOf(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(what: string, maxBytes = 256): string {
    const n = this.varint(`${what} length`, maxBytes);
    const b = this.bytesOf(n, what);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return this.fail(`${what} is not valid UTF-8`);
    }
  }
}

/** Packs unsigned fields of 1 to 32 bits, least significant bit first. */
export class BitWriter {
  private words: number[] = [];
  private acc = 0;
  private used = 0;
  bits = 0;

  push(value: number, width: number): void {
    this.bits += width;
    for (let left = width; left > 0;) {
      const take = Math.min(left, 32 - this.used);
      const part = (value >>> (width - left)) & (take === 32 ? 0xffffffff : (1 << take) - 1);
      this.acc = (this.acc | (part << this.used)) >>> 0;
      this.used += take;
      left -= take;
      if (this.used === 32) {
        this.words.push(this.acc);
        this.acc = 0;
        this.used = 0;
      }
    }
  }

  finish(): Uint8Array {
    const out = new Uint8Array(Math.ceil(this.bits / 8));
    let o = 0;
    for (const w of [...this.words, this.acc]) {
      for (let k = 0; k < 4 && o < out.length; k++) out[o++] = (w >>> (8 * k)) & 0xff;
    }
    return out;
  }
}

/** Reads what BitWriter wrote from a byte slice whose length the caller has checked. */
export class BitReader {
  private bit = 0;
  constructor(private readonly bytes: Uint8Array) {}

  read(width: number): number {
    let v = 0;
    for (let got = 0; got < width;) {
      const byte = this.bytes[this.bit >>> 3]!;
      const off = this.bit & 7;
      const take = Math.min(8 - off, width - got);
      v += ((byte >>> off) & ((1 << take) - 1)) * 2 ** got;
      got += take;
      this.bit += take;
    }
    return v;
  }
}
