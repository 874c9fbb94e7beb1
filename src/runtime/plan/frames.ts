/**
 * Which uint8 values the plan holds inside a halo frame (values.ts, Frame).
 *
 * A direct conv reads its input padded by its pads with the zero point. Without a frame, each
 * run first copies the input into a padded buffer: on ResNet-20 at 95% sparsity that copy was
 * an eighth of the whole run (its convs do little else, 7 to 29 nonzeros per output). With a
 * frame, the kernel that computes the value writes it straight into the inside of a padded
 * buffer whose halo holds the zero point from allocation on, and the conv reads it in place.
 *
 * The choice is made after the kernels are chosen, on what they can take, and it changes no
 * arithmetic: the same kernels read the same codes at other addresses. A value gets a frame
 * only where its producer's kernel can write one and every reader's kernel can read one, and at
 * least one reader is a padded direct conv; its halo is the widest pad of those readers.
 */
import type { Chw } from '../graph.js';
import type { PlanNode } from './fuse.js';
import type { Frame, Value } from './values.js';

/**
 * What a chosen kernel can do with frames: per input, 'pads' (a direct conv that reads it as its
 * padded input; the frame must cover the node's pads), 'any' (reads any framed layout, as a fused
 * residual add does) or 'no'; and whether it can write its output into a frame.
 */
export interface FrameUse {
  inputs: ('pads' | 'any' | 'no')[];
  output: boolean;
}

export const NO_FRAMES: FrameUse = { inputs: [], output: false };

/** A planned node, its conv pads [top, left, bottom, right] (if any) and its chosen kernel's FrameUse. */
export interface FrameCandidate {
  plan: PlanNode;
  pads: readonly number[] | null;
  use: FrameUse;
}

/**
 * The frame of each value that gets one (value id → frame). `values` gives each id's Value as
 * planned (dense); `excluded` lists ids that must stay dense (the model's input and output, and
 * values that another id views, such as a Flatten).
 */
export function chooseFrames(nodes: readonly FrameCandidate[], values: (id: number) => Value, excluded: ReadonlySet<number>): Map<number, Frame> {
  const frames = new Map<number, Frame>();
  const producers = new Map<number, FrameCandidate>();
  for (const n of nodes) producers.set(n.plan.output, n);
  for (const [id, producer] of producers) {
    const v = values(id);
    if (excluded.has(id) || v.dtype !== 'u8' || !producer.use.output) continue;
    const halo = [0, 0, 0, 0];
    let ok = true, padded = false;
    for (const n of nodes) {
      n.plan.inputs.forEach((input, i) => {
        if (input !== id) return;
        const how = n.use.inputs[i] ?? 'no';
        if (how === 'no') ok = false;
        if (how !== 'pads') return;
        if (n.pads === null) {
          ok = false;
          return;
        }
        n.pads.forEach((p, side) => (halo[side] = Math.max(halo[side]!, p)));
        padded ||= n.pads.some((p) => p > 0);
      });
    }
    if (ok && padded) frames.set(id, frameOf(v.shape, halo));
  }
  return frames;
}

function frameOf(shape: Chw, [top, left, bottom, right]: number[]): Frame {
  return { top: top!, left: left!, h: shape[1] + top! + bottom!, w: shape[2] + left! + right! };
}
