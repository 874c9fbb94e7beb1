/**
 * Gradient check against tensors that already exist (a model's params, an input): the
 * layer tests' name for test/helpers/gradcheck.ts's expectLeafGradcheck.
 */
export { expectLeafGradcheck } from '../helpers/gradcheck.js';
export type { GradcheckOptions as LeafCheckOptions } from '../helpers/gradcheck.js';
