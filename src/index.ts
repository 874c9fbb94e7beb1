/**
 * prunequant's public API: tensors, models and training, datasets, and (as they land)
 * compression and export. Kernels, the registry and autograd internals stay private.
 *
 * @example
 * import { createModel, loadDataset, normalize, batchSource, Sgd, fit } from 'prunequant';
 * const { train, test } = loadDataset('mnist');
 * const model = createModel('lenet5', { seed: 0 });
 * await fit(model, batchSource(normalize(train, { mean: 0.1307, std: 0.3081 })), new Sgd(model.params(), { momentum: 0.9 }),
 *   { epochs: 5, batchSize: 64, lr: 0.01, test: batchSource(normalize(test, { mean: 0.1307, std: 0.3081 })) });
 */
export { setThreads, threadCount } from './kernels/index.js';
export { Tensor, scope, keep, noGrad, backward, ShapeError, createRng } from './tensor/index.js';
export type { Shape } from './tensor/index.js';
export {
  Model, Param, Mask, createModel, modelNames, fit, evaluate, Sgd, Adam, makeSchedule,
  saveCheckpoint, loadCheckpoint, CheckpointError,
  Conv2d, Linear, BatchNorm2d, Activation, Pool2d, GlobalAvgPool, Flatten, Dropout, Add, Concat,
} from './nn/index.js';
export type { FitOptions, EpochResult, EvalResult, ModelConfig, Optimizer, ScheduleConfig, BatchSource, Batch } from './nn/index.js';
export { loadDataset, normalize, batchSource, DATASET_NAMES } from './data/index.js';
export type { Dataset, DatasetSplit } from './data/index.js';
