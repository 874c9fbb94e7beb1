/**
 * Where TF.js Layers (channels-last) keeps what prunequant (channels-first) keeps: conv kernels,
 * and the features a Flatten of an image yields, so the rows of the Dense layer reading them.
 * The importer and the exporter both go through these maps, one in each direction, so the two
 * cannot drift apart.
 */

/** The [c, h, w] image a flat feature vector came from; null when its order is the same in both layouts. */
export type FlatOrigin = [number, number, number] | null;

/**
 * For each element of our conv kernel [out, in/groups, kh, kw], its index in TF's kernel:
 * [kh, kw, in/groups, out], or for a depthwise conv (groups = in) [kh, kw, in, mult], where
 * output channel o is input channel o / mult, multiplier o % mult.
 */
export function convKernelTfIndex(co: number, ci: number, groups: number, kh: number, kw: number, depthwise: boolean): Int32Array {
  const cig = ci / groups, mult = co / ci;
  const index = new Int32Array(co * cig * kh * kw);
  for (let o = 0; o < co; o++) {
    for (let i = 0; i < cig; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          index[((o * cig + i) * kh + y) * kw + x] = depthwise
            ? ((y * kw + x) * ci + Math.floor(o / mult)) * mult + (o % mult)
            : ((y * kw + x) * cig + i) * co + o;
        }
      }
    }
  }
  return index;
}

/**
 * For each row r of TF's Dense kernel [features, units], the feature it is in our order: after a
 * Flatten of an image TF's features run (h, w, c), ours (c, h, w).
 */
export function denseRowFeature(features: number, flat: FlatOrigin): Int32Array {
  const ours = new Int32Array(features);
  const [fc, fh, fw] = flat ?? [features, 1, 1];
  for (let r = 0; r < features; r++) ours[r] = flat === null ? r : (r % fc) * fh * fw + Math.floor(r / fc);
  return ours;
}

/** What a Flatten of an image [c, h, w] (NCHW) gives; the image matters only when h · w > 1. */
export function flattened([c, h, w]: readonly [number, number, number]): { shape: number[]; flat: FlatOrigin } {
  return { shape: [c * h * w], flat: h * w > 1 ? [c, h, w] : null };
}

/** The NCHW axis of a TF (NHWC) axis of a rank-`rank` value; undefined for the batch axis or a rank we do not map. */
export function nchwAxisOfTf(tfAxis: number, rank: number): number | undefined {
  const a = tfAxis < 0 ? tfAxis + rank : tfAxis;
  if (rank === 4) return ({ 1: 2, 2: 3, 3: 1 } as Record<number, number>)[a];
  return rank === 2 && a === 1 ? 1 : undefined;
}

/** The TF (NHWC) axis of an NCHW axis; the inverse of nchwAxisOfTf. */
export function tfAxisOfNchw(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  if (rank === 4) return ({ 1: 3, 2: 1, 3: 2 } as Record<number, number>)[a];
  return rank === 2 && a === 1 ? 1 : undefined;
}
