import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { threadCount } from '../../kernels/index.js';
import { batchSource } from '../../data/index.js';
import { Adam, Sgd, createModel, fit, loadCheckpoint, modelNames, saveCheckpoint, writeFileAtomic, type EpochResult, type Optimizer, type ScheduleConfig } from '../../nn/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, applyThreads, finish, loadSplit } from '../common.js';
import { ProgressBar } from '../progress.js';

const OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string', default: 'lenet5', help: `architecture: ${modelNames.join(', ')}` },
  dataset: { type: 'string', default: 'mnist', help: 'mnist or fashion-mnist' },
  epochs: { type: 'number', default: 5, help: 'training epochs' },
  lr: { type: 'number', default: 0.01, help: 'learning rate' },
  'batch-size': { type: 'number', default: 64, help: 'batch size' },
  optimizer: { type: 'string', default: 'sgd', help: 'sgd, adam or adamw' },
  momentum: { type: 'number', default: 0.9, help: 'SGD momentum' },
  nesterov: { type: 'boolean', default: false, help: 'Nesterov momentum' },
  'weight-decay': { type: 'number', default: 0, help: 'weight decay' },
  schedule: { type: 'string', default: 'constant', help: 'constant, step or cosine' },
  'warmup-epochs': { type: 'number', default: 0, help: 'linear warm-up epochs' },
  'label-smoothing': { type: 'number', default: 0, help: 'label smoothing in [0, 1)' },
  shift: { type: 'number', default: 0, help: 'augmentation: random shift in pixels' },
  seed: { type: 'number', default: 0, help: 'seed for init, shuffling and dropout' },
  limit: { type: 'number', help: 'use only the first N samples of each split (quick runs)' },
  out: { type: 'string', default: 'runs/train', help: 'output directory for the checkpoint and metrics' },
  resume: { type: 'boolean', default: false, help: 'continue from OUT/model.pqck (weights, optimizer state, epoch) if it exists' },
  ...COMMON_OPTIONS,
};

export const trainUsage = helpText('prunequant train --model lenet5 --dataset mnist --epochs 5 --lr 0.01 --out DIR', OPTIONS);

export async function train(argv: readonly string[]): Promise<void> {
  const { options: o } = parseArgs('train', argv, OPTIONS);
  if (o['help']) return void process.stdout.write(`${trainUsage}\n`);
  applyThreads(o['threads']);
  const json = o['json'] === true;
  if (!modelNames.includes(String(o['model']))) throw new UsageError(`train: unknown --model '${String(o['model'])}'; known models: ${modelNames.join(', ')}`);
  const data = loadSplit(String(o['dataset']), o['limit'] as number | undefined);
  const [c, h, w] = data.train.shape;
  const seed = o['seed'] as number;
  const outDir = resolve(String(o['out']));
  const checkpoint = join(outDir, 'model.pqck');
  // Resuming restores weights, masks, optimizer state and the finished epochs, so an
  // interrupted run loses at most the epoch it was in.
  const resumed = o['resume'] === true && existsSync(checkpoint) ? loadCheckpoint(checkpoint) : undefined;
  const model = resumed?.model ?? createModel(String(o['model']), { inputShape: [c, h, w], classes: data.train.classes, seed });
  const previous = (resumed?.meta['history'] as EpochResult[] | undefined) ?? [];
  const params = model.params();
  const kind = String(o['optimizer']);
  const wd = o['weight-decay'] as number;
  let optimizer: Optimizer;
  if (kind === 'sgd') optimizer = new Sgd(params, { momentum: o['momentum'] as number, nesterov: o['nesterov'] === true, weightDecay: wd });
  else if (kind === 'adam' || kind === 'adamw') optimizer = new Adam(params, { weightDecay: wd, decoupled: kind === 'adamw' });
  else throw new UsageError(`train: unknown --optimizer '${kind}'; known: sgd, adam, adamw`);
  resumed?.restoreOptimizer(optimizer);
  const schedule: ScheduleConfig = { kind: String(o['schedule']) as ScheduleConfig['kind'], warmupEpochs: o['warmup-epochs'] as number, stepEpochs: 2 };
  const bar = new ProgressBar(!json && process.stderr.isTTY === true);
  const epochs = o['epochs'] as number;
  const recipe = { model: model.name, dataset: String(o['dataset']), epochs, lr: o['lr'], batchSize: o['batch-size'], optimizer: kind, momentum: o['momentum'], weightDecay: wd, seed, schedule };
  await fit(model, batchSource(data.train, { maxShift: o['shift'] as number, normalization: data.normalization }), optimizer, {
    epochs, batchSize: o['batch-size'] as number, lr: o['lr'] as number, schedule, seed,
    startEpoch: previous.length,
    labelSmoothing: o['label-smoothing'] as number, test: batchSource(data.test, { normalization: data.normalization }),
    callbacks: {
      onBatchEnd: ({ epoch, step, steps, loss }) => bar.update(`epoch ${epoch + 1}/${epochs}`, step + 1, steps, `loss ${loss.toFixed(4)}`),
      onEpochEnd: (r) => {
        previous.push(r);
        saveCheckpoint(checkpoint, model, { optimizer, meta: { recipe, normalization: data.normalization, epoch: r.epoch, test: r.test, history: previous } });
        if (!json) {
          process.stderr.write(`epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAccuracy).toFixed(2)}% | ` +
            `test loss ${r.test!.loss.toFixed(4)} acc ${(100 * r.test!.accuracy).toFixed(2)}% | ${r.imagesPerSecond.toFixed(0)} img/s\n`);
        }
      },
    },
  });
  const last = previous[previous.length - 1];
  const result = {
    command: 'train', model: model.name, dataset: recipe.dataset, params: model.paramCount(), threads: threadCount(),
    epochs: previous, testAccuracy: last?.test?.accuracy, testLoss: last?.test?.loss, checkpoint, recipe,
  };
  writeFileAtomic(join(outDir, 'train.json'), JSON.stringify(result, null, 2));
  finish(json, result, `trained ${model.name} on ${recipe.dataset}: test accuracy ${(100 * (last?.test?.accuracy ?? NaN)).toFixed(2)}%, checkpoint ${checkpoint}`);
}
