/**
 * The study config's schema, written out by hand: a parsed YAML document (plain objects, arrays,
 * strings, numbers, booleans) becomes a `StudyConfig`, defaults filled in. Every mistake throws a
 * StudyConfigError that names the field, the value and what is allowed, and an unknown key is a
 * mistake too (a typo never silently runs a default).
 */
import { modelNames } from '../nn/index.js';
import { DATASET_NAMES, isDatasetName } from '../data/index.js';
import { PRESETS, defaultStudyConfig, type AdaptiveConfig, type StudyConfig, type TrialModeName } from './config.js';
import { StudyConfigError } from './errors.js';

type Obj = Record<string, unknown>;

/** A value as a message shows it: strings quoted, long things cut. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

class Fields {
  constructor(readonly source: string) {}

  fail(field: string, value: unknown, allowed: string): never {
    throw new StudyConfigError(`${this.source}: ${field === '' ? 'the file' : field}: ${shown(value)} is not allowed; expected ${allowed}`, field);
  }

  object(v: unknown, field: string, keys: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, v, `a mapping with keys ${keys.join(', ')}`);
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) {
        throw new StudyConfigError(`${this.source}: ${field === '' ? k : `${field}.${k}`}: unknown key; ${field === '' ? 'the top level' : field} takes ${keys.join(', ')}`, field === '' ? k : `${field}.${k}`);
      }
    }
    return v as Obj;
  }

  number(v: unknown, field: string, r: { min?: number; max?: number; above?: number; below?: number; integer?: boolean }): number {
    const ok = typeof v === 'number' && Number.isFinite(v) && (!r.integer || Number.isSafeInteger(v)) &&
      !(r.min !== undefined && v < r.min) && !(r.max !== undefined && v > r.max) &&
      !(r.above !== undefined && v <= r.above) && !(r.below !== undefined && v >= r.below);
    if (!ok) {
      const lo = r.min !== undefined ? `[${r.min}` : r.above !== undefined ? `(${r.above}` : null;
      const hi = r.max !== undefined ? `${r.max}]` : r.below !== undefined ? `${r.below})` : null;
      const range = lo && hi ? ` in ${lo}, ${hi}` : lo ? ` ${r.min !== undefined ? '>=' : '>'} ${r.min ?? r.above}` : hi ? ` ${r.max !== undefined ? '<=' : '<'} ${r.max ?? r.below}` : '';
      this.fail(field, v, `${r.integer ? 'an integer' : 'a number'}${range}`);
    }
    return v as number;
  }

  boolean(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, v, 'true or false');
    return v;
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(field, v, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  string(v: unknown, field: string): string {
    if (typeof v !== 'string' || v === '') this.fail(field, v, 'a non-empty string');
    return v;
  }

  list(v: unknown, field: string, what: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, v, `a list of ${what}`);
    return v;
  }
}

/** Objects merge key by key; anything else (lists included) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null || Array.isArray(over)) {
    return over === undefined ? base : over;
  }
  const out: Obj = { ...(base as Obj) };
  for (const [k, v] of Object.entries(over as Obj)) out[k] = deepMerge(out[k], v);
  return out;
}

/** The model files a study starts from (base-model.ts reads them). */
const MODEL_FILE = /\.(pqck|onnx|json)$/i;
const MODEL_FILES = '.pqck checkpoint, .onnx, or TF.js Layers model.json';

/** More worker processes than this is a typo, not a machine (run's --workers has the same bound). */
export const MAX_WORKERS = 64;

const TOP = ['model', 'data', 'recipe', 'refine', 'pruning', 'quantization', 'selection', 'combine', 'measure', 'report', 'seed', 'workers', 'cacheBaseline'] as const;
const MODES: readonly TrialModeName[] = ['post', 'aware', 'refine'];

/**
 * Checks a parsed config document (null or {} for all defaults) over a preset, and returns the
 * resolved config. `source` names the file in messages. `base` goes between the defaults and the
 * preset: the recipe a given checkpoint was trained with.
 * @example const config = validateStudyConfig(YAML.parse(text), 'study.yaml', 'quick');
 */
export function validateStudyConfig(doc: unknown, source = 'config', preset: string | null = null, base: Record<string, unknown> = {}): StudyConfig {
  const f: Fields = new Fields(source);
  if (preset !== null && !Object.hasOwn(PRESETS, preset)) {
    throw new StudyConfigError(`--preset: '${preset}' is not a preset; known: ${Object.keys(PRESETS).join(', ')}`, 'preset');
  }
  const user = doc === null || doc === undefined ? {} : f.object(doc, '', TOP);
  // Check the user's keys before merging, so a message names what the user wrote.
  const d = deepMerge(deepMerge(deepMerge(defaultStudyConfig(), base), preset ? PRESETS[preset] : {}), normalizeModel(f, user)) as Obj;
  const c = defaultStudyConfig();

  const m = f.object(d['model'], 'model', ['zoo', 'checkpoint']);
  if (m['checkpoint'] !== null && m['checkpoint'] !== undefined) {
    const path = f.string(m['checkpoint'], 'model.checkpoint');
    if (!MODEL_FILE.test(path)) f.fail('model', path, `a zoo name or a model file: ${MODEL_FILES}`);
    c.model = { zoo: null, checkpoint: path };
  } else {
    const zoo = m['zoo'];
    if (typeof zoo !== 'string' || !modelNames.includes(zoo)) f.fail('model', zoo, `a zoo model (${modelNames.join(', ')}) or a model file (${MODEL_FILES})`);
    c.model = { zoo, checkpoint: null };
  }

  const data = f.object(d['data'], 'data', ['dataset', 'validation', 'splitSeed', 'trainLimit', 'testLimit', 'normalization']);
  const dataset = data['dataset'];
  if (typeof dataset !== 'string' || !isDatasetName(dataset)) f.fail('data.dataset', dataset, `one of ${DATASET_NAMES.join(', ')}`);
  c.data.dataset = dataset;
  c.data.validation = f.number(data['validation'], 'data.validation', { integer: true, min: 1 });
  c.data.splitSeed = f.number(data['splitSeed'], 'data.splitSeed', { integer: true, min: 0 });
  c.data.trainLimit = data['trainLimit'] === null ? null : f.number(data['trainLimit'], 'data.trainLimit', { integer: true, min: 2 });
  c.data.testLimit = data['testLimit'] === null ? null : f.number(data['testLimit'], 'data.testLimit', { integer: true, min: 1 });
  if (c.data.trainLimit !== null && c.data.validation >= c.data.trainLimit) {
    f.fail('data.validation', c.data.validation, `fewer images than data.trainLimit (${c.data.trainLimit}), so some are left to train on`);
  }
  const norm = data['normalization'];
  if (norm === 'dataset') c.data.normalization = 'dataset';
  else if (typeof norm === 'object' && norm !== null && !Array.isArray(norm)) {
    const n = f.object(norm, 'data.normalization', ['mean', 'std']);
    const values = (field: 'mean' | 'std', r: { above?: number }): number | number[] => {
      const v = n[field];
      if (!Array.isArray(v)) return f.number(v, `data.normalization.${field}`, r);
      if (v.length === 0) f.fail(`data.normalization.${field}`, v, 'a number or a non-empty list of numbers (one per channel)');
      return v.map((x, i) => f.number(x, `data.normalization.${field}[${i}]`, r));
    };
    c.data.normalization = { mean: values('mean', {}), std: values('std', { above: 0 }) };
  } else f.fail('data.normalization', norm, "'dataset' or a mapping { mean, std } (numbers, or lists with one per channel)");

  const r = f.object(d['recipe'], 'recipe', Object.keys(c.recipe));
  c.recipe = {
    lr: f.number(r['lr'], 'recipe.lr', { above: 0 }),
    epochs: f.number(r['epochs'], 'recipe.epochs', { integer: true, min: 1 }),
    batchSize: f.number(r['batchSize'], 'recipe.batchSize', { integer: true, min: 1 }),
    optimizer: f.oneOf(r['optimizer'], 'recipe.optimizer', ['sgd', 'adam', 'adamw'] as const),
    momentum: f.number(r['momentum'], 'recipe.momentum', { min: 0, below: 1 }),
    nesterov: f.boolean(r['nesterov'], 'recipe.nesterov'),
    weightDecay: f.number(r['weightDecay'], 'recipe.weightDecay', { min: 0 }),
    schedule: f.oneOf(r['schedule'], 'recipe.schedule', ['constant', 'step', 'cosine'] as const),
    warmupEpochs: f.number(r['warmupEpochs'], 'recipe.warmupEpochs', { min: 0 }),
    stepEpochs: f.number(r['stepEpochs'], 'recipe.stepEpochs', { integer: true, min: 1 }),
    labelSmoothing: f.number(r['labelSmoothing'], 'recipe.labelSmoothing', { min: 0, below: 1 }),
    shift: f.number(r['shift'], 'recipe.shift', { integer: true, min: 0, max: 8 }),
  };
  if (c.recipe.nesterov && (c.recipe.optimizer !== 'sgd' || c.recipe.momentum === 0)) {
    f.fail('recipe.nesterov', true, `false with optimizer ${c.recipe.optimizer} and momentum ${c.recipe.momentum} (Nesterov needs sgd with momentum > 0)`);
  }

  const rf = f.object(d['refine'], 'refine', ['lrFactor', 'epochs']);
  c.refine = {
    lrFactor: f.number(rf['lrFactor'], 'refine.lrFactor', { above: 0, max: 1 }),
    epochs: rf['epochs'] === null ? null : f.number(rf['epochs'], 'refine.epochs', { integer: true, min: 1 }),
  };

  const p = f.object(d['pruning'], 'pruning', ['levels', 'adaptive', 'scope', 'exclude', 'minSize']);
  c.pruning.levels = f.list(p['levels'], 'pruning.levels', 'percentiles in (0, 100)').map((v, i) => f.number(v, `pruning.levels[${i}]`, { above: 0, below: 100 }));
  // Levels named over the defaults mean those levels: the default controller steps aside.
  const named = (doc: unknown, key: string) => Object.hasOwn(((doc as Obj | undefined)?.['pruning'] ?? {}) as Obj, key);
  const overlays = [preset ? PRESETS[preset] : {}, user];
  const fixedLevels = overlays.some((o) => named(o, 'levels')) && !overlays.some((o) => named(o, 'adaptive'));
  c.pruning.adaptive = fixedLevels || p['adaptive'] === null || p['adaptive'] === false ? null : adaptive(f, p['adaptive']);
  if (c.pruning.adaptive === null && c.pruning.levels.length === 0) f.fail('pruning.levels', [], 'at least one level (or pruning.adaptive)');
  checkUnique(f, 'pruning.levels', c.pruning.levels);
  c.pruning.scope = f.oneOf(p['scope'], 'pruning.scope', ['global', 'layer'] as const);
  c.pruning.exclude = f.list(p['exclude'], 'pruning.exclude', 'globs or @first / @last').map((v, i) => f.string(v, `pruning.exclude[${i}]`));
  c.pruning.minSize = f.number(p['minSize'], 'pruning.minSize', { integer: true, min: 0 });

  const q = f.object(d['quantization'], 'quantization', ['bits', 'granularity', 'symmetric', 'roundSurvivorsToZero']);
  c.quantization.bits = f.list(q['bits'], 'quantization.bits', 'bit widths in [2, 16]').map((v, i) => f.number(v, `quantization.bits[${i}]`, { integer: true, min: 2, max: 16 }));
  if (c.quantization.bits.length === 0) f.fail('quantization.bits', [], 'at least one bit width');
  checkUnique(f, 'quantization.bits', c.quantization.bits);
  c.quantization.granularity = f.oneOf(q['granularity'], 'quantization.granularity', ['channel', 'tensor'] as const);
  c.quantization.symmetric = f.boolean(q['symmetric'], 'quantization.symmetric');
  c.quantization.roundSurvivorsToZero = f.boolean(q['roundSurvivorsToZero'], 'quantization.roundSurvivorsToZero');

  const s = f.object(d['selection'], 'selection', ['tolerance', 'rule', 'modes']);
  c.selection.tolerance = f.number(s['tolerance'], 'selection.tolerance', { min: 0, max: 100 });
  c.selection.rule = f.oneOf(s['rule'], 'selection.rule', ['max-compression'] as const);
  c.selection.modes = f.list(s['modes'], 'selection.modes', MODES.join(' / ')).map((v, i) => f.oneOf(v, `selection.modes[${i}]`, MODES));
  if (c.selection.modes.length === 0) f.fail('selection.modes', [], `at least one of ${MODES.join(', ')}`);

  const cb = f.object(d['combine'], 'combine', ['from', 'attempts']);
  c.combine.from = f.oneOf(cb['from'], 'combine.from', ['baseline', 'pruned'] as const);
  c.combine.attempts = f.number(cb['attempts'], 'combine.attempts', { integer: true, min: 1, max: 20 });

  const me = f.object(d['measure'], 'measure', ['batch1Runs', 'batch32Seconds']);
  c.measure = {
    batch1Runs: f.number(me['batch1Runs'], 'measure.batch1Runs', { integer: true, min: 1, max: 100000 }),
    batch32Seconds: f.number(me['batch32Seconds'], 'measure.batch32Seconds', { above: 0, max: 600 }),
  };
  const rp = f.object(d['report'], 'report', ['testAllTrials']);
  c.report = { testAllTrials: f.boolean(rp['testAllTrials'], 'report.testAllTrials') };
  c.seed = f.number(d['seed'], 'seed', { integer: true, min: 0 });
  c.workers = d['workers'] === 'auto' ? 'auto' : workerCount(f, d['workers'], 'workers');
  c.cacheBaseline = f.boolean(d['cacheBaseline'], 'cacheBaseline');
  return c;
}

/** Workers: 'auto' or a count. */
function workerCount(f: Fields, v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_WORKERS) f.fail(field, v, `'auto' or an integer in [1, ${MAX_WORKERS}]`);
  return v;
}

/** `model: lenet5` and `model: runs/x/model.pqck` (or .onnx, model.json) are shorthands for { zoo } and { checkpoint }. */
function normalizeModel(f: Fields, user: Obj): Obj {
  const m = user['model'];
  if (m === undefined) return user;
  if (typeof m === 'string') {
    return { ...user, model: m.endsWith('.pqck') || m.includes('/') || /\.(onnx|json)$/.test(m) ? { zoo: null, checkpoint: m } : { zoo: m, checkpoint: null } };
  }
  const o = f.object(m, 'model', ['zoo', 'checkpoint']);
  if ((o['zoo'] === undefined) === (o['checkpoint'] === undefined)) f.fail('model', m, 'exactly one of zoo and checkpoint');
  return { ...user, model: { zoo: o['zoo'] ?? null, checkpoint: o['checkpoint'] ?? null } };
}

function adaptive(f: Fields, v: unknown): AdaptiveConfig {
  const defaults: AdaptiveConfig = { start: 50, step: 10, minStep: 1, maxTrials: 12 };
  const a = v === true ? {} : f.object(v, 'pruning.adaptive', Object.keys(defaults));
  const m = { ...defaults, ...a } as Obj;
  const out = {
    start: f.number(m['start'], 'pruning.adaptive.start', { above: 0, below: 100 }),
    step: f.number(m['step'], 'pruning.adaptive.step', { above: 0, below: 100 }),
    minStep: f.number(m['minStep'], 'pruning.adaptive.minStep', { above: 0 }),
    maxTrials: f.number(m['maxTrials'], 'pruning.adaptive.maxTrials', { integer: true, min: 1, max: 100 }),
  };
  if (out.minStep > out.step) f.fail('pruning.adaptive.minStep', out.minStep, `a step no larger than pruning.adaptive.step (${out.step})`);
  return out;
}

function checkUnique(f: Fields, field: string, values: readonly number[]): void {
  const seen = new Set<number>();
  values.forEach((v, i) => {
    if (seen.has(v)) f.fail(`${field}[${i}]`, v, 'a value not already in the list');
    seen.add(v);
  });
}
