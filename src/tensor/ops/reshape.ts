/** Shape changes that share the data: reshape and flatten. */
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor, sizeOf, type Shape } from '../tensor.js';

/**
 * Same data, new shape; one dimension may be -1 (inferred).
 * @example const flat = reshape(x, [x.shape[0], -1]);
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const unknown = shape.indexOf(-1);
  const resolved = [...shape];
  if (unknown >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== unknown));
    assertShape(known > 0 && x.size % known === 0, () => `reshape: cannot infer -1 in [${shape.join(', ')}] for ${x.size} elements`);
    resolved[unknown] = x.size / known;
  }
  const y = x.reshapeView(resolved);
  return record(y, 'Reshape', [x], (dy) => [dy.reshapeView(x.shape)]);
}

/** [n, ...] -> [n, product of the rest]. */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.shape[0] ?? 1, -1]);
}
