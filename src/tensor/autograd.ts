/**
 * The tape. An op that has an input requiring a gradient attaches a GradNode to its
 * output: the inputs and a closure that maps the output's gradient to theirs. `backward`
 * walks the nodes in reverse topological order. Backward closures run with recording
 * off, so they can be written with ordinary ops (STYLE.md §2).
 */
import { Tensor } from './tensor.js';
import { keep } from './scope.js';
import { ShapeError } from './errors.js';

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** One gradient per input, or null where the input needs none. */
  readonly backward: (dy: Tensor) => readonly (Tensor | null)[];
}

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` without recording gradients (evaluation, optimizer updates).
 * @example const logits = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Attaches `backward` to `out` when recording is on and some input requires a gradient. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (enabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

function addInto(acc: Tensor, g: Tensor): void {
  const a = acc.view();
  const b = g.view();
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
}

/**
 * Computes gradients of `root` (a scalar unless `seed` is given) with respect to every
 * tensor that requires one, accumulating into the leaves' `.grad`.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) throw new Error('backward: the tensor does not depend on anything that requires a gradient');
  if (seed === undefined && root.size !== 1) {
    throw new ShapeError(`backward: root has shape [${root.shape.join(', ')}]; pass a seed gradient for a non-scalar`);
  }
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep nets would overflow a recursive one.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i]!;
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed ?? Tensor.full(root.shape, 1));
  noGradWalk(order, grads);
}

function noGradWalk(order: Tensor[], grads: Map<Tensor, Tensor>): void {
  noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k]!;
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (t.node === null) {
        if (t.grad === null) t.grad = keep(g);
        else addInto(t.grad, g);
        continue;
      }
      const inputGrads = t.node.backward(g);
      t.node.inputs.forEach((input, j) => {
        const gi = inputGrads[j];
        if (gi === null || gi === undefined || !input.requiresGrad) return;
        if (gi.size !== input.size) {
          throw new ShapeError(`backward of ${t.node!.op}: gradient for input ${j} has shape [${gi.shape.join(', ')}], input has [${input.shape.join(', ')}]`);
        }
        const prev = grads.get(input);
        if (prev === undefined) grads.set(input, gi === g ? g.clone() : gi);
        else addInto(prev, gi);
      });
    }
  });
}
