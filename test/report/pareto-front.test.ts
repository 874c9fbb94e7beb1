import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { paretoFront } from '../../src/report/index.js';

interface P { name: string; size: number; acc: number }
const p = (name: string, size: number, acc: number): P => ({ name, size, acc });
const names = (ps: P[]) => ps.map((q) => q.name);

/** The definition, in O(n²): kept when no point is at least as good on both axes and better on one. */
function bruteForce(ps: P[]): Set<P> {
  return new Set(ps.filter((a) => !ps.some((b) => b.size <= a.size && b.acc >= a.acc && (b.size < a.size || b.acc > a.acc))));
}

describe('paretoFront (smaller x better, larger y better)', () => {
  it('keeps the non-dominated points of a hand-made trade-off, by increasing x', () => {
    const pts = [p('big-best', 100, 0.99), p('mid', 40, 0.985), p('mid-worse', 50, 0.98), p('small', 10, 0.9), p('tiny-bad', 12, 0.5)];
    assert.deepEqual(names(paretoFront(pts, 'size', 'acc')), ['small', 'mid', 'big-best']);
  });

  it('returns nothing for no points and the point itself for one', () => {
    assert.deepEqual(paretoFront([] as P[], 'size', 'acc'), []);
    const only = p('only', 5, 0.5);
    assert.deepEqual(paretoFront([only], 'size', 'acc'), [only]);
  });

  it('drops a point beaten on one axis and tied on the other', () => {
    // same size, lower accuracy: dominated; same accuracy, larger size: dominated
    const pts = [p('a', 10, 0.9), p('same-size-worse', 10, 0.8), p('same-acc-bigger', 20, 0.9), p('b', 30, 0.95)];
    assert.deepEqual(names(paretoFront(pts, 'size', 'acc')), ['a', 'b']);
  });

  it('keeps identical points (neither dominates the other), in input order', () => {
    const pts = [p('twin1', 10, 0.9), p('twin2', 10, 0.9), p('c', 5, 0.5)];
    assert.deepEqual(names(paretoFront(pts, 'size', 'acc')), ['c', 'twin1', 'twin2']);
  });

  it('a point better on both axes than all others is the whole front', () => {
    const pts = [p('x', 10, 0.5), p('y', 20, 0.6), p('best', 1, 0.99), p('z', 30, 0.7)];
    assert.deepEqual(names(paretoFront(pts, 'size', 'acc')), ['best']);
  });

  it('accepts functions as coordinates and returns the same objects', () => {
    const pts = [{ m: { ms: 2 }, a: 0.9 }, { m: { ms: 1 }, a: 0.95 }, { m: { ms: 3 }, a: 0.99 }];
    const front = paretoFront(pts, (q) => q.m.ms, (q) => q.a);
    assert.equal(front.length, 2);
    assert.equal(front[0], pts[1]);
    assert.equal(front[1], pts[2]);
  });

  it('leaves out points with a non-finite coordinate', () => {
    const pts = [p('nan', NaN, 1), p('inf', 1, Infinity), p('ok', 5, 0.5)];
    assert.deepEqual(names(paretoFront(pts, 'size', 'acc')), ['ok']);
  });

  it('agrees with the definition on random sets with many ties, whatever the input order', () => {
    let s = 12345;
    const rand = (n: number) => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 16) % n; };
    for (let trial = 0; trial < 200; trial++) {
      const pts = Array.from({ length: 1 + rand(25) }, (_, i) => p(`p${i}`, rand(8), rand(6) / 5));
      const front = paretoFront(pts, 'size', 'acc');
      assert.deepEqual(new Set(front), bruteForce(pts), `trial ${trial}`);
      for (let i = 1; i < front.length; i++) assert.ok(front[i]!.size >= front[i - 1]!.size);
      const shuffled = [...pts].reverse();
      assert.deepEqual(new Set(paretoFront(shuffled, 'size', 'acc')), bruteForce(pts));
    }
  });
});
