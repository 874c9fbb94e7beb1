/**
 * Pooling forward parity with onnxruntime-node: MaxPool over kernels, strides, paddings
 * (numbers, 'same' with its asymmetric end padding) and dilations; AveragePool with both
 * count_include_pad settings; GlobalAveragePool. Inputs span negative values, so a max
 * window that takes padding as 0 rather than -inf would show.
 */
import { after, describe, it } from 'node:test';
import type { AttributeInput } from '../../src/io/onnx/index.js';
import { avgPool2d, createRng, globalAvgPool2d, maxPool2d, type Padding } from '../../src/tensor/index.js';
import { random, runOrtOp, runOurs, sameUpperPads, WorstError } from './parity.js';

type Pair = [number, number];

const KERNELS: Pair[] = [[2, 2], [3, 3], [3, 2]];
const STRIDES: Pair[] = [[1, 1], [2, 2], [3, 3], [1, 2]];
const PADDINGS: Padding[] = [0, 1, 'same'];
const SPATIAL: Pair[] = [[7, 7], [9, 11], [8, 8], [13, 5]];

interface PoolCase {
  kernel: Pair; stride: Pair; padding: Padding; dilation: Pair; batch: number; channels: number; spatial: Pair;
}

/** Every kernel x stride x padding (x dilation), with batch, channels and size drawn per case. */
function grid(seed: number, dilations: Pair[]): PoolCase[] {
  const rng = createRng(seed);
  const out: PoolCase[] = [];
  for (const kernel of KERNELS) for (const stride of STRIDES) for (const padding of PADDINGS) for (const dilation of dilations) {
    out.push({ kernel, stride, padding, dilation, batch: 1 + 2 * rng.int(2), channels: 1 + rng.int(4), spatial: SPATIAL[rng.int(SPATIAL.length)]! });
  }
  return out;
}

/**
 * ONNX pads for a case. onnxruntime refuses auto_pad with dilation, so dilated 'same'
 * passes SAME_UPPER's pads explicitly; it also wants each explicit pad below the kernel,
 * which holds for every case here (checked when the model is built).
 */
function padsAttr(c: PoolCase): Record<string, AttributeInput> {
  if (c.padding === 'same') {
    return c.dilation.some((d) => d > 1) ? { pads: sameUpperPads(c.spatial, c.kernel, c.stride, c.dilation) } : { auto_pad: 'SAME_UPPER' };
  }
  const p = c.padding as number;
  return { pads: [p, p, p, p] };
}

const label = (c: PoolCase) =>
  `x[${c.batch},${c.channels},${c.spatial}] kernel ${c.kernel} stride ${c.stride} pad ${JSON.stringify(c.padding)} dilation ${c.dilation}`;

const worstMax = new WorstError('MaxPool');
const worstAvg = new WorstError('AveragePool');
const worstGlobal = new WorstError('GlobalAveragePool');
after(() => { for (const w of [worstMax, worstAvg, worstGlobal]) console.log(w.summary()); });

describe('MaxPool matches onnxruntime', () => {
  grid(71, [[1, 1], [2, 2]]).forEach((c, i) => it(label(c), async () => {
    const x = random([c.batch, c.channels, ...c.spatial], 300 + i);
    const ort = await runOrtOp('MaxPool', { x }, { kernel_shape: c.kernel, strides: c.stride, dilations: c.dilation, ...padsAttr(c) });
    const ours = runOurs([x], (t) => maxPool2d(t!, { kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation }));
    worstMax.check(label(c), ours, ort);
  }));
});

describe('AveragePool matches onnxruntime', () => {
  for (const countIncludePad of [false, true]) {
    grid(72 + Number(countIncludePad), [[1, 1]]).forEach((c, i) => {
      const what = `${label(c)} count_include_pad ${Number(countIncludePad)}`;
      it(what, async () => {
        const x = random([c.batch, c.channels, ...c.spatial], 600 + 100 * Number(countIncludePad) + i);
        const ort = await runOrtOp('AveragePool', { x }, {
          kernel_shape: c.kernel, strides: c.stride, count_include_pad: Number(countIncludePad), ...padsAttr(c),
        });
        const ours = runOurs([x], (t) => avgPool2d(t!, { kernel: c.kernel, stride: c.stride, padding: c.padding, countIncludePad }));
        worstAvg.check(what, ours, ort);
      });
    });
  }
});

describe('GlobalAveragePool matches onnxruntime', () => {
  const shapes = [[1, 1, 1, 1], [3, 4, 7, 7], [2, 5, 13, 11], [1, 3, 1, 9], [2, 64, 8, 8]];
  shapes.forEach((dims, i) => it(`x[${dims}]`, async () => {
    const x = random(dims, 900 + i);
    const ort = await runOrtOp('GlobalAveragePool', { x });
    const ours = runOurs([x], (t) => globalAvgPool2d(t!));
    worstGlobal.check(`x[${dims}]`, ours, ort);
  }));
});
