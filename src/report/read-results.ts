/** Reads and checks a results.json; every failure is a `ResultsError` naming the file. */
import { readFileSync } from 'node:fs';
import { ResultsError } from './errors.js';
import type { StudyResults } from './results.js';
import { validateResults } from './validate-results.js';

export function readResults(path: string): StudyResults {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (a study writes results.json in its run directory)'
      : code === 'EISDIR' ? 'is a directory, expected a results.json file'
      : code === 'EACCES' ? 'not readable (permission denied)'
      : (e as Error).message;
    throw new ResultsError(`${path}: ${why}`, path, null);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ResultsError(`${path}: invalid JSON: ${(e as Error).message}`, path, null);
  }
  return validateResults(value, path);
}
