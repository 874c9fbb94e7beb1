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

// Finds the tensors of this scope that `value` returns, in arrays and plain objects. A tensor
// is recognised by identity, as a member of the scope's own set, never by its class name
// (which a bundler may rename) or its prototype (two copies of the package would differ).
function collect(value: unknown, mine: ReadonlySet<object>, out: Set<Tensor>): void {
  if (value === null || typeof value !== 'object') return;
  if (mine.has(value)) {
    out.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, mine, out);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, mine, out);
}

const ASYNC_MESSAGE = 'scope: the function returned a promise. A scope frees its tensors when the function returns, '
  + 'which for an async function is at its first await, before the work is done. Await outside the scope '
  + 'and pass it only synchronous code (as TF.js tidy requires).';

function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function')
    && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` in a new scope and frees every tensor it created but did not return. `fn` must
 * be synchronous: an async function (or one that returns a promise) is rejected.
 * @example const loss = scope(() => crossEntropy(model.forward(x), y)); // intermediates freed
 */
export function scope<T>(fn: () => T): T {
  if (Object.prototype.toString.call(fn) === '[object AsyncFunction]') throw new TypeError(ASYNC_MESSAGE);
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
  if (isThenable(result)) {
    for (const t of mine) t.dispose();
    throw new TypeError(ASYNC_MESSAGE);
  }
  const returned = new Set<Tensor>();
  collect(result, mine, returned);
  const parent = stack[stack.length - 1];
  for (const t of mine) {
    if (returned.has(t)) parent?.add(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}
