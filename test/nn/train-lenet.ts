/**
 * One seeded lenet5 training run on the first MNIST samples, for the reproducibility
 * tests: it returns every weight and buffer as raw bits and the test accuracy.
 */
import { batchSource, loadDataset, normalize } from '../../src/data/index.js';
import { Sgd, createModel, evaluate, fit } from '../../src/nn/index.js';

const NORM = { mean: 0.1307, std: 0.3081 };
let cached: ReturnType<typeof loadDataset> | undefined;

export interface RunResult {
  /** Each param and buffer by name, as the bits of its float32 values. */
  bits: Map<string, Uint32Array>;
  testAccuracy: number;
  trainLoss: number;
}

export async function trainLenet(seed: number, { train = 2000, test = 1000, epochs = 1 } = {}): Promise<RunResult> {
  cached ??= loadDataset('mnist', { trainLimit: train, testLimit: test });
  const model = createModel('lenet5', { seed });
  const optimizer = new Sgd(model.params(), { momentum: 0.9, weightDecay: 1e-4 });
  // Shift augmentation draws from the seeded generator too, so it is part of what must repeat.
  const history = await fit(model, batchSource(normalize(cached.train, NORM), { maxShift: 1 }), optimizer, { epochs, batchSize: 32, lr: 0.05, seed });
  const bits = new Map<string, Uint32Array>();
  for (const [name, p] of model.namedParams()) bits.set(name, new Uint32Array(p.value.toArray().buffer));
  for (const [name, b] of model.namedBuffers()) bits.set(name, new Uint32Array(b.toArray().buffer));
  const testAccuracy = evaluate(model, batchSource(normalize(cached.test, NORM))).accuracy;
  optimizer.dispose();
  model.dispose();
  return { bits, testAccuracy, trainLoss: history[history.length - 1]!.trainLoss };
}

/** Names of tensors whose bits differ, with how many values differ in each. */
export function bitDifferences(a: RunResult, b: RunResult): string[] {
  const out: string[] = [];
  for (const [name, x] of a.bits) {
    const y = b.bits.get(name);
    if (y === undefined || y.length !== x.length) {
      out.push(`${name}: missing or resized`);
      continue;
    }
    let diff = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
    if (diff > 0) out.push(`${name}: ${diff} of ${x.length} values differ`);
  }
  return out;
}
