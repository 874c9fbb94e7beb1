/**
 * Batch normalization over the channel axis of NCHW input (also [n, c] input). In training
 * it normalizes with the batch's statistics and updates the running ones in place
 * (running = (1 - momentum) * running + momentum * batch, unbiased variance, as PyTorch);
 * in evaluation it is a per-channel affine map with the running statistics.
 */
import { parallel } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor } from '../tensor.js';

export interface BatchNormOptions {
  training: boolean;
  momentum?: number;
  eps?: number;
  name?: string;
}

export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor, opts: BatchNormOptions): Tensor {
  const where = `batchNorm${opts.name ? ` (${opts.name})` : ''}`;
  assertShape(x.rank === 4 || x.rank === 2, () => `${where}: input must be [n, c, h, w] or [n, c], got [${x.shape.join(', ')}]`);
  const [n, c] = x.shape as [number, number];
  const hw = x.rank === 4 ? x.shape[2]! * x.shape[3]! : 1;
  for (const [label, t] of [['gamma', gamma], ['beta', beta], ['running mean', runningMean], ['running var', runningVar]] as const) {
    assertShape(t.size === c, () => `${where}: ${label} has ${t.size} values, input has ${c} channels`);
  }
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  const scale = Tensor.empty([c]), shift = Tensor.empty([c]);
  const gv = gamma.view(), bv = beta.view(), sv = scale.view(), hv = shift.view();
  if (!opts.training) {
    const mv = runningMean.view(), vv = runningVar.view();
    for (let i = 0; i < c; i++) {
      sv[i] = gv[i]! / Math.sqrt(vv[i]! + eps);
      hv[i] = bv[i]! - mv[i]! * sv[i]!;
    }
    const y = affine(x, scale, shift, n, c, hw);
    return record(y, 'BatchNormEval', [x, gamma, beta], (dy) => {
      const dx = x.requiresGrad ? affine(dy, scale, Tensor.zeros([c]), n, c, hw) : null;
      if (!gamma.requiresGrad && !beta.requiresGrad) return [dx, null, null];
      // Eval-mode parameter gradients: the batch statistics do not move, so x̂ is fixed.
      const xhat = affine(x, invStd(runningVar, eps), negMeanTimesInvStd(runningMean, runningVar, eps), n, c, hw);
      const dg = channelDot(dy, xhat, n, c, hw), db = channelDot(dy, null, n, c, hw);
      return [dx, dg, db];
    });
  }
  const mean = Tensor.empty([c]), variance = Tensor.empty([c]);
  parallel('f32_batchnorm_stats', [x.ptr, n, c, hw, mean.ptr, variance.ptr], c, { minPerThread: 2 });
  const mv = mean.view(), vv = variance.view(), rm = runningMean.view(), rv = runningVar.view();
  const invstd = Tensor.empty([c]);
  const iv = invstd.view();
  const count = n * hw;
  for (let i = 0; i < c; i++) {
    iv[i] = 1 / Math.sqrt(vv[i]! + eps);
    sv[i] = gv[i]! * iv[i]!;
    hv[i] = bv[i]! - mv[i]! * sv[i]!;
    rm[i] = (1 - momentum) * rm[i]! + momentum * mv[i]!;
    rv[i] = (1 - momentum) * rv[i]! + momentum * vv[i]! * (count > 1 ? count / (count - 1) : 1);
  }
  const y = affine(x, scale, shift, n, c, hw);
  return record(y, 'BatchNorm', [x, gamma, beta], (dy) => {
    const dx = Tensor.empty(x.shape), dg = Tensor.empty([c]), db = Tensor.empty([c]);
    parallel('f32_batchnorm_bwd', [x.ptr, dy.ptr, mean.ptr, invstd.ptr, gamma.ptr, dx.ptr, dg.ptr, db.ptr, n, c, hw], c, { minPerThread: 2 });
    return [dx, dg, db];
  });
}

function affine(x: Tensor, scale: Tensor, shift: Tensor, n: number, c: number, hw: number): Tensor {
  const y = Tensor.empty(x.shape);
  parallel('f32_channel_affine', [x.ptr, scale.ptr, shift.ptr, y.ptr, n, c, hw], n * c, { minPerThread: 8 });
  return y;
}

function invStd(v: Tensor, eps: number): Tensor {
  return Tensor.from(Array.from(v.view(), (x) => 1 / Math.sqrt(x + eps)), [v.size]);
}

function negMeanTimesInvStd(m: Tensor, v: Tensor, eps: number): Tensor {
  const mv = m.view(), vv = v.view();
  return Tensor.from(Array.from(mv, (x, i) => -x / Math.sqrt(vv[i]! + eps)), [m.size]);
}

/** Per-channel Σ a·b (or Σ a when b is null) over n and hw. */
function channelDot(a: Tensor, b: Tensor | null, n: number, c: number, hw: number): Tensor {
  const out = Tensor.zeros([c]);
  const av = a.view(), bv = b?.view(), ov = out.view();
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (img * c + ch) * hw;
      let s = 0;
      for (let j = 0; j < hw; j++) s += av[base + j]! * (bv ? bv[base + j]! : 1);
      ov[ch]! += s;
    }
  }
  return out;
}
