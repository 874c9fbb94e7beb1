/** Reading a study config file: YAML (parsed with `yaml`), then the hand-written schema. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { QUANT_META_KEY } from '../compress/index.js';
import { loadCheckpoint } from '../nn/index.js';
import type { StudyConfig } from './config.js';
import { StudyConfigError } from './errors.js';
import { validateStudyConfig } from './validate-config.js';

/** Parses YAML text; a syntax error becomes one line naming the source, line and column. */
export function parseStudyYaml(text: string, source = 'config'): unknown {
  try {
    return parse(text, { uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0];
      const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new StudyConfigError(`${source}${at ? `:${at.line}:${at.col}` : ''}: invalid YAML: ${first}`);
    }
    throw e;
  }
}

/**
 * A study config from a YAML file (or the defaults when `path` is null), over a preset. A
 * checkpoint path in the file is taken relative to the file.
 * @example const config = loadStudyConfig('examples/lenet5-pytorch-protocol.yaml');
 */
export function loadStudyConfig(path: string | null, preset: string | null = null): StudyConfig {
  if (path === null) return validateStudyConfig(null, 'defaults', preset);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new StudyConfigError(`${path}: cannot read the study config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const doc = parseStudyYaml(text, path);
  const config = validateStudyConfig(doc, path, preset);
  if (config.model.checkpoint === null) return config;
  const checkpoint = isAbsolute(config.model.checkpoint) ? config.model.checkpoint : resolve(dirname(path), config.model.checkpoint);
  // The study fine-tunes a given model with the recipe stored in it; the file may still override any of it.
  const resolved = validateStudyConfig(doc, path, preset, storedRecipe(checkpoint, path));
  resolved.model = { zoo: null, checkpoint };
  return resolved;
}

/** A checkpoint's meta.recipe (as `prunequant train` writes it) as config fields; checks the file on the way. */
function storedRecipe(checkpoint: string, source: string): Record<string, unknown> {
  let meta: Record<string, unknown>;
  try {
    const loaded = loadCheckpoint(checkpoint);
    meta = loaded.meta;
    loaded.model.dispose();
  } catch (e) {
    throw new StudyConfigError(`${source}: model: ${(e as Error).message}`, 'model');
  }
  if (meta[QUANT_META_KEY] !== undefined) {
    throw new StudyConfigError(`${source}: model: ${checkpoint} is quantized; a study starts from a float model (it prunes and quantizes it itself)`, 'model');
  }
  const r = (meta['recipe'] ?? {}) as Record<string, unknown>;
  const schedule = (r['schedule'] ?? {}) as Record<string, unknown>;
  const recipe: Record<string, unknown> = {};
  const copy = (from: unknown, key: string) => { if (from !== undefined && from !== null) recipe[key] = from; };
  for (const k of ['lr', 'epochs', 'batchSize', 'optimizer', 'momentum', 'nesterov', 'weightDecay', 'labelSmoothing', 'shift']) copy(r[k], k);
  copy(schedule['kind'], 'schedule');
  copy(schedule['warmupEpochs'], 'warmupEpochs');
  copy(schedule['stepEpochs'], 'stepEpochs');
  return { recipe, ...(typeof r['dataset'] === 'string' ? { data: { dataset: r['dataset'] } } : {}) };
}
