// Stride-2 int8 convs run two ways on uint8 activations: a uint8 im2col then the sparse kernel,
// or the input split into its 2x2 phases (u8_pad2d_phases) then the direct sparse kernel. Both
// compute the same int32 sums and the same epilogue, so the codes must be equal, bit for bit in
// the float outputs: 3x3 pad 1 and 1x1 pad 0 on even and odd sizes (ResNet-20's 28x28 and 14x14,
// 9x11, 7x7, 5x1), asymmetric padding, a fully pruned output channel, no clamp and ReLU, on one
// and two threads and on fewer images than the batch.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { Session, type DeployModel, type GraphNode, type Pads } from '../../src/runtime/index.js';
import { randomFloats } from '../helpers/assert.js';

interface Spec { c: number; h: number; w: number; oc: number; k: number; pads: Pads; relu: boolean; seed: number }

function stridedModel(s: Spec): DeployModel {
  const taps = s.c * s.k * s.k;
  const raw = randomFloats(s.oc * taps, s.seed, -1, 1), keep = randomFloats(s.oc * taps, s.seed + 1, 0, 1);
  const codes = Int32Array.from(raw, (v, i) => (keep[i]! < 0.8 || Math.floor(i / taps) === 1 ? 0 : Math.round(v * 127)));
  const scales = Float32Array.from({ length: s.oc }, (_, r) => (1 + r / s.oc) / (30 * Math.sqrt(taps)));
  const q = { dtype: 'uint8' as const, scale: 4 / 255, zeroPoint: s.relu ? 0 : 128 };
  const nodes: GraphNode[] = [{
    op: 'Conv2d', name: 'conv', inputs: [0], outputQuant: s.relu ? null : q, outChannels: s.oc, kernel: [s.k, s.k], stride: [2, 2], dilation: [1, 1],
    pads: s.pads, groups: 1, bias: randomFloats(s.oc, s.seed + 2, -0.5, 0.5),
    weight: { shape: [s.oc, s.c, s.k, s.k], indices: null, values: null, codes, quant: { bits: 8, qmin: -127, qmax: 127, scales, zeroPoints: new Int32Array(s.oc) } },
  }];
  if (s.relu) nodes.push({ op: 'Activation', name: 'act', inputs: [1], outputQuant: q, kind: 'ReLU', alpha: 0 });
  return {
    inputShape: [s.c, s.h, s.w], preprocessing: { layout: 'nchw', range: '0-1', mean: new Array<number>(s.c).fill(0), std: new Array<number>(s.c).fill(1) },
    inputQuant: { dtype: 'uint8', scale: 1 / 255, zeroPoint: 3 }, nodes, meta: {},
  };
}

describe('stride-2 int8 convs through 2x2 phases', () => {
  after(() => setThreads(2));

  it('equal the im2col path bit for bit', () => {
    const specs: Omit<Spec, 'seed'>[] = [
      { c: 3, h: 28, w: 28, oc: 5, k: 3, pads: [1, 1, 1, 1], relu: true },
      { c: 4, h: 14, w: 14, oc: 6, k: 3, pads: [1, 1, 1, 1], relu: false },
      { c: 2, h: 9, w: 11, oc: 3, k: 3, pads: [1, 1, 1, 1], relu: true },
      { c: 3, h: 7, w: 7, oc: 4, k: 3, pads: [0, 1, 2, 0], relu: false },
      { c: 3, h: 28, w: 28, oc: 4, k: 1, pads: [0, 0, 0, 0], relu: false },
      { c: 2, h: 5, w: 1, oc: 3, k: 1, pads: [0, 0, 0, 0], relu: true },
    ];
    specs.forEach((spec, i) => {
      const model = stridedModel({ ...spec, seed: 20 + 3 * i });
      const batch = 4;
      for (const threads of [1, 2]) {
        for (const n of [batch, 3]) {
          const x = randomFloats(n * spec.c * spec.h * spec.w, i + n, 0, 1);
          const run = (kernel: string) => {
            const s = Session.fromModel(model, { batch, threads, activations: 'u8', choose: 'first', kernels: { conv: kernel } });
            try {
              assert.equal(s.explain()[0]!.chosen, kernel);
              return s.runSync(x, [n, spec.c, spec.h, spec.w]);
            } finally {
              s.dispose();
            }
          };
          const phases = run('qu8 sparse phases (qu8_spmm)'), im2col = run('qu8 sparse im2col (qu8_spmm)');
          const what = `${JSON.stringify(spec)} ${threads} thread(s) ${n} images`;
          assert.equal(phases.length, im2col.length, what);
          for (let j = 0; j < phases.length; j++) if (!Object.is(phases[j], im2col[j])) assert.fail(`${what}: output ${j} = ${phases[j]}, im2col ${im2col[j]}`);
        }
      }
    });
  });
});
