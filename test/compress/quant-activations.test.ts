/**
 * Activation quantization: where the points are, what calibration observes (checked against
 * ranges recorded independently with plain output hooks), ReLU fusion giving non-negative
 * ranges, outputs landing on the quantization grid, and bad calibration input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchSource, makeDataset } from '../../src/data/index.js';
import { GraphBuilder, INPUT, createModel, type BatchSource, type Model } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { ActivationQuantizer, QuantizationError, activationQuantPoints, calibrateActivations } from '../../src/compress/quantize/index.js';
import { randomDataset } from '../data/synthetic.js';

const BATCHES = 3, BATCH_SIZE = 16, SEED = 5;

function source(): BatchSource {
  return batchSource(randomDataset(80, [1, 28, 28], 1));
}

/** Min and max of each point's float output over the calibration batches, recorded with plain hooks. */
function observedRanges(model: Model, points: string[], src: BatchSource): Map<string, { lo: number; hi: number }> {
  const ranges = new Map(points.map((p) => [p, { lo: Infinity, hi: -Infinity }]));
  const note = (name: string, t: Tensor) => {
    const r = ranges.get(name)!;
    for (const v of t.view()) {
      r.lo = Math.min(r.lo, v);
      r.hi = Math.max(r.hi, v);
    }
    return t;
  };
  for (const p of points) if (p !== INPUT) model.setOutputHook(p, (y) => note(p, y));
  let n = 0;
  for (const b of src.batches(BATCH_SIZE, SEED)) {
    scope(() => {
      noGrad(() => model.forward(note(INPUT, Tensor.from(b.images, b.shape))));
    });
    if (++n >= BATCHES) break;
  }
  for (const p of points) if (p !== INPUT) model.setOutputHook(p, null);
  return ranges;
}

describe('activation quantization points', () => {
  it('LeNet-5: the input, each ReLU after a conv or linear (fused), and the logits', () => {
    const model = createModel('lenet5', { seed: 1 });
    assert.deepEqual(activationQuantPoints(model), ['input', 'relu1', 'relu4', 'relu8', 'relu10', 'fc11']);
    model.dispose();
  });

  it('conv → BN → ReLU quantizes after the ReLU; a BN feeding an Add is its own point', () => {
    const g = new GraphBuilder(1, [1, 8, 8]);
    const a = g.act(g.bn(g.conv(g.input, 2, 3, { padding: 1 })));
    const b = g.bn(g.conv(a, 2, 3, { padding: 1 }));
    g.act(g.addAll([b, a]));
    const model = g.build('res');
    assert.deepEqual(activationQuantPoints(model), ['input', 'relu2', 'bn4', 'relu6']);
    model.dispose();
  });
});

describe('calibration', () => {
  for (const dtype of ['uint8', 'int8'] as const) {
    it(`min-max over N batches gives ${dtype} parameters covering the observed ranges; ReLU points start at 0`, () => {
      const model = createModel('lenet5', { seed: 2 });
      const src = source();
      const points = activationQuantPoints(model);
      const want = observedRanges(model, points, src);
      const q = new ActivationQuantizer(model, { dtype, observer: 'minmax' });
      const params = calibrateActivations(q, src, { batches: BATCHES, batchSize: BATCH_SIZE, seed: SEED });
      const qmin = dtype === 'uint8' ? 0 : -128;
      for (const p of points) {
        const { lo, hi } = want.get(p)!;
        const a = params.get(p)!;
        assert.deepEqual([a.qmin, a.qmax], [qmin, qmin + 255]);
        const span = Math.max(hi, 0) - Math.min(lo, 0);
        assert.ok(Math.abs(a.scale - span / 255) <= 1e-6 * a.scale, `${p}: scale ${a.scale}, observed span ${span}`);
        if (p.startsWith('relu')) {
          assert.ok(lo >= 0, `${p} is after a ReLU`);
          assert.equal(a.zeroPoint, qmin, `${p}: a non-negative range uses the whole code range`);
        } else {
          // 0 must sit at the zero point: −lo / scale codes above qmin.
          assert.ok(Math.abs(a.zeroPoint - (qmin - Math.min(lo, 0) / a.scale)) <= 0.5 + 1e-6, `${p}: zero point ${a.zeroPoint}`);
        }
      }
      // After calibration the logits (a quantization point) lie on their grid.
      const logits = params.get('fc11')!;
      scope(() => noGrad(() => {
        const x = Tensor.from(randomDataset(4, [1, 28, 28], 9).images, [4, 1, 28, 28]);
        for (const v of model.forward(x).view()) {
          const code = v / logits.scale + logits.zeroPoint;
          assert.ok(Math.abs(code - Math.round(code)) < 1e-3 && code >= qmin - 1e-3 && code <= qmin + 255 + 1e-3, `logit ${v} is off the grid (code ${code})`);
        }
      }));
      // remove() gives the float model back, bit for bit.
      q.remove();
      const x = randomDataset(2, [1, 28, 28], 4).images;
      const withHooksRemoved = scope(() => noGrad(() => model.forward(Tensor.from(x, [2, 1, 28, 28])).toArray()));
      const fresh = createModel('lenet5', { seed: 2 });
      const reference = scope(() => noGrad(() => fresh.forward(Tensor.from(x, [2, 1, 28, 28])).toArray()));
      assert.deepEqual(Array.from(withHooksRemoved), Array.from(reference));
      model.dispose();
      fresh.dispose();
    });
  }

  it('an empty dataset or zero batches is a clear error', () => {
    const model = createModel('lenet5', { seed: 1 });
    const empty = batchSource(makeDataset({ name: 'empty', images: new Float32Array(0), labels: new Int32Array(0), count: 0, shape: [1, 28, 28], classes: 10 }));
    assert.throws(() => calibrateActivations(new ActivationQuantizer(model), empty), (e: Error) => e instanceof QuantizationError && /dataset has no samples/.test(e.message));
    assert.throws(() => calibrateActivations(new ActivationQuantizer(model), source(), { batches: 0 }), /batches must be a positive integer, got 0/);
    assert.throws(() => new ActivationQuantizer(model, { dtype: 'int4' as 'int8' }), /dtype must be 'int8' or 'uint8'/);
    model.dispose();
  });
});
