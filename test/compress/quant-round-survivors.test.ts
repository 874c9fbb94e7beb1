/**
 * The reference protocol's option (`roundSurvivorsToZero`): survivors of pruning round like any
 * other weight, so a tiny survivor takes the zero code, and `maskZeroCodes` then prunes it, so the
 * masks and the codes agree again. Without the option, today's rule holds (survivors stay non-zero;
 * quant-zero-pattern.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, Mask, type Model } from '../../src/nn/index.js';
import { QatSession, maskZeroCodes, postTrainingQuantize } from '../../src/compress/index.js';

/** conv(1→4) → ReLU → linear(→3): every third weight pruned, every fourth survivor tiny. */
function prunedNet(): { model: Model; tiny: Map<string, number[]> } {
  const g = new GraphBuilder(5, [1, 6, 6]);
  g.linear(g.flatten(g.act(g.conv(g.input, 4, 3))), 3);
  const model = g.build('pq');
  const tiny = new Map<string, number[]>();
  for (const [name, p] of model.namedParams()) {
    if (p.role !== 'weight') continue;
    const v = p.value.toArray();
    const keep = Uint8Array.from(v, (_, i) => (i % 3 === 0 ? 0 : 1));
    const small: number[] = [];
    for (let i = 0; i < v.length; i++) if (keep[i] && i % 4 === 1) { v[i] = 1e-6; small.push(i); }
    p.assign(v);
    p.setMask(new Mask(p.size, keep));
    tiny.set(name, small);
  }
  return { model, tiny };
}

function zeroCount(m: Model): { zeros: number; masked: number } {
  let zeros = 0, masked = 0;
  for (const [, p] of m.namedParams()) {
    if (p.role !== 'weight') continue;
    for (const v of p.value.view()) if (v === 0) zeros++;
    if (p.mask) for (const b of p.mask.view()) if (b === 0) masked++;
  }
  return { zeros, masked };
}

test('PTQ: by default survivors stay non-zero; with roundSurvivorsToZero tiny ones round to zero and join the mask', () => {
  const { model, tiny } = prunedNet();
  const keep = postTrainingQuantize(model, { weights: { bits: 4 } });
  const before = zeroCount(keep.model);
  assert.equal(before.zeros, before.masked, 'default: the zeros are exactly the mask');
  assert.equal(maskZeroCodes(keep.model, keep.weights), 0);
  keep.model.dispose();

  const round = postTrainingQuantize(model, { weights: { bits: 4, roundSurvivorsToZero: true } });
  const tinyCount = [...tiny.values()].reduce((s, t) => s + t.length, 0);
  const rounded = zeroCount(round.model);
  // The tiny survivors and any other weight under half a step (random init has some at 4 bits).
  assert.ok(rounded.zeros >= before.masked + tinyCount, 'every tiny survivor rounds to zero');
  assert.equal(rounded.masked, before.masked, 'not yet in the mask');
  assert.equal(maskZeroCodes(round.model, round.weights), rounded.zeros - before.masked);
  const joined = zeroCount(round.model);
  assert.equal(joined.masked, joined.zeros, 'masks and codes agree again');
  for (const [name, p] of round.model.namedParams()) {
    for (const i of tiny.get(name) ?? []) assert.equal(p.mask!.view()[i], 0, `${name}[${i}] joined the mask`);
  }
  round.model.dispose();
  model.dispose();
});

test('QAT: the option lets a tiny survivor compute as zero in the forward pass and finish as a zero code', () => {
  for (const roundSurvivorsToZero of [false, true]) {
    const { model, tiny } = prunedNet();
    const qat = new QatSession(model, { bits: 4, roundSurvivorsToZero });
    for (const [name, p] of model.namedParams()) {
      if (p.role !== 'weight') continue;
      const w = p.forwardValue().toArray();
      for (const i of tiny.get(name)!) assert.equal(w[i] === 0, roundSurvivorsToZero, `${name}[${i}] forward ${w[i]}`);
    }
    const q = qat.finish();
    const expected = [...tiny.values()].reduce((s, t) => s + t.length, 0);
    const joined = maskZeroCodes(q.model, q.weights);
    if (roundSurvivorsToZero) assert.ok(joined >= expected, `${joined} joined, ${expected} tiny`);
    else assert.equal(joined, 0);
    if (q.model !== model) q.model.dispose();
    model.dispose();
  }
});
