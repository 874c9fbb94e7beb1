/** Reading protobuf wire format: bounds-checked, every failure names its byte offset. */
import { OnnxFormatError } from './errors.js';
import { TWO_32, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from './protobuf-wire.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads one message's fields in order. `next()` loads the key of the following field into
 * `field`/`wire`; the typed readers then check the wire type and consume the value. */
export class ProtoReader {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly start: number;
  /** End of this message; narrowed while a packed run is read. */
  end: number;
  pos: number;
  field = 0;
  wire = 0;
  /** Byte offset of the current field's key, for error messages. */
  fieldStart = 0;
  /** Unsigned halves of the last varint read. */
  lo = 0;
  hi = 0;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, fileName = '<bytes>', start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.fileName = fileName;
    this.start = start;
    this.pos = start;
    this.end = end;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(detail: string, at = this.pos): never {
    throw new OnnxFormatError(this.fileName, at, detail);
  }

  /** Advances to the next field; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    this.fieldStart = this.pos;
    this.varintRaw();
    if (this.hi !== 0) this.fail('field key does not fit in 32 bits', this.fieldStart);
    this.field = this.lo >>> 3;
    this.wire = this.lo & 7;
    if (this.field === 0) this.fail('field number 0 is not valid protobuf', this.fieldStart);
    return true;
  }

  /** Skips the current field's value, whatever it holds. */
  skip(): void {
    switch (this.wire) {
      case WIRE_VARINT: this.varintRaw(); return;
      case WIRE_FIXED64: this.advance(8); return;
      case WIRE_FIXED32: this.advance(4); return;
      case WIRE_BYTES: this.advance(this.lengthRaw()); return;
      case 3: case 4: this.fail(`field ${this.field}: protobuf groups are not supported`, this.fieldStart);
      default: this.fail(`field ${this.field}: invalid wire type ${this.wire}`, this.fieldStart);
    }
  }

  int32(): number { this.expect(WIRE_VARINT); return this.varintRaw() | 0; }
  int64(): number { this.expect(WIRE_VARINT); this.varintRaw(); return this.int64FromHalves(); }
  bool(): boolean { this.expect(WIRE_VARINT); this.varintRaw(); return (this.lo | this.hi) !== 0; }
  float(): number { this.expect(WIRE_FIXED32); return this.floatRaw(); }
  double(): number { this.expect(WIRE_FIXED64); return this.doubleRaw(); }

  /** The field's bytes, as a view into the input (no copy). */
  bytesView(): Uint8Array {
    this.expect(WIRE_BYTES);
    const n = this.lengthRaw();
    const at = this.pos;
    this.advance(n);
    return this.bytes.subarray(at, at + n);
  }

  string(): string {
    const at = this.pos;
    try {
      return utf8Decoder.decode(this.bytesView());
    } catch (e) {
      if (e instanceof OnnxFormatError) throw e;
      return this.fail(`field ${this.field}: string is not valid UTF-8`, at);
    }
  }

  /** A reader over the embedded message in the current field. */
  message(): ProtoReader {
    this.expect(WIRE_BYTES);
    const n = this.lengthRaw();
    const at = this.pos;
    this.advance(n);
    return new ProtoReader(this.bytes, this.fileName, at, at + n);
  }

  /** Appends a repeated varint field (packed or not) as numbers (int64 semantics). */
  repeatedInt64(out: number[]): void {
    this.repeated(WIRE_VARINT, () => { this.varintRaw(); out.push(this.int64FromHalves()); });
  }
  /** Appends a repeated varint field as raw (lo, hi) pairs, two entries per value. */
  repeatedInt64Halves(out: number[]): void {
    this.repeated(WIRE_VARINT, () => { this.varintRaw(); out.push(this.lo, this.hi); });
  }
  repeatedInt32(out: number[]): void {
    this.repeated(WIRE_VARINT, () => { out.push(this.varintRaw() | 0); });
  }
  repeatedFloat(out: number[]): void {
    this.repeated(WIRE_FIXED32, () => { out.push(this.floatRaw()); });
  }
  repeatedDouble(out: number[]): void {
    this.repeated(WIRE_FIXED64, () => { out.push(this.doubleRaw()); });
  }

  private repeated(scalarWire: number, readOne: () => void): void {
    if (this.wire !== WIRE_BYTES) {
      this.expect(scalarWire);
      readOne();
      return;
    }
    const n = this.lengthRaw();
    const messageEnd = this.end;
    // Bounding reads by the run's end makes a value that straddles it a truncation error.
    this.end = this.pos + n;
    try {
      while (this.pos < this.end) readOne();
    } finally {
      this.end = messageEnd;
    }
  }

  private expect(wire: number): void {
    if (this.wire !== wire) {
      this.fail(`field ${this.field}: expected wire type ${wire}, found ${this.wire}`, this.fieldStart);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) {
      this.fail(`truncated: field ${this.field} needs ${n} bytes, ${this.end - this.pos} left`);
    }
    this.pos += n;
  }

  /** Reads a varint into lo/hi; returns lo. */
  private varintRaw(): number {
    const b = this.bytes;
    let lo = 0, hi = 0;
    const at = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint', at);
      const byte = b[this.pos++]!;
      const bits = byte & 0x7f;
      const shift = 7 * i;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) { lo |= bits << 28; hi |= bits >>> 4; }
      else hi |= bits << (shift - 32);
      if ((byte & 0x80) === 0) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return this.lo;
      }
    }
    return this.fail('varint longer than 10 bytes', at);
  }

  private lengthRaw(): number {
    const at = this.pos;
    this.varintRaw();
    const n = this.hi * TWO_32 + this.lo;
    if (n > this.end - this.pos) {
      this.fail(`truncated: field ${this.field} declares ${n} bytes, ${this.end - this.pos} left`, at);
    }
    return n;
  }

  private int64FromHalves(): number {
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  private floatRaw(): number {
    this.advance(4);
    return this.view.getFloat32(this.pos - 4, true);
  }

  private doubleRaw(): number {
    this.advance(8);
    return this.view.getFloat64(this.pos - 8, true);
  }
}

