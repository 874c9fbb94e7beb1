/**
 * A tensor's shape does not fit what an op or layer expects; the message names the op or
 * layer, the shape expected and the shape given.
 * @example try { model.forward(Tensor.zeros([1, 3, 28, 28])); } catch (e) { if (e instanceof ShapeError) console.error(e.message); }
 */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Throws a ShapeError with a lazily built message, so hot paths pay nothing on success. */
export function assertShape(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new ShapeError(message());
}
