// A residual Add joins the conv that computes one of its inputs (fuse.ts, uint8 activations),
// where qu8_spmm_add reads the add's other input in its epilogue, and the planner also times the
// conv then qu8_add. Fused, unfused within the fused plan (conv then add), and not fused at all
// (fuseResidual: false) must give the same codes, so the same float outputs bit for bit: on a
// small hand-built residual network (odd sizes, a fully pruned output channel, the conv as the
// add's first and second input, a strided shortcut conv run through im2col, a 1x1 conv on rows
// narrower than 8, ReLU, no activation and ReLU6 after the add), on one and two threads and on
// fewer images than the batch; and on ResNet-20 (90% pruned, int8, uint8 activations) with MNIST
// images, where the predictions must also agree.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { createModel } from '../../src/nn/index.js';
import { pruneModel, postTrainingQuantize, quantizationMeta } from '../../src/compress/index.js';
import { batchSource, loadDataset } from '../../src/data/index.js';
import { toDeployModel } from '../../src/io/index.js';
import { Session, encodePqm, type ActivationQuant, type DeployModel, type GraphNode, type SessionOptions } from '../../src/runtime/index.js';
import { randomFloats } from '../helpers/assert.js';

const U8 = (scale: number, zeroPoint: number): ActivationQuant => ({ dtype: 'uint8', scale, zeroPoint });

let seed = 40;
/** A conv with int8 codes (70% pruned at random; `emptyRow` fully pruned) and a bias. */
function conv(name: string, input: number, cin: number, cout: number, k: number, stride: number, outputQuant: ActivationQuant | null, emptyRow = -1): GraphNode {
  const taps = cin * k * k;
  const raw = randomFloats(cout * taps, seed++, -1, 1), keep = randomFloats(cout * taps, seed++, 0, 1);
  const codes = Int32Array.from(raw, (v, i) => (keep[i]! < 0.7 || Math.floor(i / taps) === emptyRow ? 0 : Math.round(v * 127)));
  const scales = Float32Array.from({ length: cout }, (_, r) => (1 + r / cout) / (100 * Math.sqrt(taps)));
  const pad = (k - 1) >> 1;
  return {
    op: 'Conv2d', name, inputs: [input], outputQuant, outChannels: cout, kernel: [k, k], stride: [stride, stride], dilation: [1, 1],
    pads: [pad, pad, pad, pad], groups: 1, bias: randomFloats(cout, seed++, -0.3, 0.3),
    weight: { shape: [cout, cin, k, k], indices: null, values: null, codes, quant: { bits: 8, qmin: -127, qmax: 127, scales, zeroPoints: new Int32Array(cout) } },
  };
}

const relu = (name: string, input: number, q: ActivationQuant, kind: 'ReLU' | 'ReLU6' = 'ReLU'): GraphNode => ({ op: 'Activation', name, inputs: [input], outputQuant: q, kind, alpha: 0 });
const add = (name: string, inputs: number[], q: ActivationQuant | null): GraphNode => ({ op: 'Add', name, inputs, outputQuant: q });

/** Two residual blocks and a 1x1 one on a 4 x 9 x 11 input; node ids are 1-based, 0 the input. */
function smallResNet(): DeployModel {
  const nodes: GraphNode[] = [
    conv('convA', 0, 4, 4, 3, 1, null),                 // 1
    relu('reluA', 1, U8(4 / 255, 0)),                    // 2
    conv('convB', 2, 4, 4, 3, 1, U8(6 / 255, 128), 1),   // 3: output channel 1 fully pruned
    add('addB', [3, 0], null),                           // 4: the conv is the first input, the block input the second
    relu('reluB', 4, U8(5 / 255, 0)),                    // 5
    conv('convC', 5, 4, 6, 3, 2, null),                  // 6: 9x11 -> 5x6
    relu('reluC', 6, U8(4 / 255, 0)),                    // 7
    conv('convD', 7, 6, 6, 3, 1, U8(6 / 255, 120)),      // 8
    conv('convS', 5, 4, 6, 1, 2, U8(6 / 255, 130), 2),   // 9: the strided shortcut, planned after convD
    add('addS', [8, 9], U8(8 / 255, 128)),               // 10: the shortcut is the second input; no activation
    conv('convF', 10, 6, 6, 1, 1, U8(7 / 255, 125)),     // 11: rows of 6
    add('addF', [11, 10], null),                         // 12
    relu('reluF', 12, U8(6 / 255, 0), 'ReLU6'),          // 13: ReLU6 keeps qu8_spmm_add out
  ];
  return {
    inputShape: [4, 9, 11], preprocessing: { layout: 'nchw', range: '0-1', mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
    inputQuant: U8(1 / 255, 0), nodes, meta: {},
  };
}

function run(model: DeployModel, x: Float32Array, n: number, opts: SessionOptions) {
  const s = Session.fromModel(model, { activations: 'u8', ...opts });
  try {
    return { y: s.runSync(x, [n, ...model.inputShape]), layers: s.explain() };
  } finally {
    s.dispose();
  }
}

function expectSame(what: string, got: Float32Array, want: Float32Array): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: output ${i} = ${got[i]}, unfused ${want[i]}`);
}

describe('residual add fused into the conv before it', () => {
  after(() => setThreads(2));

  it('a small residual network gives the same outputs fused, conv then add, and unfused', () => {
    const model = smallResNet();
    const batch = 4;
    for (const threads of [1, 2]) {
      for (const n of [batch, 3]) {
        const x = randomFloats(n * 4 * 9 * 11, 7 + n, 0, 1);
        const what = `${threads} thread(s), ${n} of ${batch} images`;
        const unfused = run(model, x, n, { batch, threads, choose: 'first', fuseResidual: false });
        assert.deepEqual(unfused.layers.filter((l) => l.op === 'Add').map((l) => l.node), ['addB', 'addS', 'addF'], what);
        const fused = run(model, x, n, { batch, threads, choose: 'first', kernels: { convB: '+add', convS: '+add' } });
        const layer = (name: string) => fused.layers.find((l) => l.node === name)!;
        assert.ok(!fused.layers.some((l) => l.op === 'Add'), `${what}: an add stayed a node`);
        assert.deepEqual(layer('convB').fused, ['addB', 'reluB'], what);
        assert.deepEqual(layer('convS').fused, ['addS'], what);
        assert.deepEqual(layer('convF').fused, ['addF', 'reluF'], what);
        assert.equal(layer('convB').chosen, 'qu8 sparse direct+add (qu8_spmm_add)', what);
        assert.equal(layer('convS').chosen, 'qu8 sparse im2col+add (qu8_spmm_add)', what);
        // ReLU6 after the add: only conv then add applies.
        assert.ok(layer('convF').candidates.every((c) => c.kernel.includes(' + ')), JSON.stringify(layer('convF').candidates));
        expectSame(`fused, ${what}`, fused.y, unfused.y);
        const apart = run(model, x, n, { batch, threads, choose: 'first', kernels: { convB: ' + ', convS: ' + ', convF: ' + ' } });
        assert.match(apart.layers.find((l) => l.node === 'convB')!.chosen, /qu8_spmm\) \+ qu8 \(qu8_add\)/, what);
        expectSame(`conv then add, ${what}`, apart.y, unfused.y);
      }
    }
  });

  it('a timed plan keeps the fusion in explain() and the same outputs', () => {
    const model = smallResNet();
    const x = randomFloats(2 * 4 * 9 * 11, 3, 0, 1);
    const timed = run(model, x, 2, { batch: 2, threads: 2, timingRuns: 1 });
    const convB = timed.layers.find((l) => l.node === 'convB')!;
    // Both ways are timed: the fused kernel and the conv's kernels each followed by qu8_add.
    assert.ok(convB.candidates.some((c) => c.kernel.includes('+add')) && convB.candidates.some((c) => c.kernel.endsWith('+ qu8 (qu8_add)')), JSON.stringify(convB.candidates));
    expectSame('timed', timed.y, run(model, x, 2, { batch: 2, threads: 2, choose: 'first', fuseResidual: false }).y);
  });

  it('float32 activations never fuse the add', () => {
    const s = Session.fromModel(smallResNet(), { batch: 2, activations: 'f32', choose: 'first' });
    assert.deepEqual(s.explain().filter((l) => l.op === 'Add').map((l) => l.node), ['addB', 'addS', 'addF']);
    s.dispose();
  });

  it('ResNet-20 (90% pruned, int8) gives the same logits and predictions fused and unfused', async () => {
    const data = loadDataset('mnist', { limit: 128 });
    const NORM = { mean: 0.1307, std: 0.3081 };
    const model = createModel('resnet20', { seed: 4 });
    pruneModel(model, { sparsity: 0.9, scope: 'layer' });
    const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source: batchSource(data.train, { normalization: NORM }), batches: 2, batchSize: 64 } });
    const bytes = encodePqm(toDeployModel(q.model, { meta: { quantization: quantizationMeta(q), normalization: NORM } }));
    model.dispose();
    const n = 16;
    const raw = data.test.images.slice(0, n * 784);
    const argmax = (y: Float32Array) => Array.from({ length: n }, (_, i) => {
      const row = Array.from(y.subarray(i * 10, i * 10 + 10));
      return row.indexOf(Math.max(...row));
    });
    for (const threads of [1, 2]) {
      const go = async (fuseResidual: boolean) => {
        const s = await Session.create(bytes, { batch: n, threads, activations: 'u8', choose: 'first', fuseResidual });
        const out = { y: s.runSync(raw, [n, 1, 28, 28]), layers: s.explain() };
        s.dispose();
        return out;
      };
      const fused = await go(true), unfused = await go(false);
      assert.equal(unfused.layers.filter((l) => l.op === 'Add').length, 9);
      assert.equal(fused.layers.filter((l) => l.op === 'Add').length, 0);
      assert.equal(fused.layers.filter((l) => l.chosen.includes('qu8_spmm_add')).length, 9, fused.layers.map((l) => l.chosen).join('; '));
      expectSame(`resnet20 ${threads} thread(s)`, fused.y, unfused.y);
      assert.deepEqual(argmax(fused.y), argmax(unfused.y));
    }
  });
});
