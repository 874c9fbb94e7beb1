/** Models in and out: ONNX (our own protobuf codec, builder and exporter) and the native `.pqm`. */
export * from './onnx/index.js';
export * from './pqm/index.js';
export * from './tfjs/index.js';
export { exportOnnxInt8Model, saveOnnxInt8Model } from './onnx/export-int8.js';
export type { ImportedModel, ModelPreprocessing, ModelFormat } from './imported-model.js';
export { withFinalActivation, finalActivationOf, FINAL_ACTIVATION_META_KEY, type FinalActivation } from './final-activation.js';
export { loadAnyModel, checkModelFile, modelFormatOf, ModelLoadError, type LoadedModel, type LoadModelOptions } from './load-model.js';
export {
  checkPreprocessing, preprocessingFromMeta, normalizationOf, describePreprocessing, rangeScale, PreprocessingError, PREPROCESSING_META_KEY,
} from './preprocessing.js';
