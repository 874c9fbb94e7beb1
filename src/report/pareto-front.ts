/**
 * The Pareto front of a trade-off where smaller x is better (size, latency) and larger y is
 * better (accuracy): the points no other point dominates. A point dominates another when it is
 * at least as good on both axes and strictly better on one, so identical points are all on the
 * front. Points with a non-finite coordinate are left out.
 */

/** A coordinate: a numeric field's name, or a function of the point. */
export type Coordinate<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T] | ((p: T) => number);

function accessor<T>(c: Coordinate<T>): (p: T) => number {
  return typeof c === 'function' ? c : (p: T) => p[c] as unknown as number;
}

/** The non-dominated points, as the same objects, in order of increasing x. */
export function paretoFront<T>(points: readonly T[], x: Coordinate<T>, y: Coordinate<T>): T[] {
  const fx = accessor(x), fy = accessor(y);
  const items = points
    .map((p) => ({ p, x: fx(p), y: fy(p) }))
    .filter((e) => Number.isFinite(e.x) && Number.isFinite(e.y))
    // By x, then best y first: along this order a point is on the front exactly when its y
    // beats every y before it, or ties the last front point at the same x (a duplicate).
    // Array.prototype.sort is stable, so duplicates keep their input order.
    .sort((a, b) => a.x - b.x || b.y - a.y);
  const front: typeof items = [];
  for (const e of items) {
    const last = front[front.length - 1];
    if (last === undefined || e.y > last.y || (e.y === last.y && e.x === last.x)) front.push(e);
  }
  return front.map((e) => e.p);
}
