// A residual Add joins the conv that computes one of its inputs (fuse.ts, uint8 activations),
// where qu8_spmm_add adds the other input in its epilogue, in the real domain before its one
// rounding, and the planner also times the conv then qu8_add. On a small hand-built residual
// network (odd sizes, a fully pruned output channel, the conv as the add's first and second
// input, a strided shortcut conv run through im2col and through its 2x2 phases, a 1x1 conv on rows narrower than 8, ReLU,
// no activation and ReLU6 after the add), on one and two threads and on fewer images than the
// batch: each fused block's output is within one step of its grid of the unfused plan's
// (fuseResidual: false), and running the conv then the add inside the fused plan gives the
// unfused codes exactly. A conv whose step is coarser than the add's output keeps the fused
// kernel out. ResNet-20 (90% pruned, int8, uint8 activations) on MNIST images gives the same
// predictions fused and unfused.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { Session, type DeployModel, type GraphNode, type SessionOptions } from '../../src/runtime/index.js';
import { randomFloats } from '../helpers/assert.js';
import { U8, add, convBuilder, int8ZooModel, relu } from '../helpers/int8-graphs.js';

/**
 * Two residual blocks and a 1x1 one on a 4 x 9 x 11 input; node ids are 1-based, 0 the input.
 * `coarseConvB` gives convB a coarser step than its block's output; `fineConvD` gives the
 * downsampling block's main conv a finer step than its shortcut, so it takes the add instead.
 */
function smallResNet(coarseConvB = false, fineConvD = false): DeployModel {
  const conv = convBuilder(40, 100);
  const nodes: GraphNode[] = [
    conv('convA', 0, 4, 4, 3, 1, null),                 // 1
    relu('reluA', 1, U8(4 / 255, 0)),                    // 2
    conv('convB', 2, 4, 4, 3, 1, U8((coarseConvB ? 8 : 4) / 255, 128), 1), // 3: output channel 1 fully pruned
    add('addB', [3, 0], null),                           // 4: the conv is the first input, the block input the second
    relu('reluB', 4, U8(6 / 255, 0)),                    // 5
    conv('convC', 5, 4, 6, 3, 2, null),                  // 6: 9x11 -> 5x6
    relu('reluC', 6, U8(4 / 255, 0)),                    // 7
    conv('convD', 7, 6, 6, 3, 1, U8((fineConvD ? 5 : 6) / 255, 120)), // 8
    conv('convS', 5, 4, 6, 1, 2, U8(6 / 255, 130), 2),   // 9: the strided shortcut, planned after convD
    add('addS', [8, 9], U8(8 / 255, 128)),               // 10: the shortcut is the second input; no activation
    conv('convF', 10, 6, 6, 1, 1, U8(7 / 255, 125)),     // 11: rows of 6
    add('addF', [11, 10], null),                         // 12
    relu('reluF', 12, U8(8 / 255, 0), 'ReLU6'),          // 13: ReLU6 keeps qu8_spmm_add out
  ];
  return {
    inputShape: [4, 9, 11], preprocessing: { layout: 'nchw', range: '0-1', mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
    inputQuant: U8(1 / 255, 0), nodes, meta: {},
  };
}

/** The model ending at node `last` (1-based), its output that node's. */
const upTo = (m: DeployModel, last: number): DeployModel => ({ ...m, nodes: m.nodes.slice(0, last) });

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

/** Outputs on a grid of this step: each within one step of want; returns how many differ. */
function expectWithinStep(what: string, got: Float32Array, want: Float32Array, step: number): number {
  assert.equal(got.length, want.length, what);
  let differ = 0;
  for (let i = 0; i < got.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > step * 1.0001) assert.fail(`${what}: output ${i} = ${got[i]}, unfused ${want[i]} (step ${step})`);
    if (got[i] !== want[i]) differ++;
  }
  return differ;
}

describe('residual add fused into the conv before it', () => {
  after(() => setThreads(2));

  it('each fused block of a small residual network is within one step of the unfused plan; conv then add equals it', () => {
    const model = smallResNet();
    const batch = 4;
    // Each block on its own: the model up to its output, earlier blocks run as conv then add.
    const blocks = [{ conv: 'convB', last: 5, kernel: 'qu8 sparse direct+add (qu8_spmm_add)', fused: ['addB', 'reluB'] },
      { conv: 'convS', last: 10, kernel: 'qu8 sparse im2col+add (qu8_spmm_add)', fused: ['addS'] },
      { conv: 'convS', last: 10, kernel: 'qu8 sparse phases+add (qu8_spmm_add)', fused: ['addS'] }];
    let differ = 0;
    for (const threads of [1, 2]) {
      for (const n of [batch, 3]) {
        const x = randomFloats(n * 4 * 9 * 11, 7 + n, 0, 1);
        const what = `${threads} thread(s), ${n} of ${batch} images`;
        for (const b of blocks) {
          const m = upTo(model, b.last);
          const unfused = run(m, x, n, { batch, threads, choose: 'first', fuseResidual: false });
          assert.ok(unfused.layers.some((l) => l.node === b.fused[0]), what);
          const apart = Object.fromEntries(blocks.map((o) => [o.conv, ' + ']));
          const fused = run(m, x, n, { batch, threads, choose: 'first', kernels: { ...apart, [b.conv]: b.kernel } });
          const layer = fused.layers.find((l) => l.node === b.conv)!;
          assert.ok(!fused.layers.some((l) => l.op === 'Add'), `${what}: an add stayed a node`);
          assert.deepEqual(layer.fused, b.fused, what);
          assert.equal(layer.chosen, b.kernel, what);
          differ += expectWithinStep(`${b.conv} fused, ${what}`, fused.y, unfused.y, m.nodes.at(-1)!.outputQuant!.scale);
          // The conv then the add, inside the fused plan: the unfused codes exactly.
          const conThenAdd = run(m, x, n, { batch, threads, choose: 'first', kernels: apart });
          assert.match(conThenAdd.layers.find((l) => l.node === b.conv)!.chosen, /\(qu8_spmm\) \+ qu8 \(qu8_add\)$/, what);
          expectSame(`${b.conv} conv then add, ${what}`, conThenAdd.y, unfused.y);
        }
        // The whole network: ReLU6 after addF leaves convF only conv then add.
        const whole = run(model, x, n, { batch, threads, choose: 'first' });
        const convF = whole.layers.find((l) => l.node === 'convF')!;
        assert.deepEqual(convF.fused, ['addF', 'reluF'], what);
        assert.ok(convF.candidates.every((c) => c.kernel.includes(' + ')), JSON.stringify(convF.candidates));
      }
    }
    // Rounding twice and once differ somewhere, or the comparison above proves nothing.
    assert.ok(differ > 0, 'the fused outputs never differed from the unfused ones');
  });

  it('of a downsampling block\'s two convs, the finer one takes the add, planned after the other', () => {
    const x = randomFloats(3 * 4 * 9 * 11, 21, 0, 1);
    for (const threads of [1, 2]) {
      // Up to the block's output (addS), whose codes the fused kernel keeps within a step; the
      // block before it as conv then add, so that only this one differs.
      const m = upTo(smallResNet(false, true), 10);
      const fused = run(m, x, 3, { batch: 4, threads, choose: 'first', kernels: { convB: ' + ' } });
      const unfused = run(m, x, 3, { batch: 4, threads, choose: 'first', fuseResidual: false });
      const names = fused.layers.map((l) => l.node);
      assert.ok(names.indexOf('convS') < names.indexOf('convD'), names.join(' '));
      const convD = fused.layers.find((l) => l.node === 'convD')!;
      assert.deepEqual(convD.fused, ['addS']);
      assert.equal(convD.chosen, 'qu8 sparse direct+add (qu8_spmm_add)');
      assert.ok(expectWithinStep(`convD fused, ${threads} thread(s)`, fused.y, unfused.y, 8 / 255) > 0, 'the fused block never differed');
    }
    // With equal steps the conv planned last keeps the add, as before.
    const same = run(smallResNet(), x, 3, { batch: 4, threads: 1, choose: 'first' });
    assert.deepEqual(same.layers.find((l) => l.node === 'convS')!.fused, ['addS']);
  });

  it('a conv coarser than its block output keeps the fused kernel out', () => {
    const s = Session.fromModel(smallResNet(true), { batch: 2, activations: 'u8', choose: 'first' });
    const convB = s.explain().find((l) => l.node === 'convB')!;
    assert.deepEqual(convB.fused, ['addB', 'reluB']);
    assert.ok(convB.candidates.length > 0 && convB.candidates.every((c) => c.kernel.includes(' + ')), JSON.stringify(convB.candidates));
    s.dispose();
  });

  it('a timed plan times the fused kernel and conv then add', () => {
    const model = smallResNet();
    const x = randomFloats(2 * 4 * 9 * 11, 3, 0, 1);
    const timed = run(model, x, 2, { batch: 2, threads: 2, timingRuns: 1 });
    const convB = timed.layers.find((l) => l.node === 'convB')!;
    // Both ways are timed: the fused kernel and the conv's kernels each followed by qu8_add.
    assert.ok(convB.candidates.some((c) => c.kernel.includes('+add')) && convB.candidates.some((c) => c.kernel.endsWith('+ qu8 (qu8_add)')), JSON.stringify(convB.candidates));
    // Every layer keeps the candidate with the best time of both timing rounds (plan.ts).
    for (const l of timed.layers.filter((x) => x.candidates.length > 1)) {
      const best = l.candidates.reduce((b, c) => (c.ms! < b.ms! ? c : b));
      assert.ok(l.candidates.every((c) => c.ms !== null && Number.isFinite(c.ms)) && l.chosen.startsWith(best.kernel), `${l.node}: ${l.chosen} ${JSON.stringify(l.candidates)}`);
    }
    const unfused = run(model, x, 2, { batch: 2, threads: 2, choose: 'first', fuseResidual: false });
    assert.equal(timed.y.length, unfused.y.length);
  });

  it('float32 activations never fuse the add', () => {
    const s = Session.fromModel(smallResNet(), { batch: 2, activations: 'f32', choose: 'first' });
    assert.deepEqual(s.explain().filter((l) => l.op === 'Add').map((l) => l.node), ['addB', 'addS', 'addF']);
    s.dispose();
  });

  it('ResNet-20 (90% pruned, int8) gives the same predictions fused and unfused', async () => {
    const { bytes, deploy, data } = int8ZooModel('resnet20', 0.9, 4);
    const step = deploy.nodes.at(-1)!.outputQuant!.scale;
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
      // Nine blocks fused; those whose conv is finer than the block output run qu8_spmm_add.
      const blocks = fused.layers.filter((l) => l.fused.some((f) => f.startsWith('add')));
      assert.equal(blocks.length, 9);
      const inKernel = blocks.filter((l) => l.candidates.some((c) => c.kernel.includes('qu8_spmm_add')));
      assert.ok(inKernel.length > 0 && inKernel.every((l) => l.chosen.includes('qu8_spmm_add')), blocks.map((l) => l.chosen).join('; '));
      assert.deepEqual(argmax(fused.y), argmax(unfused.y), `resnet20 ${threads} thread(s)`);
      // A code one step off in a block moves the later layers' codes by a step or two at most, and rarely.
      const differ = expectWithinStep(`resnet20 ${threads} thread(s)`, fused.y, unfused.y, 2 * step);
      assert.ok(differ <= fused.y.length / 10, `${differ} of ${fused.y.length} logits differ`);
    }
  });
});
