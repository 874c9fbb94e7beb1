/**
 * Which uint8 values the plan holds inside a halo frame (values.ts, Frame).
 *
 * A direct conv reads its input padded by its pads with the zero point. Without a frame, each
 * run first copies the input into a padded buffer: on ResNet-20 at 95% sparsity, skipping those
 * copies made the whole run 14% faster (its convs do little else, 7 to 29 nonzeros per output).
 * With a frame, the kernel that computes the value writes it straight into the inside of a
 * padded buffer whose halo holds the zero point from allocation on, and the conv reads it in
 * place.
 *
 * Frames are chosen before the kernels, from what each node's candidate kernels can do, so that
 * candidates are timed as they will run: those that read or write frames in place, and the others
 * behind a copy out of the frame or into it (plan.ts, buildOption). A value gets a frame where
 * every reader has a candidate that reads one and a sparse padded direct conv reads it; its halo
 * is the widest pad of those convs. Its producer need not write frames: a copy into the frame
 * after it costs what the padded copy before each conv costs without one. Frames change
 * addresses, not arithmetic: every kernel computes the same codes either way.
 */
import type { Chw } from '../graph.js';
import type { PlanNode } from './fuse.js';
import type { Frame, Value } from './values.js';

/**
 * What a kernel can do with frames: per input, 'pads' (a direct conv that reads it as its padded
 * input; the frame must cover the node's pads), 'any' (reads any framed layout, as a fused
 * residual add does) or 'no'; and whether it can write its output into a frame.
 */
export interface FrameUse {
  inputs: ('pads' | 'any' | 'no')[];
  output: boolean;
}

export const NO_FRAMES: FrameUse = { inputs: [], output: false };

/**
 * A planned node: its conv pads [top, left, bottom, right] (if any), what the best of its
 * candidates can do with frames, and whether its weights are sparse enough (half zeros or more)
 * that a sparse kernel, which reads frames in place, is likely to win: a dense conv's kernels
 * would read a frame through a copy.
 */
export interface FrameCandidate {
  plan: PlanNode;
  pads: readonly number[] | null;
  use: FrameUse;
  sparse: boolean;
}

/** The union of what a node's candidates can do with frames. */
export function unionUse(uses: readonly FrameUse[]): FrameUse {
  const inputs: FrameUse['inputs'] = [];
  for (const u of uses) u.inputs.forEach((how, i) => (inputs[i] = how !== 'no' ? how : (inputs[i] ?? 'no')));
  return { inputs, output: uses.some((u) => u.output) };
}

/**
 * The frame of each value that gets one (value id → frame). `values` gives each id's Value
 * (its shape and dtype); `excluded` lists ids that must stay dense (the model's output, and
 * values that another id views, such as a Flatten); `sources` lists ids no node computes (the
 * model's input), written into their frames through a copy.
 *
 * Two more kinds of value get frames where their producers write them in place, so that a conv
 * can run flat (qu8.ts), its input, output and fused add's other input all framed alike with a
 * halo equal to its pads: the output of such a conv, where every reader reads frames (a strided
 * conv, a global average pool); and a value read only as a fused add's other input, with the
 * frame of that node's output.
 */
export function chooseFrames(
  nodes: readonly FrameCandidate[], values: (id: number) => Value, excluded: ReadonlySet<number>, sources: readonly number[] = [],
): Map<number, Frame> {
  const frames = new Map<number, Frame>();
  const producers = new Map<number, FrameCandidate>();
  for (const n of nodes) producers.set(n.plan.output, n);
  const readersOf = (id: number) => nodes.flatMap((n) => n.plan.inputs.flatMap((v, i) => (v === id ? [{ n, how: n.use.inputs[i] ?? 'no' }] : [])));
  const framable = (id: number) => !excluded.has(id) && values(id).dtype === 'u8';
  for (const id of [...sources, ...producers.keys()]) {
    if (!framable(id)) continue;
    const readers = readersOf(id);
    const padded = readers.filter((r) => r.how === 'pads' && r.n.pads !== null);
    if (readers.some((r) => r.how === 'no' || (r.how === 'pads' && r.n.pads === null))) continue;
    if (!padded.some((r) => r.n.sparse && r.n.pads!.some((p) => p > 0))) continue;
    const halo = [0, 1, 2, 3].map((side) => Math.max(...padded.map((r) => r.n.pads![side]!)));
    frames.set(id, frameOf(values(id).shape, halo));
  }
  // The two kinds below enable each other (a block's output and the next block's residual), so
  // they are applied until nothing changes. Neither saves a padded copy: only producers that
  // write frames in place qualify.
  // Frames are per plane: values of as many rows and columns can share one, whatever their channels.
  const samePlanes = (a: number, b: number) => values(a).shape[1] === values(b).shape[1] && values(a).shape[2] === values(b).shape[2];
  for (let changed = true; changed;) {
    changed = false;
    for (const [id, p] of producers) {
      if (frames.has(id) || !framable(id) || !p.use.output) continue;
      const readers = readersOf(id);
      if (readers.length === 0 || readers.some((r) => r.how === 'no' || (r.how === 'pads' && r.n.pads === null))) continue;
      // The output of a conv that runs flat once it is framed.
      const input = frames.get(p.plan.inputs[0]!);
      const res = p.plan.inputs[1];
      if (p.use.inputs[0] === 'pads' && p.pads !== null && input !== undefined && haloIs(input, values(p.plan.inputs[0]!).shape, p.pads) &&
        samePlanes(id, p.plan.inputs[0]!) && (res === undefined || frames.get(res) === undefined || sameFrame(frames.get(res)!, input))) {
        frames.set(id, input);
        changed = true;
        continue;
      }
      // A residual read in step with a flat conv's output.
      const outs = readers.map((r) => frames.get(r.n.plan.output));
      const first = outs[0];
      if (readers.every((r) => r.how === 'any') && first !== undefined && outs.every((f) => f !== undefined && sameFrame(f, first)) &&
        readers.every((r) => samePlanes(id, r.n.plan.output))) {
        frames.set(id, first);
        changed = true;
      }
    }
  }
  return frames;
}

/**
 * Whether a frame around planes of `shape` has these pads [top, left, bottom, right] as its halo
 * above, left and below, and at least the right pad past each row (see frameOf): a conv with
 * these pads runs flat on it (qu8.ts), and a strided one splits it as its padded image.
 */
export function haloIs(f: Frame, shape: Chw, pads: readonly number[]): boolean {
  return f.top === pads[0] && f.left === pads[1] && f.h - f.top - shape[1] === pads[2] && f.w - shape[2] >= pads[3]!;
}

export function sameFrame(a: Frame, b: Frame): boolean {
  return a.top === b.top && a.left === b.left && a.h === b.h && a.w === b.w;
}

/**
 * Rows share their side halo: what lies right of a row's last pixel is the rest of its row, then
 * the next row's left halo, so a row needs max(left, right) halo columns, not their sum (a 7-wide
 * plane with pads of 1 is 8 wide, not 9), and a flat conv computes that much less halo. The last
 * row's right halo is the next plane's top halo, or past the last plane the buffer's slack (which
 * allocValue fills with the zero point for framed values).
 */
function frameOf(shape: Chw, [top, left, bottom, right]: number[]): Frame {
  return { top: top!, left: left!, h: shape[1] + top! + bottom!, w: shape[2] + Math.max(left!, right!) };
}
