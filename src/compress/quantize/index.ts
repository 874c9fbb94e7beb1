/**
 * Uniform quantization (DESIGN.md, method step 3): quantizers and ranges, integer weights,
 * BatchNorm folding, activation calibration, post-training quantization and QAT.
 */
export { QuantizationError, assertFinite } from './errors.js';
export { MIN_BITS, MAX_BITS, checkBits, codeRange, onF16Grid, paramsFromRange, weightSpec } from './quant-spec.js';
export type { QuantSpec, Granularity, CodeRange, ScaleZeroPoint } from './quant-spec.js';
export { estimateRange, minMaxRange, percentileRange, mseRange, quantizationSse, percentileOfSorted } from './range.js';
export type { RangeMethod, RangeOptions, RealRange } from './range.js';
export { quantizeTensor, quantizeWithParams, chooseParams, dequantize, specOf, channelGeometry } from './quantized-tensor.js';
export type { QuantizedTensor, QuantizeOptions, CodeArray, ChosenParams } from './quantized-tensor.js';
export { packCodes, unpackCodes, packedByteLength } from './bit-pack.js';
export { makeObserver, MinMaxObserver, EmaObserver, PercentileObserver } from './observers.js';
export type { Observer, ObserverKind, ObserverOptions } from './observers.js';
export { foldBatchNorm, findConvBnPairs, bnFactors } from './bn-fold.js';
export type { FoldResult, ConvBnPair } from './bn-fold.js';
export { quantizeWeights, applyQuantizedWeights, quantizableWeights, maskZeroCodes, roundQuantizedBiases } from './weight-ptq.js';
export type { WeightQuantOptions } from './weight-ptq.js';
export { activationQuantPoints } from './quant-points.js';
export { ActivationQuantizer, calibrateActivations, activationSpec } from './activation-quant.js';
export type { ActivationDtype, ActivationParams, ActivationQuantOptions, ActivationMode, CalibrationOptions } from './activation-quant.js';
export { postTrainingQuantize } from './ptq.js';
export type { PtqOptions } from './ptq.js';
export { QatSession } from './qat.js';
export type { QatOptions } from './qat.js';
export { WeightFakeQuant } from './weight-fake-quant.js';
export type { QuantizedModel } from './quantized-model.js';
export { QUANT_META_KEY, quantizationMeta, readQuantizationMeta, restoreQuantizedModel, saveQuantizedCheckpoint, loadQuantizedCheckpoint } from './checkpoint-meta.js';
export type { QuantizationMeta } from './checkpoint-meta.js';
export { quantizedSizes, quantizedTensorBytes, fp32Bytes } from './sizes.js';
export type { QuantizedSizes } from './sizes.js';
