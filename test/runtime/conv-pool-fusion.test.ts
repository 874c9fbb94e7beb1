// A conv followed by a 2x2 stride-2 max pool runs as one plan node (fuse.ts), where the sparse
// direct kernels take the window max on their accumulators, and the planner also times the conv
// then the pool. Both ways must give the same outputs: uint8 codes exactly, float32 within
// 1e-5 relative, on random shapes (odd sizes, where floor mode drops the last row and column),
// pruned rows and fully pruned channels, no clamp / ReLU / ReLU6, float weights, int8 codes
// with float activations and with uint8 activations, on one and two threads. Weight scales
// that are not all positive keep the fused kernels out (the max would not commute with them).
// A LeNet-5 .pqm (95% pruned, int8) gives the same logits either way.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { Session, type DeployModel, type GraphNode, type WeightTensor } from '../../src/runtime/index.js';
import { randomFloats } from '../helpers/assert.js';
import { int8ZooModel } from '../helpers/int8-graphs.js';

type Clamp = 'none' | 'ReLU' | 'ReLU6';
type Weights = 'f32' | 'codes';

interface Spec {
  c: number; h: number; w: number; oc: number; k: number; pad: number; dil: number;
  sparsity: number; clamp: Clamp; weights: Weights;
  /** uint8 activations: a quantized input and conv output (int8 kernels with activations 'u8'). */
  quantized: boolean;
  /** Give one output channel a negative weight scale. */
  negativeScale?: boolean;
  seed: number;
}

const U8 = (scale: number, zeroPoint: number) => ({ dtype: 'uint8' as const, scale, zeroPoint });

/** A conv (row 1 fully pruned, the rest pruned at random), its clamp, a 2x2 max pool, and a second pool-free conv reading it. */
function convPoolModel(s: Spec): DeployModel {
  const taps = s.c * s.k * s.k;
  const raw = randomFloats(s.oc * taps, s.seed, -1, 1);
  const keep = randomFloats(s.oc * taps, s.seed + 1, 0, 1);
  for (let i = 0; i < raw.length; i++) if (keep[i]! < s.sparsity || Math.floor(i / taps) === 1) raw[i] = 0;
  let weight: WeightTensor;
  const shape = [s.oc, s.c, s.k, s.k];
  if (s.weights === 'f32') {
    weight = { shape, indices: null, values: raw, codes: null, quant: null };
  } else {
    const scales = Float32Array.from({ length: s.oc }, (_, r) => (r === 0 && s.negativeScale ? -1 : 1) / 100);
    const codes = Int32Array.from(raw, (v, i) => Math.max(-127, Math.min(127, Math.round(v * 127))) * Math.sign(scales[Math.floor(i / taps)]!));
    weight = { shape, indices: null, values: null, codes, quant: { bits: 8, qmin: -127, qmax: 127, scales, zeroPoints: new Int32Array(s.oc) } };
  }
  const bias = randomFloats(s.oc, s.seed + 2, -0.5, 0.5);
  // Conv outputs spread over about +-3; their grid covers that at a zero point inside it.
  const convQuant = s.quantized ? U8(6 / 255, s.clamp === 'none' ? 128 : 0) : null;
  const nodes: GraphNode[] = [{
    op: 'Conv2d', name: 'conv', inputs: [0], outputQuant: s.clamp === 'none' ? convQuant : null, outChannels: s.oc, kernel: [s.k, s.k],
    stride: [1, 1], dilation: [s.dil, s.dil], pads: [s.pad, s.pad, s.pad, s.pad], groups: 1, weight, bias,
  }];
  if (s.clamp !== 'none') nodes.push({ op: 'Activation', name: 'act', inputs: [1], outputQuant: convQuant, kind: s.clamp, alpha: 0 });
  nodes.push({ op: 'MaxPool2d', name: 'pool', inputs: [nodes.length], outputQuant: null, kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], countIncludePad: false });
  return {
    inputShape: [s.c, s.h, s.w], preprocessing: { layout: 'nchw', range: '0-1', mean: new Array<number>(s.c).fill(0), std: new Array<number>(s.c).fill(1) },
    inputQuant: s.quantized ? U8(1 / 255, 0) : null, nodes, meta: {},
  };
}

/** Runs the model with the conv forced onto kernels whose name contains `kernel`; returns the output and the conv's layer. */
function runWith(model: DeployModel, x: Float32Array, n: number, kernel: string, activations: 'u8' | 'f32', threads: number) {
  const s = Session.fromModel(model, { batch: n, threads, kernels: { conv: kernel }, choose: 'first', activations });
  try {
    const layer = s.explain().find((l) => l.node === 'conv')!;
    return { y: s.runSync(x, [n, ...model.inputShape]), layer };
  } finally {
    s.dispose();
  }
}

function expectClose(what: string, got: Float32Array, want: Float32Array, exact: boolean): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) {
    const ok = exact ? got[i] === want[i] : Math.abs(got[i]! - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!));
    if (!ok) assert.fail(`${what}: output ${i} = ${got[i]} fused, ${want[i]} conv then pool`);
  }
}

const SHAPES: Pick<Spec, 'c' | 'h' | 'w' | 'oc' | 'k' | 'pad' | 'dil'>[] = [
  { c: 1, h: 28, w: 28, oc: 6, k: 5, pad: 2, dil: 1 },  // LeNet-5's first conv: 28x28 -> 14x14
  { c: 3, h: 9, w: 11, oc: 5, k: 3, pad: 0, dil: 1 },   // 7x9 (odd): the last row and column are dropped
  { c: 2, h: 6, w: 21, oc: 4, k: 2, pad: 1, dil: 1 },   // 7x22 -> 3x11
  { c: 4, h: 13, w: 12, oc: 3, k: 3, pad: 1, dil: 2 },  // dilated: 11x10 -> 5x5
  { c: 2, h: 4, w: 4, oc: 3, k: 3, pad: 0, dil: 1 },    // 2x2 -> 1x1
];

describe('conv + 2x2 max pool fusion', () => {
  after(() => setThreads(2));

  const modes: { weights: Weights; quantized: boolean; kernel: string; activations: 'u8' | 'f32' }[] = [
    { weights: 'f32', quantized: false, kernel: 'f32_spmm_32x1_maxpool2x2', activations: 'f32' },
    { weights: 'codes', quantized: false, kernel: 'f32_qc8w_spmm_32x1_maxpool2x2', activations: 'f32' },
    { weights: 'codes', quantized: true, kernel: 'qu8_spmm_maxpool2x2', activations: 'u8' },
    { weights: 'codes', quantized: true, kernel: 'f32_qc8w_spmm_32x1_maxpool2x2', activations: 'f32' },
  ];
  for (const mode of modes) {
    it(`${mode.kernel} with ${mode.activations} activations equals conv then pool`, () => {
      let seed = 10;
      for (const shape of SHAPES) {
        for (const clamp of ['none', 'ReLU', 'ReLU6'] as const) {
          const spec: Spec = { ...shape, sparsity: 0.7, clamp, weights: mode.weights, quantized: mode.quantized, seed: seed++ };
          const model = convPoolModel(spec);
          const n = 3;
          const x = randomFloats(n * shape.c * shape.h * shape.w, seed + 100, 0, 1);
          for (const threads of [1, 2]) {
            const fused = runWith(model, x, n, mode.kernel, mode.activations, threads);
            const unfused = runWith(model, x, n, ' + ', mode.activations, threads);
            const what = `${JSON.stringify(spec)} ${threads} thread(s)`;
            assert.ok(fused.layer.chosen.includes(mode.kernel), `${what}: chose ${fused.layer.chosen}`);
            assert.match(unfused.layer.chosen, /maxpool2d/, what);
            assert.deepEqual(fused.layer.fused, clamp === 'none' ? ['pool'] : ['act', 'pool'], what);
            const [oh, ow] = [shape.h, shape.w].map((d) => d + 2 * shape.pad - shape.dil * (shape.k - 1));
            assert.deepEqual(fused.layer.outputShape, [shape.oc, oh! >> 1, ow! >> 1], what);
            expectClose(what, fused.y, unfused.y, mode.activations === 'u8');
          }
        }
      }
    });
  }

  it('a negative weight scale keeps the fused kernels out, and conv then pool still runs', () => {
    for (const quantized of [false, true]) {
      const model = convPoolModel({ ...SHAPES[1]!, sparsity: 0.5, clamp: 'ReLU', weights: 'codes', quantized, negativeScale: true, seed: 7 });
      for (const activations of quantized ? ['u8', 'f32'] as const : ['f32'] as const) {
        const s = Session.fromModel(model, { batch: 2, activations, timingRuns: 1 });
        const layer = s.explain().find((l) => l.node === 'conv')!;
        assert.deepEqual(layer.fused, ['act', 'pool']);
        assert.ok(layer.candidates.length > 0 && layer.candidates.every((c) => !c.kernel.includes('maxpool2x2')), JSON.stringify(layer.candidates));
        s.dispose();
      }
    }
  });

  it('pools that are not 2x2 stride 2 without padding stay their own node', () => {
    const base = convPoolModel({ ...SHAPES[0]!, sparsity: 0.5, clamp: 'ReLU', weights: 'f32', quantized: false, seed: 3 });
    for (const pool of [{ kernel: [3, 3], stride: [2, 2], pads: [0, 0, 0, 0] }, { kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0] }, { kernel: [2, 2], stride: [2, 2], pads: [1, 1, 1, 1] }]) {
      const nodes = base.nodes.map((n) => (n.op === 'MaxPool2d' ? { ...n, ...pool } as GraphNode : n));
      const s = Session.fromModel({ ...base, nodes }, { batch: 1, choose: 'first' });
      const layers = s.explain();
      assert.deepEqual(layers.map((l) => l.op), ['Conv2d', 'MaxPool2d'], JSON.stringify(pool));
      assert.deepEqual(layers[0]!.fused, ['act']);
      s.dispose();
    }
  });

  it('a LeNet-5 .pqm (95% pruned, int8 weights, uint8 activations) gives the same logits fused and unfused', async () => {
    const { bytes, data } = int8ZooModel('lenet5', 0.95, 5);
    const n = 16;
    const raw = data.test.images.slice(0, n * 784);
    const pooledConvs = ['conv0', 'conv3'];
    for (const activations of ['u8', 'f32'] as const) {
      for (const threads of [1, 2]) {
        const run = async (kernel: string) => {
          const s = await Session.create(bytes, { batch: n, threads, activations, choose: 'first', kernels: Object.fromEntries(pooledConvs.map((c) => [c, kernel])) });
          const layers = s.explain();
          const y = s.runSync(raw, [n, 1, 28, 28]);
          s.dispose();
          return { y, layers };
        };
        const fused = await run('maxpool2x2');
        const unfused = await run(' + ');
        for (const c of pooledConvs) {
          const l = fused.layers.find((x) => x.node === c)!;
          assert.ok(l.chosen.includes('maxpool2x2') && l.fused.some((f) => f.startsWith('maxpool')), `${c}: ${l.chosen}, fused ${l.fused}`);
        }
        assert.ok(!fused.layers.some((l) => l.op === 'MaxPool2d'), 'a pool after a conv stayed a node');
        expectClose(`lenet5 ${activations} ${threads} thread(s)`, fused.y, unfused.y, activations === 'u8');
      }
    }
  });
});
