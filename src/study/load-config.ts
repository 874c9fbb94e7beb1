/** Reading a study config file: YAML (parsed with `yaml`), then the hand-written schema. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { baseModelDefaults } from './base-model.js';
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
 * A study config from a YAML file (or the defaults when `path` is null), over a preset. A model
 * path in the file (.pqck, .onnx or TF.js model.json) is taken relative to the file. What the
 * model records comes between the defaults and the file: a checkpoint's training recipe and
 * dataset, and any model's preprocessing as `data.normalization`. An imported model records no
 * recipe, so the file's recipe (or the default one) fine-tunes it.
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
  const resolved = validateStudyConfig(doc, path, preset, baseModelDefaults(checkpoint, path));
  resolved.model = { zoo: null, checkpoint };
  return resolved;
}
