/**
 * Inference: the `.pqm` format and the Session that runs it. Imports only kernels and tensor
 * (the layering lint checks), so an app that only runs models bundles no training code.
 *
 * @example
 * import { Session } from 'prunequant/runtime';
 * const session = await Session.create('lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]);
 */
export { FormatError, SessionError } from './errors.js';
export { Session } from './session.js';
export type { SessionOptions } from './session.js';
export type { LayerChoice, CandidateTiming } from './plan/plan.js';
export { encodePqm, decodePqm, PQM_MAGIC, PQM_VERSION } from './pqm/pqm-file.js';
export { MAX_WEIGHT_ELEMENTS } from './pqm/weight-codec.js';
export { inferShapes, denseWeight, weightValues, weightDensity, windowOut, ACTIVATION_KINDS } from './graph.js';
export type {
  DeployModel, GraphNode, ConvNode, LinearNode, BatchNormNode, ActivationNode, PoolNode, PlainNode, OpType, ActivationKind,
  ActivationQuant, WeightTensor, WeightQuant, Preprocessing, Pads, Chw,
} from './graph.js';
