/**
 * Conv forward parity with onnxruntime-node over a seeded sweep of attribute combinations:
 * kernel, stride, padding (numbers, per-axis pairs, 'same' with its asymmetric end padding,
 * 'valid'), dilation, groups (dense, grouped, depthwise, depthwise with channel multiplier,
 * single-channel input), optional bias, batch 1 and 3, odd spatial sizes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AttributeInput } from '../../src/io/onnx/index.js';
import { conv2d, createRng, type Padding } from '../../src/tensor/index.js';
import { absValues, peakOf, random, runOrtOp, runOurs, sameUpperPads, WorstError, type Values } from './parity.js';

type Pair = [number, number];

/** Channel layouts by kind; weight in-channels are c / groups (ONNX's [M, C/group, kH, kW]). */
const GROUPINGS = {
  dense: { c: 3, oc: 5, groups: 1 },
  grouped: { c: 4, oc: 6, groups: 2 },
  // Two input channels per group and one output channel per group.
  groupedNarrow: { c: 6, oc: 3, groups: 3 },
  depthwise: { c: 4, oc: 4, groups: 4 },
  depthwiseX2: { c: 3, oc: 6, groups: 3 },
  // One input channel: our op takes the depthwise path (c/groups = 1 = groups = c).
  singleChannel: { c: 1, oc: 4, groups: 1 },
} as const;
type Grouping = keyof typeof GROUPINGS;

const AXES = {
  kernel: [[1, 1], [3, 3], [5, 5], [3, 2], [2, 2], [2, 4]] as Pair[],
  stride: [[1, 1], [2, 2], [3, 3], [2, 1]] as Pair[],
  padding: [0, 1, 2, 'same', [1, 2], 'valid'] as Padding[],
  dilation: [[1, 1], [2, 2], [1, 2]] as Pair[],
  grouping: Object.keys(GROUPINGS) as Grouping[],
  bias: [true, false],
  batch: [1, 3],
  spatial: [[7, 7], [9, 9], [11, 7], [5, 9], [13, 13]] as Pair[],
};

interface ConvCase {
  kernel: Pair; stride: Pair; padding: Padding; dilation: Pair; grouping: Grouping;
  bias: boolean; batch: number; spatial: Pair;
}

const SWEEP_SIZE = 96;

/**
 * Each axis runs through seeded permutations of its values, one after another, and the
 * axes are zipped: every value of every axis appears about SWEEP_SIZE / (its count) times,
 * in random company. A window wider than its padded input is widened to fit instead of
 * dropped, so the coverage holds.
 */
function sweep(seed: number, count: number): ConvCase[] {
  const rng = createRng(seed);
  const column = <T>(values: readonly T[]): T[] => {
    const out: T[] = [];
    while (out.length < count) {
      const perm = [...values];
      for (let i = perm.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      out.push(...perm);
    }
    return out.slice(0, count);
  };
  const cols = Object.fromEntries(Object.entries(AXES).map(([k, v]) => [k, column(v as unknown[])])) as { [K in keyof typeof AXES]: (typeof AXES)[K] };
  return Array.from({ length: count }, (_, i) => {
    const c: ConvCase = {
      kernel: cols.kernel[i]!, stride: cols.stride[i]!, padding: cols.padding[i]!, dilation: cols.dilation[i]!,
      grouping: cols.grouping[i]!, bias: cols.bias[i]!, batch: cols.batch[i]!, spatial: [...cols.spatial[i]!],
    };
    for (const a of [0, 1] as const) {
      const pad = typeof c.padding === 'number' ? c.padding : Array.isArray(c.padding) ? c.padding[a]! : 0;
      const span = (c.kernel[a]! - 1) * c.dilation[a]! + 1;
      if (c.spatial[a]! + 2 * pad < span) c.spatial[a] = span | 1;
    }
    return c;
  });
}

/** Hand-picked corners the sweep might pair differently. */
const EDGES: ConvCase[] = [
  // 'same' with an even kernel and stride 2 on an odd input: end padding exceeds the start.
  { kernel: [4, 4], stride: [2, 2], padding: 'same', dilation: [1, 1], grouping: 'dense', bias: true, batch: 1, spatial: [9, 9] },
  { kernel: [2, 2], stride: [1, 1], padding: 'same', dilation: [1, 1], grouping: 'depthwiseX2', bias: true, batch: 3, spatial: [7, 7] },
  // 'same' with dilation: the span (k - 1) d + 1 decides the padding, not k.
  { kernel: [3, 3], stride: [1, 1], padding: 'same', dilation: [2, 2], grouping: 'depthwise', bias: false, batch: 1, spatial: [11, 7] },
  { kernel: [3, 2], stride: [2, 3], padding: 'same', dilation: [2, 1], grouping: 'grouped', bias: true, batch: 3, spatial: [9, 11] },
  // MobileNet-style stride-2 depthwise 3x3 pad 1, and a 1x1 pointwise after it.
  { kernel: [3, 3], stride: [2, 2], padding: 1, dilation: [1, 1], grouping: 'depthwise', bias: true, batch: 3, spatial: [13, 13] },
  { kernel: [1, 1], stride: [1, 1], padding: 0, dilation: [1, 1], grouping: 'dense', bias: false, batch: 3, spatial: [7, 7] },
  // The window exactly covers the padded input: one output pixel.
  { kernel: [5, 5], stride: [1, 1], padding: 1, dilation: [1, 1], grouping: 'grouped', bias: true, batch: 1, spatial: [3, 3] },
  // LeNet's first layer: one input channel, 5x5, no padding.
  { kernel: [5, 5], stride: [1, 1], padding: 0, dilation: [1, 1], grouping: 'singleChannel', bias: true, batch: 3, spatial: [13, 13] },
  // Stride larger than the kernel skips input pixels.
  { kernel: [2, 2], stride: [3, 3], padding: 2, dilation: [1, 1], grouping: 'depthwiseX2', bias: false, batch: 1, spatial: [11, 7] },
];

// onnxruntime refuses auto_pad with dilation ("Dilation not supported for
// AutoPadType::SAME_UPPER"), so dilated 'same' cases pass SAME_UPPER's pads explicitly.
function padsAttr(c: ConvCase): Record<string, AttributeInput> {
  const p = c.padding;
  if (p === 'same') return c.dilation.some((d) => d > 1) ? { pads: sameUpperPads(c.spatial, c.kernel, c.stride, c.dilation) } : { auto_pad: 'SAME_UPPER' };
  if (p === 'valid') return { auto_pad: 'VALID' };
  const [ph, pw] = typeof p === 'number' ? [p, p] : p;
  return { pads: [ph, pw, ph, pw] };
}

function describeCase(c: ConvCase): string {
  const { c: ch, oc, groups } = GROUPINGS[c.grouping];
  return `x[${c.batch},${ch},${c.spatial}] w[${oc},${ch / groups},${c.kernel}] groups ${groups} (${c.grouping}) ` +
    `stride ${c.stride} pad ${JSON.stringify(c.padding)} dilation ${c.dilation}${c.bias ? ' +bias' : ''}`;
}

const worst = new WorstError('Conv');
after(() => console.log(worst.summary()));

async function checkCase(c: ConvCase, seed: number): Promise<void> {
  const { c: ch, oc, groups } = GROUPINGS[c.grouping];
  const x = random([c.batch, ch, ...c.spatial], seed);
  const w = random([oc, ch / groups, ...c.kernel], seed + 1);
  const b: Values | null = c.bias ? random([oc], seed + 2) : null;
  const feeds: Record<string, Values> = b ? { x, w, b } : { x, w };
  const attrs = { kernel_shape: c.kernel, strides: c.stride, dilations: c.dilation, group: groups, ...padsAttr(c) };
  const ort = await runOrtOp('Conv', feeds, attrs);
  // The same conv on |inputs| gives each output's sum of |terms|: the scale of its rounding.
  const terms = await runOrtOp('Conv', Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, absValues(v)])), attrs);
  const ours = runOurs([x, w, b], (xt, wt, bt) => conv2d(xt!, wt!, bt, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups }));
  worst.check(describeCase(c), ours, ort, { scale: peakOf(terms.data) });
}

describe('Conv matches onnxruntime', () => {
  const cases = sweep(20240611, SWEEP_SIZE);

  it('the sweep covers every value of every axis', () => {
    // Spatial sizes may be widened to fit a window, so only the other axes are checked.
    for (const [axis, values] of Object.entries(AXES)) {
      if (axis === 'spatial') continue;
      for (const v of values as unknown[]) {
        const seen = cases.some((c) => JSON.stringify(c[axis as keyof ConvCase]) === JSON.stringify(v));
        assert.ok(seen, `no sweep case has ${axis} = ${JSON.stringify(v)}`);
      }
    }
    assert.ok(cases.length >= 60, `the sweep has ${cases.length} cases`);
  });

  cases.forEach((c, i) => it(`sweep ${i}: ${describeCase(c)}`, () => checkCase(c, 1000 + 10 * i)));
  EDGES.forEach((c, i) => it(`edge ${i}: ${describeCase(c)}`, () => checkCase(c, 5000 + 10 * i)));
});
