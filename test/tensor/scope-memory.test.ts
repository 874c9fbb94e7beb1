/**
 * Memory scopes release deterministically: the heap's live block count is the oracle.
 * A scope frees what it made, hands back what it returns (to the enclosing scope), leaves
 * kept tensors alone, and frees everything when its body throws.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wasm } from '../../src/kernels/index.js';
import { Tensor, add, backward, conv2d, keep, mul, reshape, scope, sum, tanh } from '../../src/tensor/index.js';
import { randomFloats } from '../helpers/assert.js';

const heap = () => wasm().heap;
const live = () => ({ blocks: heap().liveBlocks, bytes: heap().liveBytes });

/** Runs `fn` once so lazily made caches (descriptors, thread scratch) exist before counting. */
function warm(fn: () => void): void {
  scope(fn);
}

describe('scope', () => {
  it('frees every intermediate and keeps nothing else', () => {
    const body = () => {
      const a = Tensor.from(randomFloats(64, 1), [8, 8]);
      const b = tanh(mul(a, a));
      sum(add(a, b)).item();
    };
    warm(body);
    const before = live();
    scope(body);
    assert.deepEqual(live(), before);
  });

  it('returns tensors alive, in arrays and plain objects, and frees the rest', () => {
    const before = live();
    const { out, list } = scope(() => {
      const a = Tensor.from([1, 2, 3, 4], [4]);
      const b = mul(a, a);
      return { out: add(b, a), list: [b] };
    });
    // a was freed; out and b survived.
    assert.equal(heap().liveBlocks, before.blocks + 2);
    assert.deepEqual([...out.toArray()], [2, 6, 12, 20]);
    assert.deepEqual([...list[0]!.toArray()], [1, 4, 9, 16]);
    out.dispose();
    list[0]!.dispose();
    assert.deepEqual(live(), before);
  });

  it('moves a returned tensor into the enclosing scope, which frees it in turn', () => {
    const before = live();
    let inner: Tensor | undefined;
    scope(() => {
      inner = scope(() => Tensor.from([5, 6], [2]));
      assert.ok(!inner.isDisposed, 'returned from the inner scope');
      assert.equal(heap().liveBlocks, before.blocks + 1);
    });
    assert.ok(inner!.isDisposed, 'freed by the outer scope');
    assert.deepEqual(live(), before);
  });

  it('leaves kept tensors to their owner', () => {
    const before = live();
    let kept: Tensor | undefined;
    scope(() => {
      scope(() => {
        kept = keep(Tensor.from([1, 2, 3], [3]));
        Tensor.from([9, 9], [2]);
      });
      assert.equal(heap().liveBlocks, before.blocks + 1, 'the inner scope freed only the unkept tensor');
    });
    // Not returned, yet the outer scope did not free it either: keep took it out of every scope.
    assert.equal(heap().liveBlocks, before.blocks + 1);
    assert.deepEqual([...kept!.toArray()], [1, 2, 3]);
    kept!.dispose();
    assert.deepEqual(live(), before);
  });

  it('frees everything its body made when the body throws', () => {
    const before = live();
    assert.throws(() => scope(() => {
      const a = Tensor.from(randomFloats(100, 2), [100]);
      tanh(a);
      // A shape error from inside an op, after several allocations.
      add(a, Tensor.from([1, 2, 3], [3]));
    }), /Add|broadcast/i);
    assert.deepEqual(live(), before);
  });

  it('frees on throw in nested scopes, keeping the outer scope usable', () => {
    const before = live();
    const result = scope(() => {
      const a = Tensor.from([1, 2], [2]);
      assert.throws(() => scope(() => {
        Tensor.from([3, 4], [2]);
        throw new Error('boom');
      }), /boom/);
      assert.equal(heap().liveBlocks, before.blocks + 1, 'only the outer tensor remains');
      return a.toArray();
    });
    assert.deepEqual([...result], [1, 2]);
    assert.deepEqual(live(), before);
  });

  it('reshape views share one block, freed when the last view goes', () => {
    const before = live();
    const v = scope(() => {
      const a = Tensor.from(randomFloats(12, 3), [3, 4]);
      assert.equal(heap().liveBlocks, before.blocks + 1);
      const r = reshape(a, [2, 6]);
      assert.equal(heap().liveBlocks, before.blocks + 1, 'a view allocates no data');
      return r;
    });
    // a was disposed at scope end, but its storage lives on in the returned view.
    assert.equal(heap().liveBlocks, before.blocks + 1);
    assert.equal(v.toArray().length, 12);
    v.dispose();
    assert.deepEqual(live(), before);
  });

  it('a forward and backward pass inside a scope frees activations, gradients and saved state', () => {
    const x = keep(Tensor.from(randomFloats(2 * 3 * 6 * 6, 4), [2, 3, 6, 6]));
    const w = keep(Tensor.from(randomFloats(4 * 3 * 3 * 3, 5), [4, 3, 3, 3]));
    w.requiresGrad = true;
    const step = () => {
      const loss = sum(tanh(conv2d(x, w, null, { padding: 1 })));
      backward(loss);
      w.grad!.dispose();
      w.grad = null;
    };
    warm(step);
    const before = live();
    for (let i = 0; i < 3; i++) scope(step);
    assert.deepEqual(live(), before);
    x.dispose();
    w.dispose();
  });
  it('recognises its tensors by identity, not by class name (a bundler may rename the class)', () => {
    const before = live();
    const name = Object.getOwnPropertyDescriptor(Tensor, 'name')!;
    Object.defineProperty(Tensor, 'name', { value: 'e' }); // as a minifier leaves it
    try {
      const out = scope(() => ({ t: mul(Tensor.from([1, 2], [2]), Tensor.from([3, 4], [2])) }));
      assert.ok(!out.t.isDisposed, 'a returned tensor survives its scope');
      assert.deepEqual([...out.t.toArray()], [3, 8]);
      out.t.dispose();
    } finally {
      Object.defineProperty(Tensor, 'name', name);
    }
    assert.deepEqual(live(), before);
  });

  it('rejects an async function with a clear error and frees nothing it should not', () => {
    const before = live();
    assert.throws(() => scope(async () => Tensor.from([1], [1])), (e: unknown) =>
      e instanceof TypeError && /returned a promise.*async function.*synchronous/s.test(e.message));
    assert.deepEqual(live(), before, 'the async body never ran');
  });

  it('rejects a function that returns a promise, freeing what it made', async () => {
    const before = live();
    let made: Tensor | undefined;
    assert.throws(() => scope(() => {
      made = Tensor.from([1, 2], [2]);
      return Promise.resolve(made);
    }), /scope: the function returned a promise/);
    assert.ok(made!.isDisposed);
    assert.deepEqual(live(), before);
  });
});
