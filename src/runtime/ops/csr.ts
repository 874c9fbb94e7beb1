/**
 * Compressed sparse rows for the offset-SpMM kernels: per output row (channel or feature), its
 * non-zero weights and, for each, the element offset of the activation it multiplies. The
 * offset is where layouts differ (a padded image, an im2col matrix, a transposed batch), so
 * one kernel serves them all; `offsetOf` maps a weight's index within its row to it.
 */
import { hasInt8Codes, weightValues, type Chw, type ConvNode, type WeightTensor } from '../graph.js';

export interface Csr {
  rows: number;
  nnz: number;
  rowPtr: Int32Array;
  offsets: Int32Array;
  values: Float32Array;
  /** Integer codes when the weight is stored as codes that fit int8 with zero point 0. */
  codes: Int8Array | null;
  /** Sum of each row's codes, for the zero-point correction of integer kernels. */
  codeSums: Int32Array | null;
}

export function buildCsr(w: WeightTensor, offsetOf: (row: number, inner: number) => number): Csr {
  const rows = w.shape[0]!;
  const size = w.shape.reduce((a, b) => a * b, 1), inner = size / rows;
  const vals = weightValues(w);
  const int8 = hasInt8Codes(w);
  const rowPtr = new Int32Array(rows + 1);
  const keep: number[] = [];
  for (let k = 0; k < vals.length; k++) {
    if (vals[k] === 0) continue;
    const flat = w.indices ? w.indices[k]! : k;
    keep.push(k);
    rowPtr[Math.floor(flat / inner) + 1]!++;
  }
  for (let r = 0; r < rows; r++) rowPtr[r + 1]! += rowPtr[r]!;
  const nnz = keep.length;
  const offsets = new Int32Array(nnz), values = new Float32Array(nnz);
  const codes = int8 ? new Int8Array(nnz) : null, codeSums = int8 ? new Int32Array(rows) : null;
  // Entries arrive in flat (row-major) order, so each row's entries are already contiguous.
  keep.forEach((k, e) => {
    const flat = w.indices ? w.indices[k]! : k;
    const row = Math.floor(flat / inner);
    offsets[e] = offsetOf(row, flat - row * inner);
    values[e] = vals[k]!;
    if (codes) {
      codes[e] = w.codes![k]!;
      codeSums![row]! += w.codes![k]!;
    }
  });
  return { rows, nnz, rowPtr, offsets, values, codes, codeSums };
}

/**
 * A stride-1 convolution as CSR over its input zero-padded to hp x wp: each weight's offset is
 * where its tap reads in the padded image (channel plane, row, column), so the SpMM kernels run
 * the convolution directly, without im2col. Float and integer kernels share it. With `plane`, the
 * input's planes are h x w in its buffer (a framed value, plan/frames.ts) instead of hp x wp.
 */
export function directConvCsr(node: ConvNode, inShape: Chw, plane?: { h: number; w: number }): { csr: Csr; hp: number; wp: number; padded: boolean } {
  const [c, h, w] = inShape;
  const [kh, kw] = node.kernel, [dh, dw] = node.dilation, [pt, pl, pb, pr] = node.pads;
  const hp = h + pt + pb, wp = w + pl + pr;
  // Offsets step through planes of the buffer the kernel reads: the padded copy, or a frame.
  const bh = plane?.h ?? hp, bw = plane?.w ?? wp;
  const cg = c / node.groups, ocg = node.outChannels / node.groups, taps = kh * kw;
  const csr = buildCsr(node.weight, (row, inner) => {
    const ic = Math.floor(row / ocg) * cg + Math.floor(inner / taps);
    const t = inner % taps;
    return (ic * bh + Math.floor(t / kw) * dh) * bw + (t % kw) * dw;
  });
  return { csr, hp, wp, padded: pt + pl + pb + pr > 0 };
}

/**
 * Whether a sparse kernel that takes a fused max pool's window max on its accumulators, before
 * the weight scale, computes the pooled conv: the max commutes with the epilogue only where it
 * is monotone increasing, so every weight scale must be positive (float weights have none).
 */
export function poolCommutes(w: WeightTensor): boolean {
  return w.quant === null || w.codes === null || w.quant.scales.every((s) => s > 0);
}
