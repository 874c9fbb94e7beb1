/**
 * Quantization was asked for something it cannot do: bits out of range, non-finite weights, no calibration data.
 * @example try { postTrainingQuantize(model, { weights: { bits: 1 } }); } catch (e) { if (e instanceof QuantizationError) console.error(e.message); }
 */
export class QuantizationError extends Error {
  override name = 'QuantizationError';
}

/** Throws, naming the tensor and the first bad element, when `data` holds NaN or ±Inf. */
export function assertFinite(data: ArrayLike<number>, where: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new QuantizationError(`${where}: element ${i} is ${v}; quantization needs finite values`);
  }
}
