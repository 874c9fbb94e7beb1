/**
 * The run directory: study.json (the resolved config and its hash) says which study the trials in
 * trials/ belong to. A new study refuses a directory that holds another one; a resumed study
 * refuses a config that differs from the one stored (naming the fields that differ). All of it is
 * checked before any training starts.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { writeFileAtomic } from '../nn/index.js';
import type { StudyConfig } from './config.js';
import { StudyConfigError } from './errors.js';
import { canonicalJson, hashOf } from './hash.js';

export const STUDY_FILE = 'study.json';

export interface StoredStudy {
  version: 1;
  /** Hash of the config minus what does not change any trial (workers, the baseline cache, the report). */
  configHash: string;
  config: StudyConfig;
  createdAt: string;
}

/**
 * The part of a config that decides the trials and choices: parallelism, the baseline cache and
 * what the report adds do not (so a finished study can be resumed with `report.testAllTrials`
 * turned on, and only the test scores are computed).
 */
export function studyIdentity(config: StudyConfig): Omit<StudyConfig, 'workers' | 'cacheBaseline' | 'report'> {
  const { workers: _workers, cacheBaseline: _cache, report: _report, ...rest } = config;
  return rest;
}

export const configHash = (config: StudyConfig): string => hashOf(studyIdentity(config), 16);

/** Top-level fields (and one level down) whose values differ, for messages. */
function differences(a: Record<string, unknown>, b: Record<string, unknown>, prefix = ''): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => {
    const x = a[k], y = b[k];
    if (canonicalJson(x) === canonicalJson(y)) return [];
    const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (prefix === '' && isObj(x) && isObj(y)) return differences(x as Record<string, unknown>, y as Record<string, unknown>, `${k}.`);
    return [`${prefix}${k} (${JSON.stringify(x) ?? 'unset'} there, ${JSON.stringify(y) ?? 'unset'} here)`];
  });
}

/** The deepest existing ancestor of `path`, which must be a writable directory. */
function checkWritable(path: string, option: string): void {
  let dir = path;
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (!statSync(dir).isDirectory()) throw new StudyConfigError(`${option} ${path}: ${dir} is a file, not a directory`, option);
  if (/^\/(proc|sys)(\/|$)/.test(dir)) throw new StudyConfigError(`${option} ${path}: ${dir} is a virtual file system; choose a real directory`, option);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new StudyConfigError(`${option} ${path}: cannot write under ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, option);
  }
}

export function readStoredStudy(runDir: string): StoredStudy | null {
  const path = join(runDir, STUDY_FILE);
  if (!existsSync(path)) return null;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as StoredStudy;
    if (s.version !== 1 || typeof s.configHash !== 'string' || typeof s.config !== 'object') throw new Error('not a study file');
    // Studies stored before the report option existed resume with its default.
    return { ...s, config: { ...s.config, report: (s.config as Partial<StudyConfig>).report ?? { testAllTrials: false } } };
  } catch (e) {
    throw new StudyConfigError(`${path}: not a study file this version can resume (${(e as Error).message})`, 'resume');
  }
}

/**
 * Checks a run directory for a new study (`resume` false: absent or empty) or for resuming
 * (`resume` true: holds a study with the same config). Creates nothing.
 */
export function checkRunDir(runDir: string, config: StudyConfig, resume: boolean): void {
  const option = resume ? '--resume' : '--out';
  checkWritable(runDir, option);
  const stored = readStoredStudy(runDir);
  if (resume) {
    if (stored === null) throw new StudyConfigError(`--resume ${runDir}: no ${STUDY_FILE} there, so no study to resume; start one with --out ${runDir}`, 'resume');
    if (stored.configHash !== configHash(config)) {
      const diff = differences(studyIdentity(stored.config) as unknown as Record<string, unknown>, studyIdentity(config) as unknown as Record<string, unknown>);
      throw new StudyConfigError(`--resume ${runDir}: that study was run with a different config; differs in ${diff.join('; ') || 'its hash'}. Resume it without a config (or with the same one), or start a new study with --out`, 'resume');
    }
    return;
  }
  if (stored !== null) {
    const same = stored.configHash === configHash(config);
    throw new StudyConfigError(`--out ${runDir} already holds a study${same ? ' with this config' : ' with a different config'}; ` +
      `${same ? `continue it with --resume ${runDir}` : 'choose another --out'}`, 'out');
  }
  if (existsSync(runDir) && statSync(runDir).isDirectory() && readdirSync(runDir).length > 0) {
    throw new StudyConfigError(`--out ${runDir} exists and is not empty (and holds no ${STUDY_FILE}); choose a new or empty directory`, 'out');
  }
  if (existsSync(runDir) && !statSync(runDir).isDirectory()) throw new StudyConfigError(`--out ${runDir} is a file, not a directory`, 'out');
}

/** Creates the run directory and writes study.json (keeping the stored one when resuming). */
export function openRunDir(runDir: string, config: StudyConfig): void {
  mkdirSync(join(runDir, 'trials'), { recursive: true });
  const stored = readStoredStudy(runDir);
  if (stored === null) {
    const study: StoredStudy = { version: 1, configHash: configHash(config), config, createdAt: new Date().toISOString() };
    writeFileAtomic(join(runDir, STUDY_FILE), `${JSON.stringify(study, null, 2)}\n`);
  }
}

/** Where trained baselines are kept across runs: $PRUNEQUANT_CACHE, else $XDG_CACHE_HOME or ~/.cache, /prunequant/baselines. */
export function defaultCacheDir(): string {
  const env = process.env['PRUNEQUANT_CACHE'];
  if (env) return resolve(env);
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'prunequant', 'baselines');
}
