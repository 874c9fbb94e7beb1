/** The chosen models with what the study measured on them: size, ratio, test accuracy, speed. */
import { bitsLabel, bytes, count, level, ms, percent, pointsDelta, ratio } from './format.js';
import { baselineModel, trialById } from './lookup.js';
import type { ChosenModel, StudyResults } from './results.js';
import type { Table } from './table.js';

export function chosenTable(r: StudyResults): Table {
  const trials = trialById(r);
  const base = baselineModel(r);
  return {
    header: ['model', 'trial', 'pruned', 'bits', 'size on disk (.pqm)', 'vs fp32', 'val accuracy', 'test accuracy', 'test vs baseline',
      'batch-1 p50 (ms)', 'batch-1 p95 (ms)', 'batch-32 (img/s)', 'threads', 'also written as'],
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    rows: r.models.map((m) => {
      const t = trials.get(m.trial);
      return [
        m.label, m.trial, level(t?.sparsity ?? null), bitsLabel(t?.bits ?? null), bytes(m.pqmBytes), ratio(r.fp32Bytes / m.pqmBytes),
        percent(m.valAccuracy), percent(m.testAccuracy), base === null ? '–' : pointsDelta(m.testAccuracy, base.testAccuracy),
        ms(m.latency.batch1P50Ms), ms(m.latency.batch1P95Ms), count(m.latency.batch32ImagesPerSecond), String(m.latency.threads),
        otherFormats(m),
      ];
    }),
  };
}

/** "ONNX int8 6.1 KiB, TF.js 241 KiB", or why a format could not be written. */
function otherFormats(m: ChosenModel): string {
  if (m.exports === undefined || m.exports.length === 0) return '–';
  const name = { onnx: 'ONNX', 'onnx-int8': 'ONNX int8', tfjs: 'TF.js' } as const;
  return m.exports.map((e) => `${name[e.format]} ${e.bytes !== null ? bytes(e.bytes) : 'not written'}`).join(', ');
}
