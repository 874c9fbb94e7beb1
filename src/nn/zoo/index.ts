/** The model zoo, by the names configs and scripts use. */
import type { Model } from '../model.js';
import type { ZooOptions } from './builder.js';
import { lenet5 } from './lenet5.js';
import { mnistCnn } from './mnist-cnn.js';
import { mobilenetv2Small } from './mobilenetv2-small.js';
import { resnet20 } from './resnet20.js';
import { vggSmall } from './vgg-small.js';

const ZOO: Record<string, (opts?: ZooOptions) => Model> = {
  lenet5,
  'mnist-cnn': mnistCnn,
  'vgg-small': vggSmall,
  resnet20,
  'mobilenetv2-small': mobilenetv2Small,
};

export const modelNames: readonly string[] = Object.keys(ZOO);

/**
 * @example const model = createModel('lenet5', { seed: 0 });
 */
export function createModel(name: string, opts: ZooOptions = {}): Model {
  const make = ZOO[name];
  if (make === undefined) throw new Error(`unknown model '${name}'; known models: ${modelNames.join(', ')}`);
  return make(opts);
}

export type { ZooOptions } from './builder.js';
export { GraphBuilder } from './builder.js';
