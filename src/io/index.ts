/** Models in and out: ONNX (our own protobuf codec, import, fp32 and int8 export), TF.js Layers, the native `.pqm`, and one loader for all. */
export * from './onnx/index.js';
export * from './pqm/index.js';
export * from './tfjs/index.js';
export type { ImportedModel, ModelPreprocessing, ModelFormat } from './imported-model.js';
export { withFinalActivation, finalActivationOf, FINAL_ACTIVATION_META_KEY, type FinalActivation } from './final-activation.js';
export { loadAnyModel, checkModelFile, modelFormatOf, ModelLoadError, type LoadedModel, type LoadModelOptions } from './load-model.js';
export {
  checkPreprocessing, preprocessingFromMeta, normalizationOf, describePreprocessing, rangeScale, PreprocessingError, PREPROCESSING_META_KEY,
} from './preprocessing.js';
