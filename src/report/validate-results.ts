/**
 * Checks that a parsed results.json is a `StudyResults`: every field present with its type and
 * range, trial ids unique, and every reference (parent, chosen trial, model trial) to a trial
 * that exists. Fields the format does not name are ignored, so a newer study may add some.
 */
import { ResultsError } from './errors.js';
import {
  EXPORT_FORMATS, RESULTS_VERSION, TRIAL_MODES, TRIAL_STAGES,
  type Choice, type ChosenModel, type ModelExport, type StudyResults, type Trial,
} from './results.js';

type Obj = Record<string, unknown>;

/** What a value is, in a few words, for "expected X, got Y". */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

class Checker {
  constructor(readonly source: string) {}

  fail(field: string, expected: string, got: unknown): never {
    throw new ResultsError(`${this.source}: ${field}: expected ${expected}, got ${describe(got)}`, this.source, field);
  }

  object(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'an object', v);
    return v as Obj;
  }

  array(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, 'an array', v);
    return v;
  }

  string(v: unknown, field: string, nonEmpty = true): string {
    if (typeof v !== 'string' || (nonEmpty && v.length === 0)) this.fail(field, nonEmpty ? 'a non-empty string' : 'a string', v);
    return v;
  }

  /** A finite number in [min, max] (or [min, max) when `belowMax`); integers when `integer`. */
  number(v: unknown, field: string, range: { min?: number; max?: number; belowMax?: boolean; integer?: boolean } = {}): number {
    const { min = -Infinity, max = Infinity, belowMax = false, integer = false } = range;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (belowMax ? v < max : v <= max) &&
      (!integer || Number.isSafeInteger(v));
    if (!ok) {
      const kind = integer ? 'an integer' : 'a finite number';
      const lo = Number.isFinite(min) ? `${min}` : null;
      const hi = Number.isFinite(max) ? `${max}` : null;
      const where = lo !== null && hi !== null ? ` in [${lo}, ${hi}${belowMax ? ')' : ']'}` : lo !== null ? ` >= ${lo}` : '';
      this.fail(field, `${kind}${where}`, v);
    }
    return v as number;
  }

  nullable<T>(v: unknown, field: string, check: (v: unknown, field: string) => T): T | null {
    return v === null ? null : check(v, field);
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(field, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
    }
    return v as T;
  }
}

const FRACTION = { min: 0, max: 1 };
const SPARSITY = { min: 0, max: 1, belowMax: true };
const BITS = { min: 1, max: 32, integer: true };
const COUNT = { min: 0, integer: true };
const BYTES = { min: 1, integer: true };

function checkTrial(c: Checker, v: unknown, at: string): Trial {
  const t = c.object(v, at);
  return {
    id: c.string(t['id'], `${at}.id`),
    stage: c.oneOf(t['stage'], `${at}.stage`, TRIAL_STAGES),
    mode: c.oneOf(t['mode'], `${at}.mode`, TRIAL_MODES),
    sparsity: c.nullable(t['sparsity'], `${at}.sparsity`, (x, f) => c.number(x, f, SPARSITY)),
    bits: c.nullable(t['bits'], `${at}.bits`, (x, f) => c.number(x, f, BITS)),
    valAccuracy: c.number(t['valAccuracy'], `${at}.valAccuracy`, FRACTION),
    ...(t['testAccuracy'] !== undefined ? { testAccuracy: c.number(t['testAccuracy'], `${at}.testAccuracy`, FRACTION) } : {}),
    pqmBytes: c.number(t['pqmBytes'], `${at}.pqmBytes`, BYTES),
    nonzeroWeights: c.number(t['nonzeroWeights'], `${at}.nonzeroWeights`, COUNT),
    seconds: c.number(t['seconds'], `${at}.seconds`, { min: 0 }),
    parent: c.nullable(t['parent'], `${at}.parent`, (x, f) => c.string(x, f)),
  };
}

function checkChoice(c: Checker, v: unknown, at: string): Choice {
  const o = c.object(v, at);
  return {
    trial: c.string(o['trial'], `${at}.trial`),
    sparsity: c.nullable(o['sparsity'], `${at}.sparsity`, (x, f) => c.number(x, f, SPARSITY)),
    bits: c.nullable(o['bits'], `${at}.bits`, (x, f) => c.number(x, f, BITS)),
    valAccuracy: c.number(o['valAccuracy'], `${at}.valAccuracy`, FRACTION),
    reason: c.string(o['reason'], `${at}.reason`, false),
  };
}

function checkCounts(c: Checker, v: unknown, at: string, length: number): number[] {
  const a = c.array(v, at);
  if (a.length !== length) c.fail(at, `${length} counts (one per bin: edges.length - 1)`, a);
  return a.map((x, i) => c.number(x, `${at}[${i}]`, COUNT));
}

function checkModel(c: Checker, v: unknown, at: string): ChosenModel {
  const m = c.object(v, at);
  const lat = c.object(m['latency'], `${at}.latency`);
  const hist = c.object(m['histogram'], `${at}.histogram`);
  const edgesAt = `${at}.histogram.edges`;
  const edges = c.array(hist['edges'], edgesAt).map((x, i) => c.number(x, `${edgesAt}[${i}]`));
  if (edges.length < 2) c.fail(edgesAt, 'at least 2 edges (one bin)', hist['edges']);
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i]! > edges[i - 1]!)) c.fail(`${edgesAt}[${i}]`, `an edge greater than the one before (${edges[i - 1]})`, edges[i]);
  }
  const exports = m['exports'] === undefined ? undefined : c.array(m['exports'], `${at}.exports`).map((x, i) => {
    const ea = `${at}.exports[${i}]`;
    const e = c.object(x, ea);
    const format = c.string(e['format'], `${ea}.format`) as ModelExport['format'];
    if (!EXPORT_FORMATS.includes(format)) c.fail(`${ea}.format`, `one of ${EXPORT_FORMATS.join(', ')}`, format);
    return {
      format,
      path: c.nullable(e['path'], `${ea}.path`, (y, f) => c.string(y, f)),
      bytes: c.nullable(e['bytes'], `${ea}.bytes`, (y, f) => c.number(y, f, BYTES)),
      error: c.nullable(e['error'], `${ea}.error`, (y, f) => c.string(y, f)),
    };
  });
  return {
    label: c.string(m['label'], `${at}.label`),
    trial: c.string(m['trial'], `${at}.trial`),
    pqmPath: c.string(m['pqmPath'], `${at}.pqmPath`),
    pqmBytes: c.number(m['pqmBytes'], `${at}.pqmBytes`, BYTES),
    ...(exports !== undefined ? { exports } : {}),
    testAccuracy: c.number(m['testAccuracy'], `${at}.testAccuracy`, FRACTION),
    valAccuracy: c.number(m['valAccuracy'], `${at}.valAccuracy`, FRACTION),
    latency: {
      batch1P50Ms: c.number(lat['batch1P50Ms'], `${at}.latency.batch1P50Ms`, { min: 0 }),
      batch1P95Ms: c.number(lat['batch1P95Ms'], `${at}.latency.batch1P95Ms`, { min: 0 }),
      batch32ImagesPerSecond: c.number(lat['batch32ImagesPerSecond'], `${at}.latency.batch32ImagesPerSecond`, { min: 0 }),
      threads: c.number(lat['threads'], `${at}.latency.threads`, { min: 1, integer: true }),
    },
    layers: c.array(m['layers'], `${at}.layers`).map((x, i) => {
      const la = `${at}.layers[${i}]`;
      const l = c.object(x, la);
      return {
        name: c.string(l['name'], `${la}.name`),
        size: c.number(l['size'], `${la}.size`, COUNT),
        sparsity: c.number(l['sparsity'], `${la}.sparsity`, FRACTION),
        bits: c.nullable(l['bits'], `${la}.bits`, (y, f) => c.number(y, f, BITS)),
      };
    }),
    histogram: {
      edges,
      before: checkCounts(c, hist['before'], `${at}.histogram.before`, edges.length - 1),
      after: checkCounts(c, hist['after'], `${at}.histogram.after`, edges.length - 1),
    },
  };
}

/**
 * Returns `value` as a `StudyResults` (a fresh object holding only the format's fields) or
 * throws a `ResultsError` naming `source` and the first field at fault.
 */
export function validateResults(value: unknown, source = 'results'): StudyResults {
  const c = new Checker(source);
  const r = c.object(value, '(top level)');
  if (r['version'] !== RESULTS_VERSION) {
    if (r['version'] === undefined) c.fail('version', `${RESULTS_VERSION}`, undefined);
    throw new ResultsError(`${source}: version: results format version ${JSON.stringify(r['version'])}, this reader knows ${RESULTS_VERSION}`, source, 'version');
  }
  const createdAt = c.string(r['createdAt'], 'createdAt');
  if (Number.isNaN(Date.parse(createdAt))) c.fail('createdAt', 'an ISO 8601 time', createdAt);
  const config = c.object(r['config'], 'config');
  const ds = c.object(r['dataset'], 'dataset');
  const dataset = {
    name: c.string(ds['name'], 'dataset.name'),
    trainCount: c.number(ds['trainCount'], 'dataset.trainCount', COUNT),
    valCount: c.number(ds['valCount'], 'dataset.valCount', COUNT),
    testCount: c.number(ds['testCount'], 'dataset.testCount', COUNT),
  };
  const fp32Bytes = c.number(r['fp32Bytes'], 'fp32Bytes', BYTES);
  const trials = c.array(r['trials'], 'trials').map((t, i) => checkTrial(c, t, `trials[${i}]`));
  const ch = c.object(r['chosen'], 'chosen');
  const chosen = {
    pruning: c.nullable(ch['pruning'], 'chosen.pruning', (x, f) => checkChoice(c, x, f)),
    bits: c.nullable(ch['bits'], 'chosen.bits', (x, f) => checkChoice(c, x, f)),
    combinedTrial: c.nullable(ch['combinedTrial'], 'chosen.combinedTrial', (x, f) => c.string(x, f)),
  };
  const models = c.array(r['models'], 'models').map((m, i) => checkModel(c, m, `models[${i}]`));

  const ids = new Map<string, number>();
  trials.forEach((t, i) => {
    const first = ids.get(t.id);
    if (first !== undefined) c.fail(`trials[${i}].id`, `an id no other trial has (trials[${first}] has it)`, t.id);
    ids.set(t.id, i);
  });
  const known = `the id of one of the ${trials.length} trials`;
  trials.forEach((t, i) => { if (t.parent !== null && !ids.has(t.parent)) c.fail(`trials[${i}].parent`, `null or ${known}`, t.parent); });
  if (chosen.pruning && !ids.has(chosen.pruning.trial)) c.fail('chosen.pruning.trial', known, chosen.pruning.trial);
  if (chosen.bits && !ids.has(chosen.bits.trial)) c.fail('chosen.bits.trial', known, chosen.bits.trial);
  if (chosen.combinedTrial !== null && !ids.has(chosen.combinedTrial)) c.fail('chosen.combinedTrial', `null or ${known}`, chosen.combinedTrial);
  models.forEach((m, i) => { if (!ids.has(m.trial)) c.fail(`models[${i}].trial`, known, m.trial); });

  return { version: RESULTS_VERSION, createdAt, config, dataset, fp32Bytes, trials, chosen, models };
}
