/**
 * Memory scopes. Every tensor created while a scope is open belongs to it, and closing
 * the scope frees all of them except the ones it returns (moved to the enclosing scope)
 * and the ones marked with `keep` (owned by the caller from then on: parameters,
 * optimizer state). A training step runs in one scope, so an epoch allocates and frees
 * the same blocks over and over and ends with the heap as it began.
 */
import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];
const kept = new WeakSet<Tensor>();

export function register(t: Tensor): void {
  stack[stack.length - 1]?.add(t);
}

/** Takes a tensor out of scope management: the caller must dispose it. */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  for (const s of stack) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>): void {
  if (value === null || typeof value !== 'object') return;
  if ((value as { constructor?: { name?: string } }).constructor?.name === 'Tensor') {
    out.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out);
}

/**
 * Runs `fn` in a new scope and frees every tensor it created but did not return.
 * @example const loss = scope(() => crossEntropy(model.forward(x), y)); // intermediates freed
 */
export function scope<T>(fn: () => T): T {
  const mine = new Set<Tensor>();
  stack.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of mine) t.dispose();
    throw e;
  }
  stack.pop();
  const returned = new Set<Tensor>();
  collect(result, returned);
  const parent = stack[stack.length - 1];
  for (const t of mine) {
    if (returned.has(t)) parent?.add(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}
