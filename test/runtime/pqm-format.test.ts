// The .pqm codec: exact round trips of every weight encoding, the size the format reaches on a
// pruned and quantized LeNet-5, and clear errors for truncated, corrupt and hostile files.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from '../../src/kernels/index.js';
import { createModel } from '../../src/nn/index.js';
import { pruneModel, postTrainingQuantize, quantizationMeta } from '../../src/compress/index.js';
import { pqmBytes, toDeployModel } from '../../src/io/index.js';
import { FormatError, decodePqm, denseWeight, encodePqm, type DeployModel, type WeightTensor } from '../../src/runtime/index.js';
import { randomFloats } from '../helpers/assert.js';

function linearModel(weight: WeightTensor, inFeatures: number): DeployModel {
  return {
    inputShape: [inFeatures, 1, 1],
    preprocessing: { layout: 'nchw', range: '0-1', mean: new Array(inFeatures).fill(0), std: new Array(inFeatures).fill(1) },
    inputQuant: null,
    nodes: [{ op: 'Linear', name: 'fc', inputs: [0], outputQuant: null, outFeatures: weight.shape[0]!, weight, bias: Float32Array.from([0.5, -0.25, 3]) }],
    meta: {},
  };
}

/** A [3, 40] weight at a given density, float or as codes. */
function sparseWeight(density: number, seed: number, bits?: number): { t: WeightTensor; dense: Float32Array } {
  const vals = randomFloats(120, seed), keep = randomFloats(120, seed + 7, 0, 1);
  const dense = new Float32Array(120);
  for (let i = 0; i < 120; i++) dense[i] = keep[i]! < density ? vals[i]! : 0;
  if (bits === undefined) return { t: { shape: [3, 40], indices: null, values: dense, codes: null, quant: null }, dense };
  const qmax = 2 ** (bits - 1) - 1;
  const scales = Float32Array.from([0.01, 0.02, 0.03]);
  const codes = Int32Array.from(dense, (v, i) => Math.max(-qmax, Math.min(qmax, Math.round(v / scales[Math.floor(i / 40)]!))));
  const deq = Float32Array.from(codes, (c, i) => Math.fround(c * scales[Math.floor(i / 40)]!));
  return { t: { shape: [3, 40], indices: null, values: null, codes, quant: { bits, qmin: -qmax, qmax, scales, zeroPoints: new Int32Array(3) } }, dense: deq };
}

describe('.pqm weight encodings', () => {
  for (const density of [1, 0.6, 0.2, 0.03, 0]) {
    for (const bits of [undefined, 2, 4, 8, 16]) {
      it(`round-trips density ${density}, ${bits ?? 'float32'} values exactly`, () => {
        const { t, dense } = sparseWeight(density, 11, bits);
        const bytes = encodePqm(linearModel(t, 40));
        const back = decodePqm(bytes, 'roundtrip.pqm');
        const node = back.nodes[0]!;
        assert.equal(node.op, 'Linear');
        if (node.op !== 'Linear') return;
        assert.deepEqual(Array.from(denseWeight(node.weight)), Array.from(dense));
        assert.deepEqual(Array.from(node.bias!), [0.5, -0.25, 3]);
      });
    }
  }

  it('stores a sparse tensor in fewer bytes than its dense float32 values', () => {
    // Measured above an all-zero weight, so the graph and meta do not count.
    const empty = encodePqm(linearModel(sparseWeight(0, 3).t, 40)).length;
    const dense = encodePqm(linearModel(sparseWeight(1, 3).t, 40)).length - empty;
    const sparse = encodePqm(linearModel(sparseWeight(0.05, 3).t, 40)).length - empty;
    const coded = encodePqm(linearModel(sparseWeight(0.05, 3, 4).t, 40)).length - empty;
    assert.ok(sparse < dense / 8, `5% dense: ${sparse} bytes vs ${dense}`);
    assert.ok(coded < sparse, `4-bit codes ${coded} vs float ${sparse}`);
  });

  it('writes a long gap as escapes, not padding values', () => {
    const values = new Float32Array(120);
    values[0] = 1;
    values[119] = -2;
    const back = decodePqm(encodePqm(linearModel({ shape: [3, 40], indices: null, values, codes: null, quant: null }, 40)));
    const node = back.nodes[0]!;
    if (node.op !== 'Linear') return assert.fail('not linear');
    assert.deepEqual(Array.from(node.weight.indices ?? []), [0, 119]);
  });
});

describe('.pqm of LeNet-5, pruned 95% and quantized to 4 bits', () => {
  const model = createModel('lenet5', { seed: 0 });
  pruneModel(model, { sparsity: 0.95, scope: 'global' });
  const q = postTrainingQuantize(model, { weights: { bits: 4, granularity: 'channel' } });
  const meta = { quantization: quantizationMeta(q), normalization: { mean: 0.1307, std: 0.3081 } };
  const bytes = pqmBytes(q.model, { meta });

  it('is the same file whether the quantization comes as the model or as checkpoint meta', () => {
    assert.deepEqual(pqmBytes(q.model, { quantized: q, normalization: { mean: 0.1307, std: 0.3081 } }), bytes);
  });

  it('is at least 40x smaller than the dense float32 weights (246,824 bytes)', () => {
    assert.ok(bytes.length <= 6170, `${bytes.length} bytes`);
  });

  it('decodes to exactly the weights the model computes with', () => {
    const back = decodePqm(bytes, 'lenet.pqm');
    const params = new Map(q.model.namedParams());
    for (const node of back.nodes) {
      if (node.op !== 'Conv2d' && node.op !== 'Linear') continue;
      assert.deepEqual(Array.from(denseWeight(node.weight)), Array.from(params.get(`${node.name}.weight`)!.value.toArray()), node.name);
      assert.deepEqual(Array.from(node.bias!), Array.from(params.get(`${node.name}.bias`)!.value.toArray()), `${node.name} bias`);
    }
    assert.deepEqual(back.preprocessing.mean, [0.1307]);
    assert.deepEqual(back.inputShape, [1, 28, 28]);
  });
});

describe('.pqm files that are not what they claim', () => {
  const model = createModel('lenet5', { seed: 1 });
  pruneModel(model, { sparsity: 0.9, scope: 'global' });
  const good = pqmBytes(model, { normalization: { mean: 0.1307, std: 0.3081 } });

  it('names a truncation', () => {
    for (const cut of [0, 3, 5, 8, 40, good.length >> 1, good.length - 1]) {
      assert.throws(() => decodePqm(good.subarray(0, cut), 'cut.pqm'), (e: Error) => e instanceof FormatError && e.message.startsWith('cut.pqm'));
    }
  });

  it('names the section whose checksum fails', () => {
    const bad = good.slice();
    bad[bad.length - 20]! ^= 0x10;
    assert.throws(() => decodePqm(bad, 'flip.pqm'), /flip\.pqm @ byte \d+: section \d+ \(tensor\): checksum mismatch/);
  });

  it('rejects a wrong magic, version and trailing bytes', () => {
    assert.throws(() => decodePqm(new TextEncoder().encode('PQCK\u0001'), 'x'), /not a \.pqm file/);
    const v2 = good.slice();
    v2[4] = 2;
    assert.throws(() => decodePqm(v2, 'x'), /version 2, this reader knows 1/);
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    assert.throws(() => decodePqm(longer, 'x'), /3 bytes follow the last/);
  });

  /** Rewrites one section's payload and fixes its checksum, as a hostile writer would. */
  function forge(section: number, edit: (payload: Uint8Array) => Uint8Array): Uint8Array {
    const parts: Uint8Array[] = [good.subarray(0, 6)];
    let pos = 6;
    for (let s = 0; pos < good.length; s++) {
      const start = pos;
      pos++;
      let len = 0, shift = 0, b: number;
      do { b = good[pos++]!; len |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      const payload = good.subarray(pos, pos + len);
      pos += len + 4;
      if (s !== section) { parts.push(good.subarray(start, pos)); continue; }
      const edited = edit(payload.slice());
      const head = [good[start]!];
      let n = edited.length;
      do { head.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7; } while (n);
      const body = new Uint8Array(head.length + edited.length);
      body.set(head);
      body.set(edited, head.length);
      const crc = new Uint8Array(4);
      new DataView(crc.buffer).setUint32(0, crc32(body), true);
      parts.push(body, crc);
    }
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  it('checks a forged graph: a node reading a later value, a huge channel count', () => {
    // Graph payload: c, h, w (1, 28, 28), input quant flag, node count, then node 0 at byte 5: op, name length, name, input count, input.
    assert.throws(() => decodePqm(forge(1, (p) => { p[8 + p[6]!] = 5; return p; }), 'g.pqm'), /g\.pqm.*node 0 \(conv0\) input is 5, at most 0/);
    assert.throws(() => decodePqm(forge(1, (p) => {
      const q = new Uint8Array(p.length + 2);
      const at = 9 + p[6]!; // first conv attribute: out channels
      q.set(p.subarray(0, at));
      q.set([0xff, 0xff, 0x03], at);
      q.set(p.subarray(at + 1), at + 3);
      return q;
    }), 'g.pqm'), /g\.pqm.*conv attribute 0 is 65535, at most 65536|g\.pqm.*weight: shape \[6, 1, 5, 5\], the node needs \[65535/);
  });

  it('checks a forged tensor: a position past the end, a count larger than the bytes', () => {
    const tensorSection = 2; // conv0.weight
    assert.throws(() => decodePqm(forge(tensorSection, (p) => p.subarray(0, p.length - 5)), 't.pqm'), /t\.pqm, section 2 \(tensor\) @ byte \d+: .*(needs|bytes)/);
    assert.throws(() => decodePqm(forge(tensorSection, (p) => { p[2] = 9; return p; }), 't.pqm'), /t\.pqm, section 2 \(tensor\).*rank 9/);
  });

  it('accepts its own output unchanged', () => {
    const back = decodePqm(good, 'good.pqm');
    assert.equal(back.nodes.length, toDeployModel(model).nodes.length);
  });
});
