// Halo frames (plan/frames.ts): a uint8 value that padded direct convs read is held inside a
// halo of its zero point, written in place by the kernel that computes it, so no run pads a copy.
// chooseFrames on hand-made nodes: which values get a frame and how wide. On a small network that
// routes values through every kernel that reads or writes frames (direct, direct+add reading its
// residual from a frame, direct+maxpool2x2 writing its pooled output into one, im2col and phases
// writing into one, a 1x1 conv reading a wider frame than its pads) and through ones that cannot
// (strided convs' inputs, the dense int8 conv, float32 kernels), and convs run flat over a whole
// framed plane with the halo's columns masked back to the zero point, outputs with frames equal those
// without, bit for bit, on one and two threads, on fewer images than the batch and run after run
// (a kernel that wrote a halo would show on the next run). ResNet-20 (90% pruned, int8) likewise.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { Session, type DeployModel, type GraphNode, type LayerChoice, type SessionOptions } from '../../src/runtime/index.js';
import { chooseFrames, type FrameCandidate, type FrameUse } from '../../src/runtime/plan/frames.js';
import type { PlanNode } from '../../src/runtime/plan/fuse.js';
import type { Value } from '../../src/runtime/plan/values.js';
import { randomFloats } from '../helpers/assert.js';
import { U8, add, convBuilder, int8ZooModel, relu } from '../helpers/int8-graphs.js';

const maxPool = (name: string, input: number): GraphNode => ({
  op: 'MaxPool2d', name, inputs: [input], outputQuant: null, kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], countIncludePad: false,
});

/** Node ids are 1-based, 0 the input; the comments say which values should get frames. */
function network(): DeployModel {
  // Outputs of about a third of their grids' ranges, so that codes spread over dozens of steps.
  const conv = convBuilder(70, 25);
  const nodes: GraphNode[] = [
    conv('convA', 0, 3, 4, 3, 1, null),                  // 1
    relu('reluA', 1, U8(4 / 255, 0)),                     // 2: framed (convA2 reads it padded, convB as its residual)
    conv('convA2', 2, 4, 4, 3, 1, U8(4 / 255, 100), 2),  // 3: framed; flat (input and output framed alike); channel 2 fully pruned
    conv('convB', 3, 4, 4, 3, 1, U8(4 / 255, 128), 1),   // 4: flat with its fused add; output channel 1 fully pruned
    add('addB', [4, 2], null),                            // 5
    relu('reluB', 5, U8(6 / 255, 0)),                     // 6: framed, read by convD with pads 0
    conv('convC', 6, 4, 5, 3, 1, U8(6 / 255, 120)),      // 7: read only as convD's residual; framed as its input, so convC runs flat
    conv('convD', 6, 4, 5, 1, 1, U8(6 / 255, 130)),      // 8
    add('addD', [7, 8], U8(8 / 255, 128)),                // 9: read by a strided conv: no frame
    conv('convE', 9, 5, 6, 3, 2, U8(5 / 255, 125)),      // 10: 9x11 -> 5x6, written into a frame by im2col or phases
    conv('convF', 10, 6, 6, 3, 1, null),                  // 11: rows of 6 stay on stacked tiles
    relu('reluF', 11, U8(4 / 255, 0)),                    // 12
    maxPool('poolF', 12),                                 // 13: 2x3, written into a frame by the pooled conv
    conv('convG', 13, 6, 4, 3, 1, U8(16 / 255, 128)),    // 14: the output
  ];
  return {
    inputShape: [3, 9, 11], preprocessing: { layout: 'nchw', range: '0-1', mean: [0, 0, 0], std: [1, 1, 1] },
    inputQuant: U8(1 / 255, 0), nodes, meta: {},
  };
}

/** Each input's images through one session, in turn; an input's length says how many images it holds. */
function run(model: DeployModel, inputs: Float32Array[], opts: SessionOptions): { ys: Float32Array[]; layers: LayerChoice[] } {
  const s = Session.fromModel(model, { activations: 'u8', choose: 'first', ...opts });
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  try {
    return { ys: inputs.map((x) => s.runSync(x, [x.length / per, ...model.inputShape])), layers: s.explain() };
  } finally {
    s.dispose();
  }
}

function expectSame(what: string, got: Float32Array, want: Float32Array): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: output ${i} = ${got[i]}, without frames ${want[i]}`);
}

/**
 * Per route of the network below, how each node reaches its framed first input and output: in
 * place where its kernel can, through a copy where not (convB's dense int8 kernel, convC's,
 * convG's float32 one, the conv then its pool apart). The model's input is framed too, by the
 * runner, so convA runs flat.
 */
const P = 'in place', C = 'copied';
const EXPECTED: Record<string, { output: Record<string, string>; input: Record<string, string>; flat: string[] }> = {
  'first kernels': {
    output: { convA: P, convA2: P, convB: P, convC: P, convE: P, convF: P }, input: { convA: P, convA2: P, convB: P, convC: P, convD: P, convF: P, convG: P },
    flat: ['convA', 'convA2', 'convB', 'convC'],
  },
  // convE's phases run flat into its framed output.
  'phases, conv then add': {
    output: { convA: P, convA2: P, convB: C, convC: C, convE: P, convF: P }, input: { convA: P, convA2: P, convB: P, convC: C, convD: P, convF: P, convG: P },
    flat: ['convA', 'convA2', 'convE'],
  },
  'dense int8 and float32 readers': {
    output: { convA: P, convA2: P, convB: C, convC: P, convE: P, convF: C }, input: { convA: P, convA2: P, convB: C, convC: P, convD: P, convF: P, convG: C },
    flat: ['convA', 'convA2', 'convC'],
  },
};

/** Per node whose first input (or output) is framed: how its kernel reaches it. */
const framed = (layers: LayerChoice[], side: 'input' | 'output') => Object.fromEntries(layers.filter((l) => l.frames[side]).map((l) => [l.node, l.frames[side]]));

describe('halo frames', () => {
  after(() => setThreads(2));

  it('chooseFrames frames a value only where its producer writes frames, every reader reads them and one reads it padded', () => {
    const value = (id: number, dtype: 'u8' | 'f32' = 'u8'): Value => ({
      id, shape: [2, 5, 7], size: 70, dtype, grid: dtype === 'u8' ? { scale: 1, zeroPoint: 9 } : null, ptr: 0, stride: 70,
    });
    const node = (inputs: number[], output: number, use: FrameUse, pads: number[] | null = null, sparse = true): FrameCandidate => ({
      plan: { inputs, output } as PlanNode, pads, use, sparse,
    });
    const writes: FrameUse = { inputs: ['no'], output: true };
    const direct: FrameUse = { inputs: ['pads'], output: true };
    const directAdd: FrameUse = { inputs: ['pads', 'any'], output: true };
    const strided: FrameUse = { inputs: ['any'], output: true };
    const dense: FrameUse = { inputs: ['no'], output: false };
    const nodes = [
      node([0], 1, writes),
      node([1], 2, direct, [1, 1, 1, 1]),          // value 1: read padded, and as a residual (next line)
      node([2, 1], 3, directAdd, [2, 0, 1, 0]),    // value 2: the halo is the conv's pads, side by side
      node([3], 4, direct, [0, 0, 0, 0]),          // value 3: read with no pads and by a strided conv (node 28), and its conv
      //   cannot run flat (its residual's frame differs from its input's): no frame
      node([4], 5, direct, [1, 1, 1, 1]),          // value 4: also read by a dense conv that cannot read a frame: none
      node([4], 6, dense),
      node([3], 28, strided),
      node([6], 7, { inputs: ['pads'], output: false }, [1, 1, 1, 1]),   // value 6 framed; value 7's producer writes it through a copy
      node([7], 8, direct, [1, 1, 1, 1]),
      node([8], 9, direct, [1, 1, 1, 1]),          // value 8 excluded (as the model output would be)
      node([9], 10, direct, [1, 1, 1, 1]),         // value 9 is float32
      node([0], 11, writes),                       // value 11: read only as the residual of a node whose output is framed: framed alike
      node([0], 12, writes),
      node([12, 11], 13, directAdd, [1, 1, 1, 1]),
      node([13], 14, direct, [1, 1, 1, 1]),
      node([0], 15, { inputs: ['no'], output: false }), // value 15: read only as a residual, its producer cannot write a frame
      node([0], 16, writes),
      node([16, 15], 17, directAdd, [1, 1, 1, 1]),
      node([17], 18, direct, [1, 1, 1, 1]),
      node([0], 19, writes),                       // value 19: its only padded reader's weights are mostly nonzero
      node([19], 20, direct, [1, 1, 1, 1], false),
      node([0], 21, writes),                       // value 21 framed with a halo of 1...
      node([21], 22, direct, [1, 1, 1, 1]),        // ...so this conv runs flat: value 22 framed alike, read by a strided conv
      node([22], 23, strided),
      node([21], 24, direct, [0, 0, 0, 0]),        // value 24: its conv's pads are not the halo, no flat run, no frame
      node([24], 25, strided),
      node([21], 26, direct, [1, 1, 1, 1]),        // value 26: one reader cannot read a frame
      node([26], 27, dense),
    ];
    const frames = chooseFrames(nodes, (id) => value(id, id === 9 ? 'f32' : 'u8'), new Set([0, 8]));
    // Rows share their side halo: 7 + max(1, 1) columns.
    const f1 = { top: 1, left: 1, h: 7, w: 8 };
    assert.deepEqual([...frames.entries()].sort((a, b) => a[0] - b[0]), [
      [1, f1], [2, { top: 2, left: 0, h: 5 + 2 + 1, w: 7 }], [6, f1], [7, f1], [11, f1], [12, f1], [13, f1], [16, f1], [17, f1], [21, f1], [22, f1],
    ]);
    // A value no node computes (the model's input) is framed as any other, its readers permitting.
    const input = chooseFrames([node([30], 31, direct, [1, 1, 1, 1]), node([31], 32, direct, [1, 1, 1, 1])], (id) => value(id), new Set([32]), [30]);
    assert.deepEqual([...input.entries()].sort((a, b) => a[0] - b[0]), [[30, f1], [31, f1]]);
  });

  it('a small network gives the same outputs with and without frames, on every kernel that reads or writes them', () => {
    const model = network();
    // A full batch (whose last plane's last row reads its right halo from the buffer's slack),
    // then fewer images than the batch.
    const inputs = [randomFloats(4 * 3 * 9 * 11, 5, 0, 1), randomFloats(3 * 3 * 9 * 11, 6, 0, 1)];
    const routes: { what: string; kernels: Record<string, string> }[] = [
      { what: 'first kernels', kernels: {} },
      { what: 'phases, conv then add', kernels: { convE: 'phases', convD: ' + qu8 (qu8_add)', convB: ' + qu8 (qu8_add)', convC: 'dense gemm' } },
      { what: 'dense int8 and float32 readers', kernels: { convF: ' + ', convB: 'dense gemm', convG: 'via f32' } },
    ];
    for (const threads of [1, 2]) {
      for (const route of routes) {
        const opts = { batch: 4, threads, kernels: route.kernels };
        const withFrames = run(model, inputs, opts), plain = run(model, inputs, { ...opts, frames: false });
        withFrames.ys.forEach((y, i) => expectSame(`${route.what}, ${threads} thread(s), run ${i}`, y, plain.ys[i]!));
        assert.deepEqual([framed(plain.layers, 'input'), framed(plain.layers, 'output')], [{}, {}], 'frames: false');
        const want = EXPECTED[route.what]!;
        assert.deepEqual(framed(withFrames.layers, 'output'), want.output, `${route.what}: outputs`);
        assert.deepEqual(framed(withFrames.layers, 'input'), want.input, `${route.what}: inputs`);
        assert.deepEqual(withFrames.layers.filter((l) => l.frames.flat).map((l) => l.node), want.flat, `${route.what}: flat`);
      }
    }
  });

  it('the last row of the last plane reads its right halo from the buffer past it, which holds the zero point', () => {
    // Two 3x3 convs, the second reading the first's codes (zero point 100) flat (its output framed
    // for a 1x1 conv after it); the second's bottom-right tap on the last channel is nonzero in
    // every output channel, so the last pixel of the last image reads one byte past the framed
    // buffer's last plane.
    const conv = convBuilder(90, 25);
    const a = conv('a', 0, 3, 4, 3, 1, U8(4 / 255, 100));
    const b = conv('b', 1, 4, 3, 3, 1, U8(8 / 255, 128));
    const codes = b.op === 'Conv2d' ? b.weight.codes! : new Int32Array(0);
    for (let oc = 0; oc < 3; oc++) codes[oc * 36 + 35] = 90;
    const model: DeployModel = {
      inputShape: [3, 9, 11], preprocessing: { layout: 'nchw', range: '0-1', mean: [0, 0, 0], std: [1, 1, 1] },
      inputQuant: U8(1 / 255, 0), nodes: [a, b, conv('c', 2, 3, 2, 1, 1, U8(8 / 255, 128))], meta: {},
    };
    const inputs = [randomFloats(4 * 3 * 9 * 11, 8, 0, 1)];
    for (const threads of [1, 2]) {
      const withFrames = run(model, inputs, { batch: 4, threads }), plain = run(model, inputs, { batch: 4, threads, frames: false });
      assert.ok(withFrames.layers[1]!.frames.flat, JSON.stringify(withFrames.layers[1]!.frames));
      expectSame(`${threads} thread(s)`, withFrames.ys[0]!, plain.ys[0]!);
    }
  });

  it('ResNet-20 (90% pruned, int8) gives the same logits with and without frames', async () => {
    const { bytes, data } = int8ZooModel('resnet20', 0.9, 5);
    // A full batch: the last plane's last row reads its right halo from the buffer's slack.
    const n = 16;
    const raw = data.test.images.slice(0, n * 784);
    // The strided convs as im2col (the first kernel) and as phases, which split a frame whose
    // halo is their pads straight from its rows.
    const strided = ['conv24', 'conv29', 'conv47', 'conv52'];
    for (const kernels of [{}, Object.fromEntries(strided.map((name) => [name, 'phases']))]) {
      for (const threads of [1, 2]) {
        const go = async (frames: boolean) => {
          const s = await Session.create(bytes, { batch: 16, threads, activations: 'u8', choose: 'first', frames, kernels });
          const out = { y: s.runSync(raw, [n, 1, 28, 28]), layers: s.explain() };
          s.dispose();
          return out;
        };
        const framed = await go(true), plain = await go(false);
        const what = `resnet20 ${threads} thread(s)${Object.keys(kernels).length ? ', phases' : ''}`;
        expectSame(what, framed.y, plain.y);
        // Every 3x3 stride-1 conv but the first reads its input in place, and runs flat.
        const readers = framed.layers.filter((l) => l.op === 'Conv2d' && l.frames.input === 'in place' && l.frames.flat);
        assert.ok(readers.length >= 14, `${what}: ${readers.map((l) => l.node).join(' ')}`);
        const phases = framed.layers.filter((l) => l.chosen.includes('phases'));
        assert.equal(phases.length, Object.keys(kernels).length, what);
        assert.ok(phases.every((l) => l.frames.input === 'in place' && l.frames.flat), `${what}: ${JSON.stringify(phases.map((l) => l.frames))}`);
      }
    }
  });
});
