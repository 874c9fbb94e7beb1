/**
 * Fake quantization: x̂ = (clamp(roundHalfEven(x / s) + z, qmin, qmax) − z) · s, per tensor or
 * per slice along one axis, with the straight-through gradients quantization-aware training
 * uses. Both gradients are definitions, not derivatives (round has zero derivative almost
 * everywhere), so their tests check them against these definitions:
 *
 * - clipped STE (fakeQuantize): dx = dy where the unrounded code x / s + z lies in
 *   [qmin, qmax] (x inside the representable range [(qmin − z)·s, (qmax − z)·s]), 0 outside.
 * - LSQ (fakeQuantizeLsq, Esser et al. 2019): dx as above, and for the step size
 *   ds = g · Σ dy · ((q − z) − inside · x / s), that is round(v) − v inside and the clipped
 *   code (qmin − z or qmax − z) outside, where g is the gradient scale 1 / sqrt(n · Qp).
 *
 * Pruned weights (`survivors` given): a weight that survived pruning never takes the zero-point
 * code, so the quantized zero pattern is exactly the pruning mask (see nonZeroCode). Both
 * gradient definitions stay as written above: `inside` still comes from the unrounded code,
 * so a nudged survivor (|x / s| < 1/2, well inside the range) passes dy through unchanged, and
 * the LSQ step gradient uses the code actually emitted, ±1 − x / s for a nudged survivor.
 */
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor } from '../tensor.js';

/**
 * Rounds to the nearest integer, ties to the even one, as ONNX QuantizeLinear does.
 * Math.round sends ties up (2.5 → 3, −2.5 → −2), so those values would land one step away
 * from onnxruntime's.
 */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The integer code of one value. The division is rounded to float32 (Math.fround), as
 * QuantizeLinear computes it, so ties fall where onnxruntime's do.
 */
export function quantizeValue(x: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const q = roundHalfEven(Math.fround(x / scale)) + zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/**
 * The code a pruning survivor takes when its own code is the zero point: the neighbour on the
 * side of its sign (z + 1 for x > 0, z − 1 for x < 0). Why that one: a value whose code is z
 * has |x / s| ≤ 1/2 (unless it was clipped), so of the non-zero codes the neighbour on its
 * side is the nearest (error ≤ one step, and the weight keeps its sign); a survivor is a
 * weight the pruning chose to keep, so it must not become a zero the mask does not have.
 * When the code range has no room on that side (an asymmetric zero point at qmin or qmax,
 * with x clipped beyond it), the other neighbour is the only non-zero code left.
 */
export function nonZeroCode(x: number, zeroPoint: number, qmin: number, qmax: number): number {
  const toward = zeroPoint + (x < 0 ? -1 : 1);
  return toward >= qmin && toward <= qmax ? toward : 2 * zeroPoint - toward;
}

/**
 * quantizeValue for a weight that survived pruning: never the zero point, except for an
 * exact 0. An exact 0 has no sign to choose a side by, and is already a zero of the float
 * weights; a non-zero code would invent a weight (a whole fallback step in an all-zero channel).
 */
export function quantizeSurvivor(x: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const q = quantizeValue(x, scale, zeroPoint, qmin, qmax);
  return q === zeroPoint && x !== 0 ? nonZeroCode(x, zeroPoint, qmin, qmax) : q;
}

export interface FakeQuantParams {
  /** One positive step size per tensor, or one per slice along `axis`. */
  scales: ArrayLike<number>;
  /** Integer zero points in [qmin, qmax], as many as scales. */
  zeroPoints: ArrayLike<number>;
  qmin: number;
  qmax: number;
  /** Slice axis for per-channel parameters (0 for conv [oc, ic, kh, kw] and linear [out, in]); null or absent: per tensor. */
  axis?: number | null;
  /** Layer or tensor name for error messages. */
  name?: string;
  /**
   * Per element, non-zero where a pruned weight survived (a pruning mask): those never take
   * the zero-point code unless exactly 0 (quantizeSurvivor). Absent or null: plain rounding.
   */
  survivors?: ArrayLike<number> | null;
}

/** How elements map to parameter slices: element i uses parameter floor(i / inner) % channels. */
function sliceGeometry(x: Tensor, p: FakeQuantParams, where: string, count: number): { inner: number; channels: number } {
  const axis = p.axis ?? null;
  if (axis === null) {
    assertShape(count === 1, () => `${where}: per-tensor quantization takes 1 scale, got ${count}`);
    return { inner: x.size, channels: 1 };
  }
  assertShape(Number.isInteger(axis) && axis >= 0 && axis < x.rank, () => `${where}: axis ${axis} is outside a rank-${x.rank} tensor`);
  const channels = x.shape[axis]!;
  assertShape(count === channels, () => `${where}: ${count} scales for ${channels} slices along axis ${axis} of [${x.shape.join(', ')}]`);
  let inner = 1;
  for (let d = axis + 1; d < x.rank; d++) inner *= x.shape[d]!;
  return { inner, channels };
}

function checkParams(scales: ArrayLike<number>, p: FakeQuantParams, where: string, size: number): void {
  const { qmin, qmax, zeroPoints } = p;
  if (p.survivors && p.survivors.length !== size) throw new RangeError(`${where}: survivors mask has ${p.survivors.length} entries for ${size} elements`);
  if (!(Number.isInteger(qmin) && Number.isInteger(qmax) && qmin < qmax)) {
    throw new RangeError(`${where}: code range [${qmin}, ${qmax}] must be integers with qmin < qmax`);
  }
  if (zeroPoints.length !== scales.length) throw new RangeError(`${where}: ${zeroPoints.length} zero points for ${scales.length} scales`);
  for (let c = 0; c < scales.length; c++) {
    const s = scales[c]!, z = zeroPoints[c]!;
    if (!(s > 0 && Number.isFinite(s))) throw new RangeError(`${where}: scale ${c} is ${s}; scales must be finite and > 0`);
    if (!(Number.isInteger(z) && z >= qmin && z <= qmax)) throw new RangeError(`${where}: zero point ${c} is ${z}, not an integer in [${qmin}, ${qmax}]`);
  }
}

/**
 * Runs the quantize-dequantize map; also returns, per element, whether it lay inside the
 * clipping range and its code minus the zero point (what both backward rules need).
 */
function quantizeDequantize(x: Tensor, scales: ArrayLike<number>, p: FakeQuantParams, inner: number, channels: number) {
  const y = Tensor.empty(x.shape);
  const xv = x.view(), yv = y.view();
  const inside = new Uint8Array(x.size);
  const codes = new Float32Array(x.size);
  const { qmin, qmax, zeroPoints } = p;
  const keep = p.survivors ?? null;
  for (let start = 0, c = 0; start < x.size; start += inner, c = (c + 1) % channels) {
    const s = Math.fround(scales[c]!), z = zeroPoints[c]!;
    for (let i = start; i < start + inner; i++) {
      const v = Math.fround(xv[i]! / s);
      const u = v + z;
      let q = roundHalfEven(v) + z;
      if (u >= qmin && u <= qmax) inside[i] = 1;
      q = q < qmin ? qmin : q > qmax ? qmax : q;
      if (q === z && keep !== null && keep[i] && xv[i] !== 0) q = nonZeroCode(xv[i]!, z, qmin, qmax);
      codes[i] = q - z;
      yv[i] = (q - z) * s;
    }
  }
  return { y, inside, codes };
}

/**
 * Fake quantization with fixed parameters and the clipped straight-through gradient.
 * @example const wq = fakeQuantize(w, { scales, zeroPoints, qmin: -7, qmax: 7, axis: 0, name: 'conv0.weight' });
 */
export function fakeQuantize(x: Tensor, p: FakeQuantParams): Tensor {
  const where = `fakeQuantize${p.name ? ` (${p.name})` : ''}`;
  const { inner, channels } = sliceGeometry(x, p, where, p.scales.length);
  checkParams(p.scales, p, where, x.size);
  const { y, inside } = quantizeDequantize(x, p.scales, p, inner, channels);
  return record(y, 'FakeQuantize', [x], (dy) => {
    const dx = Tensor.empty(x.shape);
    const g = dy.view(), d = dx.view();
    for (let i = 0; i < d.length; i++) d[i] = inside[i] ? g[i]! : 0;
    return [dx];
  });
}

export interface LsqParams extends Omit<FakeQuantParams, 'scales'> {
  /** Multiplies the step-size gradient; LSQ uses 1 / sqrt(n · Qp) with n the elements per scale. */
  gradScale: number;
}

/**
 * Fake quantization whose step size is a tensor (a trainable param) with the LSQ gradient.
 * @example const wq = fakeQuantizeLsq(w, stepSize.value, { zeroPoints, qmin: -7, qmax: 7, axis: 0, gradScale });
 */
export function fakeQuantizeLsq(x: Tensor, scale: Tensor, p: LsqParams): Tensor {
  const where = `fakeQuantizeLsq${p.name ? ` (${p.name})` : ''}`;
  const scales = scale.toArray();
  const full: FakeQuantParams = { ...p, scales };
  const { inner, channels } = sliceGeometry(x, full, where, scale.size);
  checkParams(scales, full, where, x.size);
  if (!(p.gradScale > 0 && Number.isFinite(p.gradScale))) throw new RangeError(`${where}: gradScale must be finite and > 0, got ${p.gradScale}`);
  const { y, inside, codes } = quantizeDequantize(x, scales, full, inner, channels);
  return record(y, 'FakeQuantizeLsq', [x, scale], (dy) => {
    const g = dy.view(), xv = x.view();
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = Tensor.empty(x.shape);
      const d = dx.view();
      for (let i = 0; i < d.length; i++) d[i] = inside[i] ? g[i]! : 0;
    }
    const sums = new Float64Array(channels);
    for (let start = 0, c = 0; start < x.size; start += inner, c = (c + 1) % channels) {
      const s = Math.fround(scales[c]!);
      let acc = 0;
      for (let i = start; i < start + inner; i++) acc += g[i]! * (codes[i]! - (inside[i] ? Math.fround(xv[i]! / s) : 0));
      sums[c]! += acc;
    }
    const ds = Tensor.from(Array.from(sums, (v) => v * p.gradScale), scale.shape);
    return [dx, ds];
  });
}
