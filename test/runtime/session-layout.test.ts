/**
 * A .pqm whose preprocessing says NHWC and 0-255 pixels: the session takes [n, h, w, c] samples
 * in that range and gives what the same graph gives NCHW [0, 1] pixels with the equivalent
 * standardization; the file keeps the layout through encode and decode.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { toDeployModel } from '../../src/io/index.js';
import { createModel } from '../../src/nn/index.js';
import { decodePqm, encodePqm, Session } from '../../src/runtime/index.js';
import { createRng } from '../../src/data/index.js';

it('an NHWC, 0-255 .pqm runs [n, h, w, c] pixels like the NCHW [0, 1] one', async () => {
  const model = createModel('lenet5', { seed: 1, inputShape: [3, 16, 16] });
  const base = toDeployModel(model, { normalization: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] } });
  model.dispose();
  const nhwcModel = decodePqm(encodePqm({ ...base, preprocessing: { layout: 'nhwc', range: '0-255', mean: [102, 127.5, 153], std: [51, 63.75, 76.5] } }), 'nhwc.pqm');
  assert.equal(nhwcModel.preprocessing.layout, 'nhwc');
  const n = 3, c = 3, plane = 256;
  const rng = createRng(5);
  const nchw = new Float32Array(n * c * plane).map(() => Math.round(rng.next() * 255) / 255);
  const nhwc = new Float32Array(nchw.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) nhwc[i * c * plane + p * c + k] = nchw[i * c * plane + k * plane + p]! * 255;
  const a = await Session.create(base, { timingRuns: 1 }), b = await Session.create(nhwcModel, { timingRuns: 1 });
  try {
    const want = a.runSync(nchw, [n, c, 16, 16]);
    const got = b.runSync(nhwc, [n, 16, 16, c]);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)), `logit ${i}: ${got[i]} vs ${want[i]}`);
    assert.throws(() => b.runSync(nhwc, [n, c, 16, 16]), /takes \[n, 16, 16, 3\] \(NHWC\)/);
  } finally {
    a.dispose();
    b.dispose();
  }
});
