/**
 * `report.testAllTrials`: every trial's .pqm scored on the test split, for comparing a study
 * with a reference run cell by cell. It runs after stage 6, when every choice has been taken and
 * recorded, so no decision can read these figures; they only reach results.json and the report.
 * Each score goes through the runtime on the deployed file, as the chosen models' test accuracy
 * does, so a chosen trial's cell and its model's figure are the same number.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../data/index.js';
import { pqmAccuracy } from './measure.js';
import { trialDir } from './run-trial.js';

/**
 * Test accuracy of each trial's model.pqm in `runDir`, by trial id.
 * @example const scores = await scoreTrialsOnTest('runs/study', ['base-train-0123456789'], data.test);
 */
export async function scoreTrialsOnTest(runDir: string, trialIds: readonly string[], test: Dataset): Promise<Map<string, number>> {
  const scores = new Map<string, number>();
  for (const id of trialIds) {
    const path = join(trialDir(runDir, id), 'model.pqm');
    scores.set(id, await pqmAccuracy(new Uint8Array(await readFile(path)), path, test));
  }
  return scores;
}
