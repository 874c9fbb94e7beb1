/**
 * What the study chose and why, in sentences: the dataset and its splits, the baseline, the
 * chosen pruning level and bit width with the study's own reasons, the combined model, and
 * what the chosen models gained in size and speed. Plain text; the writers escape it.
 */
import { bitsLabel, bytes, count, level, ms, percent, pointsDelta, ratio, seconds } from './format.js';
import { MODE_WORDS, baselineModel, baselineTrial, trialById } from './lookup.js';
import type { Choice, StudyResults, Trial } from './results.js';

function choiceSentence(what: string, c: Choice | null, trials: Map<string, Trial>, setting: string): string {
  if (c === null) return `${what}: none chosen (no candidate held accuracy within the study's tolerance, or the stage did not run).`;
  const t = trials.get(c.trial);
  const how = t === undefined ? '' : `, ${MODE_WORDS[t.mode]}`;
  const why = c.reason.trim();
  const reason = why.length > 0 ? ` Why: ${why}${/[.!?]$/.test(why) ? '' : '.'}` : '';
  return `${what}: ${setting}${how} (trial ${c.trial}), ${percent(c.valAccuracy)} validation accuracy.${reason}`;
}

/** Whether the study scored every trial on the test split (report.testAllTrials). */
const everyTrialTested = (r: StudyResults): boolean => r.trials.length > 0 && r.trials.every((t) => t.testAccuracy !== undefined);

/** Which models the test split scored, as the report's opening line says it. */
export function testScope(r: StudyResults): string {
  return everyTrialTested(r) ? 'test accuracy is reported for every trial, scored after every choice was made' : 'test accuracy is reported for the chosen models only';
}

export function summaryLines(r: StudyResults): string[] {
  const trials = trialById(r);
  const lines: string[] = [];
  const d = r.dataset;
  lines.push(`Dataset ${d.name}: ${count(d.trainCount)} training images; ${count(d.valCount)} validation images, carved from the ` +
    `training data, decide every choice; ${count(d.testCount)} test images only report ${everyTrialTested(r) ? 'every trial, after the choices' : 'the chosen models'}.`);

  const bt = baselineTrial(r), bm = baselineModel(r);
  if (bt !== null) {
    const test = bm === null ? '' : `, ${percent(bm.testAccuracy)} test`;
    lines.push(`Baseline (trial ${bt.id}): ${percent(bt.valAccuracy)} validation${test}; its .pqm is ${bytes(bt.pqmBytes)}, ` +
      `against ${bytes(r.fp32Bytes)} of dense float32 weights.`);
  } else {
    lines.push('Baseline: not recorded yet.');
  }

  const p = r.chosen.pruning, b = r.chosen.bits;
  lines.push(choiceSentence('Pruning level', p, trials, p === null ? '' : `${level(p.sparsity)} of the weights pruned`));
  lines.push(choiceSentence('Bit width', b, trials, b === null ? '' : `${bitsLabel(b.bits)}-bit weights`));

  const ct = r.chosen.combinedTrial === null ? undefined : trials.get(r.chosen.combinedTrial);
  if (ct !== undefined) {
    const cm = r.models.find((m) => m.trial === ct.id);
    const size = cm?.pqmBytes ?? ct.pqmBytes;
    const test = cm === undefined ? '' : `, ${percent(cm.testAccuracy)} test${bm === null ? '' : ` (${pointsDelta(cm.testAccuracy, bm.testAccuracy)} against the baseline)`}`;
    lines.push(`Combined: ${level(ct.sparsity)} pruned, then ${bitsLabel(ct.bits)}-bit weights with the mask kept, ${MODE_WORDS[ct.mode]} ` +
      `(trial ${ct.id}): ${percent(ct.valAccuracy)} validation${test}; ${bytes(size)} on disk, ` +
      `${ratio(r.fp32Bytes / size)} smaller than the float32 weights.`);
  } else {
    lines.push('Combined: not run (it needs both a chosen pruning level and a chosen bit width).');
  }

  if (bm !== null) {
    const others = r.models.filter((m) => m !== bm);
    if (others.length > 0) {
      const fastest1 = others.reduce((a, m) => (m.latency.batch1P50Ms < a.latency.batch1P50Ms ? m : a));
      const fastest32 = others.reduce((a, m) => (m.latency.batch32ImagesPerSecond > a.latency.batch32ImagesPerSecond ? m : a));
      lines.push(`Speed (${fastest1.latency.threads} thread${fastest1.latency.threads === 1 ? '' : 's'}): fastest at batch 1 is ${fastest1.label}, ` +
        `p50 ${ms(fastest1.latency.batch1P50Ms)} ms against ${ms(bm.latency.batch1P50Ms)} ms for the baseline ` +
        `(${ratio(bm.latency.batch1P50Ms / fastest1.latency.batch1P50Ms)} faster); at batch 32 ${fastest32.label}, ` +
        `${count(fastest32.latency.batch32ImagesPerSecond)} images/s against ${count(bm.latency.batch32ImagesPerSecond)} ` +
        `(${ratio(fastest32.latency.batch32ImagesPerSecond / bm.latency.batch32ImagesPerSecond)}).`);
    }
  }

  const perStage = (['baseline', 'prune', 'quantize', 'combined'] as const)
    .map((s) => [s, r.trials.filter((t) => t.stage === s).length] as const).filter(([, n]) => n > 0);
  const total = r.trials.reduce((a, t) => a + t.seconds, 0);
  lines.push(`${r.trials.length} trials (${perStage.map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}), ${seconds(total)} s of trial time in all.`);
  return lines;
}
