import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxFormatError, ProtoReader, ProtoWriter, int64Halves } from '../../src/io/onnx/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Encodes `value` as field 1 varint and returns just the varint bytes. */
function varintBytes(value: number): Uint8Array {
  return new ProtoWriter().varint(value).finish();
}

function readInt64(bytes: Uint8Array): number {
  const withKey = new Uint8Array([0x08, ...bytes]);
  const r = new ProtoReader(withKey, 'test');
  assert.ok(r.next());
  return r.int64();
}

describe('protobuf varints', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 31, '8080808008'],
    [2 ** 32, '8080808010'],
    [2 ** 53 - 1, 'ffffffffffffff0f'],
    // Negative int64s are their two's complement: always 10 bytes.
    [-1, 'ffffffffffffffffff01'],
    [-2, 'feffffffffffffffff01'],
    [-(2 ** 31), '80808080f8ffffffff01'],
  ];
  for (const [value, expected] of cases) {
    it(`${value} encodes as ${expected} and decodes back`, () => {
      const bytes = varintBytes(value);
      assert.equal(hex(bytes), expected);
      assert.equal(readInt64(bytes), value);
    });
  }

  it('every negative int64 takes exactly 10 bytes and round-trips', () => {
    for (const v of [-1, -127, -128, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1, -(2 ** 62)]) {
      const bytes = varintBytes(v);
      assert.equal(bytes.length, 10, `${v}`);
      assert.equal(readInt64(bytes), v);
    }
  });

  it('INT64_MAX and INT64_MIN survive number round trips by saturation', () => {
    const max = 'ffffffffffffffff7f';
    const min = '80808080808080808001';
    assert.equal(hex(varintBytes(readInt64(Buffer.from(max, 'hex')))), max);
    assert.equal(hex(varintBytes(readInt64(Buffer.from(min, 'hex')))), min);
    assert.deepEqual(int64Halves(2 ** 64), [0xffffffff, 0x7fffffff]);
  });

  it('int32 fields read negative values written as 10-byte varints', () => {
    const r = new ProtoReader(new Uint8Array([0x10, ...varintBytes(-5)]), 'test');
    assert.ok(r.next());
    assert.equal(r.field, 2);
    assert.equal(r.int32(), -5);
  });

  it('rejects non-integers on write', () => {
    assert.throws(() => varintBytes(1.5), RangeError);
    assert.throws(() => varintBytes(Number.NaN), RangeError);
  });
});

describe('protobuf fields', () => {
  it('reads packed and unpacked repeated fields alike', () => {
    const packed = new ProtoWriter();
    packed.key(1, 2).varint(3).raw(new Uint8Array([1, 0x96, 0x01]));
    const unpacked = new ProtoWriter().int64(1, 1).int64(1, 150);
    for (const bytes of [packed.finish(), unpacked.finish()]) {
      const r = new ProtoReader(bytes, 'test');
      const out: number[] = [];
      while (r.next()) r.repeatedInt64(out);
      assert.deepEqual(out, [1, 150]);
    }
  });

  it('writes and reads floats, strings and nested messages', () => {
    const w = new ProtoWriter().float(2, 1.5).string(3, 'héllo').message(4, (m) => m.int64(1, 7)).packedFloat(5, [0.25, -2]);
    const r = new ProtoReader(w.finish(), 'test');
    const seen: unknown[] = [];
    while (r.next()) {
      if (r.field === 2) seen.push(r.float());
      else if (r.field === 3) seen.push(r.string());
      else if (r.field === 4) { const m = r.message(); m.next(); seen.push(m.int64()); assert.equal(m.next(), false); }
      else if (r.field === 5) { const fs: number[] = []; r.repeatedFloat(fs); seen.push(fs); }
    }
    assert.deepEqual(seen, [1.5, 'héllo', 7, [0.25, -2]]);
  });

  it('keeps large payloads intact through nested messages', () => {
    const big = new Uint8Array(10000).map((_, i) => i * 7);
    const w = new ProtoWriter().message(1, (a) => a.message(2, (b) => b.bytes(3, big).int64(4, 9)));
    const r = new ProtoReader(w.finish(), 'test');
    r.next();
    const a = r.message(); a.next();
    const b = a.message(); b.next();
    assert.deepEqual(b.bytesView(), big);
    b.next();
    assert.equal(b.int64(), 9);
  });

  it('skips every wire type', () => {
    const w = new ProtoWriter().int64(1, -1).float(2, 3).bytes(3, new Uint8Array(5)).key(4, 1).raw(new Uint8Array(8)).int64(5, 42);
    const r = new ProtoReader(w.finish(), 'test');
    let last = 0;
    while (r.next()) if (r.field === 5) last = r.int64(); else r.skip();
    assert.equal(last, 42);
  });
});

describe('protobuf errors name the file and byte offset', () => {
  const fails = (bytes: number[], pattern: RegExp, read: (r: ProtoReader) => void = (r) => { while (r.next()) r.skip(); }) => {
    assert.throws(() => read(new ProtoReader(new Uint8Array(bytes), 'x.onnx')), (e: unknown) => {
      assert.ok(e instanceof OnnxFormatError, String(e));
      assert.equal(e.fileName, 'x.onnx');
      assert.match(e.message, pattern);
      return true;
    });
  };
  it('truncated varint', () => fails([0x08, 0x80, 0x80], /^x\.onnx @ byte 1: truncated varint/));
  it('varint longer than 10 bytes', () => fails([0x08, ...new Array(11).fill(0xff), 0x01], /@ byte 1: varint longer than 10 bytes/));
  it('length past the end', () => fails([0x0a, 0x05, 1, 2], /@ byte 1: truncated: field 1 declares 5 bytes, 2 left/));
  it('truncated fixed32', () => fails([0x15, 0, 0], /@ byte 1: truncated: field 2 needs 4 bytes, 2 left/));
  it('groups', () => fails([0x0b], /@ byte 0: field 1: protobuf groups are not supported/));
  it('field number 0', () => fails([0x00, 0x00], /@ byte 0: field number 0/));
  it('wrong wire type', () => fails([0x0d, 0, 0, 0, 0], /@ byte 0: field 1: expected wire type 0, found 5/, (r) => { r.next(); r.int64(); }));
  it('packed run ending mid-value', () => fails([0x0a, 0x01, 0x80, 0x01], /@ byte 2: truncated varint/, (r) => { r.next(); r.repeatedInt64([]); }));
});
