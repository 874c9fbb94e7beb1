import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { threadCount } from '../../kernels/index.js';
import { batchSource } from '../../data/index.js';
import { describePreprocessing, normalizationOf, type ModelPreprocessing } from '../../io/index.js';
import { Adam, Sgd, createModel, fit, loadCheckpoint, modelNames, saveCheckpoint, writeFileAtomic, type EpochResult, type LoadedCheckpoint, type Model, type Optimizer, type ScheduleConfig } from '../../nn/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec, type Parsed } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, applyThreads, checkOutDir, finish } from '../common.js';
import { DATASET_OPTION, PREPROCESSING_OPTIONS, metaWithPreprocessing, parsePreprocessingOptions, splitNote, splitReport, type CommandData } from '../model-input.js';
import { ProgressBar } from '../progress.js';
import { checkTrainDataset, datasetKey, loadTrainData, parseInputShape, trainPreprocessing, type TrainPreprocessingSource } from './train-data.js';

const OPTIMIZERS = ['sgd', 'adam', 'adamw'];
const SCHEDULES = ['constant', 'step', 'cosine'];

const OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string', default: 'lenet5', help: `architecture: ${modelNames.join(', ')}` },
  dataset: { ...DATASET_OPTION, default: 'mnist', help: `${String(DATASET_OPTION.help).replace(/ \(default:.*\)$/, '')}; a folder without split folders gets a seeded 1-in-6 test split carved from it` },
  'input-shape': { type: 'string', help: "C,H,W the model is built for, a dataset folder's images resized to it (default: the folder's own)" },
  epochs: { type: 'number', default: 5, integer: true, min: 1, help: 'training epochs (with --resume: the total, counting those already done)' },
  lr: { type: 'number', default: 0.01, above: 0, help: 'learning rate' },
  'batch-size': { type: 'number', default: 64, integer: true, min: 1, help: 'batch size' },
  optimizer: { type: 'string', default: 'sgd', help: OPTIMIZERS.join(', ') },
  momentum: { type: 'number', default: 0.9, min: 0, help: 'SGD momentum' },
  nesterov: { type: 'boolean', default: false, help: 'Nesterov momentum' },
  'weight-decay': { type: 'number', default: 0, min: 0, help: 'weight decay' },
  schedule: { type: 'string', default: 'constant', help: SCHEDULES.join(', ') },
  'warmup-epochs': { type: 'number', default: 0, min: 0, help: 'linear warm-up epochs' },
  'label-smoothing': { type: 'number', default: 0, min: 0, below: 1, help: 'label smoothing in [0, 1)' },
  shift: { type: 'number', default: 0, integer: true, min: 0, help: 'augmentation: random shift in pixels' },
  seed: { type: 'number', default: 0, integer: true, help: 'seed for init, shuffling and dropout, and for the test split carved from a folder without split folders' },
  limit: { type: 'number', integer: true, min: 1, help: 'use only the first N samples of each split (quick runs)' },
  ...PREPROCESSING_OPTIONS,
  layout: { type: 'string', help: 'nchw (the zoo models train on NCHW input; export takes --layout nhwc)' },
  mean: { type: 'string', help: "subtracted after scaling to --range: one number or one per channel (default: the checkpoint's with --resume, mnist's/fashion-mnist's standard, else a folder's training split's, per channel)" },
  std: { type: 'string', help: 'divided by after subtracting --mean: one number or one per channel (default: as --mean)' },
  out: { type: 'string', default: 'runs/train', help: 'output directory for the checkpoint and metrics (and a dataset folder\'s decoded cache unless --cache)' },
  resume: { type: 'boolean', default: false, help: 'continue from OUT/model.pqck (weights, optimizer state, epoch) if it exists; options not given are the checkpoint\'s' },
  force: FORCE_OPTION,
  ...COMMON_OPTIONS,
};

export const trainUsage = helpText('prunequant train --model lenet5 --dataset mnist|FOLDER --epochs 5 --lr 0.01 --out DIR', OPTIONS);

const NOT_RECORDED = Symbol('not recorded');

/** What a run is, as stored in meta.recipe: the key, how to read it, and whether a resume may change it. */
const RECIPE_FIELDS: { option: string; read: (r: Record<string, unknown>) => unknown; identity: boolean }[] = [
  { option: 'model', read: (r) => r['model'], identity: true },
  { option: 'dataset', read: (r) => r['dataset'], identity: true },
  { option: 'limit', read: (r) => ('limit' in r ? r['limit'] ?? undefined : NOT_RECORDED), identity: true },
  { option: 'optimizer', read: (r) => r['optimizer'], identity: true },
  { option: 'momentum', read: (r) => r['momentum'], identity: true },
  { option: 'nesterov', read: (r) => r['nesterov'], identity: true },
  { option: 'weight-decay', read: (r) => r['weightDecay'], identity: true },
  { option: 'epochs', read: (r) => r['epochs'], identity: false },
  { option: 'lr', read: (r) => r['lr'], identity: false },
  { option: 'batch-size', read: (r) => r['batchSize'], identity: false },
  { option: 'seed', read: (r) => r['seed'], identity: false },
  { option: 'schedule', read: (r) => (r['schedule'] as ScheduleConfig | undefined)?.kind, identity: false },
  { option: 'warmup-epochs', read: (r) => (r['schedule'] as ScheduleConfig | undefined)?.warmupEpochs, identity: false },
  { option: 'label-smoothing', read: (r) => r['labelSmoothing'], identity: false },
  { option: 'shift', read: (r) => r['shift'], identity: false },
];

/**
 * A resumed run continues the checkpoint's run: options not given take the checkpoint's values,
 * and a given model, dataset, --limit or optimizer setting that differs is refused, naming it.
 * Checkpoints from before --limit was recorded cannot be checked for it.
 */
function resumeOptions(args: Parsed, resumed: LoadedCheckpoint, checkpoint: string): void {
  const o = args.options;
  const recipe = { ...(resumed.meta['recipe'] ?? {}) as Record<string, unknown> };
  recipe['model'] ??= resumed.model.name;
  if (resumed.optimizer !== null) recipe['optimizer'] ??= resumed.optimizer;
  for (const { option, read, identity } of RECIPE_FIELDS) {
    const stored = read(recipe);
    if (stored === NOT_RECORDED || (stored === undefined && option !== 'limit')) continue;
    if (!args.given.has(option)) {
      o[option] = stored as string | number | boolean | undefined;
    } else if (identity && o[option] !== stored) {
      const shown = (v: unknown) => (v === undefined ? 'none (all samples)' : typeof v === 'string' ? `'${v}'` : String(v));
      throw new UsageError(`train: --resume: ${checkpoint} was trained with --${option} ${shown(stored)}, this run gives ${shown(o[option])}; ` +
        `drop --${option} to continue it, or train into another --out`);
    }
  }
  if (resumed.optimizer !== null && resumed.optimizer !== o['optimizer']) {
    throw new UsageError(`train: --resume: ${checkpoint} holds ${resumed.optimizer} state, the recipe says --optimizer ${String(o['optimizer'])}; the checkpoint is inconsistent`);
  }
}

export async function train(argv: readonly string[]): Promise<void> {
  const args = parseArgs('train', argv, OPTIONS, { positionals: [] });
  const o = args.options;
  if (o['help']) return void process.stdout.write(`${trainUsage}\n`);
  applyThreads(o['threads']);
  const json = o['json'] === true;
  const outDir = resolve(String(o['out']));
  const resume = o['resume'] === true;
  // Outputs are checked before anything is loaded or trained; --resume continues its own files.
  const [checkpoint, report] = checkOutDir('train', outDir, ['model.pqck', 'train.json'], {
    force: o['force'] === true, hint: 'pass --resume to continue it',
    ...(resume ? { mayExist: ['model.pqck', 'train.json'].map((n) => resolve(outDir, n)) } : {}),
  }) as [string, string];
  // Resuming restores weights, masks, optimizer state and the finished epochs, so an
  // interrupted run loses at most the epoch it was in.
  if (args.given.has('dataset')) {
    checkTrainDataset(String(o['dataset']));
    // A folder is recorded by its absolute path, so a resume from elsewhere compares the same folder.
    o['dataset'] = datasetKey(String(o['dataset']));
  }
  parseInputShape(o['input-shape']);
  parsePreprocessingOptions('train', o);
  const resumed = resume && existsSync(checkpoint) ? loadCheckpoint(checkpoint) : undefined;
  try {
    if (resumed) resumeOptions(args, resumed, checkpoint);
    const model = await trainModel(o, resumed, checkpoint, report, json, outDir);
    model.dispose();
  } catch (e) {
    resumed?.model.dispose();
    throw e;
  }
}

async function trainModel(o: Parsed['options'], resumed: LoadedCheckpoint | undefined, checkpoint: string, report: string, json: boolean, outDir: string) {
  const modelName = String(o['model']), datasetName = String(o['dataset']), kind = String(o['optimizer']);
  if (resumed === undefined && !modelNames.includes(modelName)) throw new UsageError(`train: unknown --model '${modelName}'; known models: ${modelNames.join(', ')}`);
  checkTrainDataset(datasetName);
  if (!OPTIMIZERS.includes(kind)) throw new UsageError(`train: unknown --optimizer '${kind}'; known: ${OPTIMIZERS.join(', ')}`);
  if (!SCHEDULES.includes(String(o['schedule']))) throw new UsageError(`train: unknown --schedule '${String(o['schedule'])}'; known: ${SCHEDULES.join(', ')}`);
  if (o['nesterov'] === true && kind !== 'sgd') throw new UsageError(`train: --nesterov is an SGD option, not for --optimizer ${kind}`);
  if (o['nesterov'] === true && !((o['momentum'] as number) > 0)) throw new UsageError('train: --nesterov needs --momentum > 0');
  const history = resumed?.meta['history'];
  if (resumed && history !== undefined && !Array.isArray(history)) throw new Error(`train: --resume: ${checkpoint} has a meta.history that is not a list of epochs`);
  const previous = [...((history as EpochResult[] | undefined) ?? [])];
  const epochs = o['epochs'] as number;
  if (epochs < previous.length) throw new UsageError(`train: --resume: ${checkpoint} has ${previous.length} epochs done, more than --epochs ${epochs}`);
  const limit = o['limit'] as number | undefined;
  const seed = o['seed'] as number;
  const recipe0 = (resumed?.meta['recipe'] ?? {}) as { carve?: { seed?: unknown }; classes?: unknown };
  // A resumed run tests on the split it was carved with, whatever --seed now seeds.
  const recordedCarve = recipe0.carve?.seed;
  const data = loadTrainData(datasetName, {
    inputShape: parseInputShape(o['input-shape']), resumedShape: resumed?.model.inputShape, limit,
    cacheDir: (o['cache'] as string | undefined) ?? resolve(outDir, 'dataset-cache'),
    carveSeed: typeof recordedCarve === 'number' ? recordedCarve : seed,
  });
  if (resumed && typeof recipe0.classes === 'number' && recipe0.classes !== data.train.classes) {
    throw new UsageError(`train: --resume: ${checkpoint} was trained on ${recipe0.classes} classes, ${datasetName} now has ${data.train.classes}`);
  }
  const { preprocessing, source } = trainPreprocessing(parsePreprocessingOptions('train', o), resumed, data, data.shape[0]);
  const model = resumed?.model ?? buildModel(modelName, data.shape, data.train.classes, seed, datasetName);
  try {
    return await fitAndReport(o, model, resumed, previous, { ...data, preprocessing, preprocessingFrom: source }, checkpoint, report, json);
  } catch (e) {
    if (resumed === undefined) model.dispose();
    throw e;
  }
}

/** A zoo model for the data; a shape it cannot take is the user's to change (--input-shape), named. */
function buildModel(name: string, shape: [number, number, number], classes: number, seed: number, dataset: string): Model {
  try {
    return createModel(name, { inputShape: shape, classes, seed });
  } catch (e) {
    if (!(e instanceof Error) || e instanceof TypeError) throw e;
    throw new UsageError(`train: --model ${name} cannot take the ${shape.join('×')} inputs of ${dataset} (${e.message}); give --input-shape C,H,W (e.g. ${shape[0]},28,28) to resize the images`);
  }
}

const PREPROCESSING_FROM: Record<TrainPreprocessingSource, string> = {
  options: 'from the options', checkpoint: "the checkpoint's", dataset: "the dataset's standard", computed: 'computed per channel from the training split',
};

type TrainData = CommandData & { preprocessing: ModelPreprocessing; preprocessingFrom: TrainPreprocessingSource };

async function fitAndReport(o: Parsed['options'], model: Model, resumed: LoadedCheckpoint | undefined, previous: EpochResult[],
  data: TrainData, checkpoint: string, report: string, json: boolean): Promise<Model> {
  const kind = String(o['optimizer']), epochs = o['epochs'] as number, seed = o['seed'] as number;
  const limit = o['limit'] as number | undefined;
  const params = model.params();
  const wd = o['weight-decay'] as number;
  const optimizer: Optimizer = kind === 'sgd'
    ? new Sgd(params, { momentum: o['momentum'] as number, nesterov: o['nesterov'] === true, weightDecay: wd })
    : new Adam(params, { weightDecay: wd, decoupled: kind === 'adamw' });
  try {
    resumed?.restoreOptimizer(optimizer);
    const schedule: ScheduleConfig = { kind: String(o['schedule']) as ScheduleConfig['kind'], warmupEpochs: o['warmup-epochs'] as number, stepEpochs: 2 };
    const bar = new ProgressBar(!json && process.stderr.isTTY === true);
    const recipe = {
      model: model.name, dataset: data.dataset, ...(data.carve ? { carve: data.carve } : {}), classes: data.train.classes, limit: limit ?? null, epochs, lr: o['lr'], batchSize: o['batch-size'], optimizer: kind,
      momentum: o['momentum'], nesterov: o['nesterov'] === true, weightDecay: wd, seed, schedule, labelSmoothing: o['label-smoothing'], shift: o['shift'],
    };
    const normalization = normalizationOf(data.preprocessing);
    // Older readers look for meta.normalization; a single channel keeps its scalar form.
    const meta = metaWithPreprocessing({}, data.preprocessing);
    if (normalization.mean.length === 1) meta['normalization'] = { mean: normalization.mean[0], std: normalization.std[0] };
    if (!json) {
      const note = splitNote('train', data);
      if (note !== null) process.stderr.write(`${note}\n`);
      process.stderr.write(`train: preprocessing ${describePreprocessing(data.preprocessing)} (${PREPROCESSING_FROM[data.preprocessingFrom]})\n`);
    }
    await fit(model, batchSource(data.train, { maxShift: o['shift'] as number, normalization }), optimizer, {
      epochs, batchSize: o['batch-size'] as number, lr: o['lr'] as number, schedule, seed,
      startEpoch: previous.length,
      labelSmoothing: o['label-smoothing'] as number, test: batchSource(data.test, { normalization }),
      callbacks: {
        onBatchEnd: ({ epoch, step, steps, loss }) => bar.update(`epoch ${epoch + 1}/${epochs}`, step + 1, steps, `loss ${loss.toFixed(4)}`),
        onEpochEnd: (r) => {
          previous.push(r);
          saveCheckpoint(checkpoint, model, { optimizer, meta: { recipe, ...meta, epoch: r.epoch, test: r.test, history: previous } });
          if (!json) {
            process.stderr.write(`epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAccuracy).toFixed(2)}% | ` +
              `test loss ${r.test!.loss.toFixed(4)} acc ${(100 * r.test!.accuracy).toFixed(2)}% | ${r.imagesPerSecond.toFixed(0)} img/s\n`);
          }
        },
      },
    });
    const last = previous[previous.length - 1]!;
    const result = {
      command: 'train', model: model.name, dataset: recipe.dataset, inputShape: model.inputShape, classes: data.train.classes, ...splitReport(data),
      preprocessing: data.preprocessing, preprocessingFrom: data.preprocessingFrom, params: model.paramCount(), threads: threadCount(),
      epochs: previous, testAccuracy: last.test?.accuracy, testLoss: last.test?.loss, checkpoint, recipe,
    };
    writeFileAtomic(report, JSON.stringify(result, null, 2));
    finish(json, result, `trained ${model.name} (${model.inputShape.join('×')} input, ${data.train.classes} classes) on ${recipe.dataset}${data.split === 'carved' ? ` (${data.train.count} images; ${data.test.count} held out)` : ''}: test accuracy ${(100 * (last.test?.accuracy ?? NaN)).toFixed(2)}%, checkpoint ${checkpoint}`);
    return model;
  } finally {
    optimizer.dispose();
  }
}
