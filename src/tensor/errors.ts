/** A tensor's shape does not fit what an op or layer expects. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Throws a ShapeError with a lazily built message, so hot paths pay nothing on success. */
export function assertShape(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new ShapeError(message());
}
