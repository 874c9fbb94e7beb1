/** Writing protobuf wire format, fields in the order the caller gives them. */
import { WIRE_BYTES, WIRE_FIXED32, WIRE_VARINT, int64Halves } from './protobuf-wire.js';

const utf8Encoder = new TextEncoder();

/** Appends fields to a growing buffer. Large byte payloads (tensor data) are kept by
 * reference and copied once, in `finish()`, however deeply their message is nested. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private chunkStart = 0;
  private pos = 0;
  private flushed = 0;

  /** Bytes written so far. */
  get length(): number { return this.flushed + this.pos - this.chunkStart; }

  varint(value: number): this {
    const [lo, hi] = int64Halves(value);
    return this.varint64(lo, hi);
  }

  varint64(lo: number, hi: number): this {
    this.reserve(10);
    lo >>>= 0; hi >>>= 0;
    while (hi !== 0 || lo > 0x7f) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
    return this;
  }

  key(field: number, wire: number): this { return this.varint(field * 8 + wire); }

  int64(field: number, value: number): this { return this.key(field, WIRE_VARINT).varint(value); }

  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32).reserve(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_BYTES).varint(data.length);
    return this.raw(data);
  }

  string(field: number, value: string): this { return this.bytes(field, utf8Encoder.encode(value)); }

  /** Writes an embedded message built by `build` into a child writer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    this.key(field, WIRE_BYTES).varint(child.length);
    child.seal();
    for (const c of child.chunks) this.raw(c);
    return this;
  }

  packedInt64(field: number, values: ArrayLike<number>): this {
    const child = new ProtoWriter();
    for (let i = 0; i < values.length; i++) child.varint(values[i]!);
    return this.bytes(field, child.finish());
  }

  packedFloat(field: number, values: ArrayLike<number>): this {
    this.key(field, WIRE_BYTES).varint(values.length * 4).reserve(values.length * 4);
    for (let i = 0; i < values.length; i++, this.pos += 4) this.view.setFloat32(this.pos, values[i]!, true);
    return this;
  }

  /** Appends bytes as they are (no key); large ones by reference. */
  raw(data: Uint8Array): this {
    if (data.length >= 4096) {
      this.seal();
      this.chunks.push(data);
      this.flushed += data.length;
    } else {
      this.reserve(data.length);
      this.buf.set(data, this.pos);
      this.pos += data.length;
    }
    return this;
  }

  finish(): Uint8Array {
    this.seal();
    if (this.chunks.length === 1) return this.chunks[0]!.slice();
    const out = new Uint8Array(this.flushed);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }

  /** Moves the pending bytes of `buf` into the chunk list. */
  private seal(): void {
    if (this.pos > this.chunkStart) {
      this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.flushed += this.pos - this.chunkStart;
    }
    this.chunkStart = this.pos;
  }

  private reserve(n: number): this {
    if (this.pos + n <= this.buf.length) return this;
    this.seal();
    this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    this.view = new DataView(this.buf.buffer);
    this.chunkStart = 0;
    this.pos = 0;
    return this;
  }
}
