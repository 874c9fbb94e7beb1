/** Finding things in a StudyResults: the baseline, a trial by id, the chosen model of a trial. */
import type { ChosenModel, StudyResults, Trial, TrialMode } from './results.js';

/** The baseline trial: the first with stage 'baseline'; null when the study has none yet. */
export function baselineTrial(r: StudyResults): Trial | null {
  return r.trials.find((t) => t.stage === 'baseline') ?? null;
}

/** The measured model of the baseline trial, if the study measured it. */
export function baselineModel(r: StudyResults): ChosenModel | null {
  const b = baselineTrial(r);
  return b === null ? null : r.models.find((m) => m.trial === b.id) ?? null;
}

export function trialById(r: StudyResults): Map<string, Trial> {
  return new Map(r.trials.map((t) => [t.id, t]));
}

/** The labels of the chosen models of each trial ('best pruning', 'combined', ...). */
export function chosenLabels(r: StudyResults): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of r.models) out.set(m.trial, [...(out.get(m.trial) ?? []), m.label]);
  return out;
}

/** Modes in words, as the method names them. */
export const MODE_WORDS: Record<TrialMode, string> = {
  post: 'post-training',
  aware: 'aware-trained',
  refine: 'refine-tuned at lr / 10',
  train: 'trained',
};
