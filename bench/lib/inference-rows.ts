// Rows of the inference comparison and the ratio table between two lists of them, kept
// generic so that our runtime's configurations plug in as rows like the anchors'.
import type { InferenceMeasurement } from './inference-timing.js';
import { formatRate, mebibytes, ratio } from './measure.js';

/** One configuration of one model: an anchor, or one of ours (dense, sparse, int8, ...). */
export interface InferenceRow {
  label: string;
  /** Batch-N throughput (N = 32 in the benchmark), best window. */
  imagesPerSecond: number;
  /** Batch-1 latency percentiles, milliseconds. */
  p50: number;
  p95: number;
  peakRssBytes: number;
}

// An engine that ran fewer threads than asked (TF.js WASM in Node) says so, so that its rows
// from two requests do not read as one configuration listed twice.
const defaultLabel = (m: InferenceMeasurement) => `${m.engine} ${m.threads}t${m.threads !== m.threadsRequested ? ` (asked ${m.threadsRequested})` : ''}`;

export function rowFromMeasurement(m: InferenceMeasurement, label = defaultLabel(m)): InferenceRow {
  return { label, imagesPerSecond: m.batchN.imagesPerSecond, p50: m.batch1.p50Ms, p95: m.batch1.p95Ms, peakRssBytes: m.peakRssBytes };
}

export const formatMs = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));

/** Columns two spaces apart: the first `textColumns` (labels) left-aligned, the figures right-aligned. */
export function formatTable(rows: readonly (readonly string[])[], textColumns = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  return rows.map((r) => r.map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/**
 * One line per (ours, anchor) pair. Speed columns are speed-ups, >1 when ours is faster:
 * throughput ours/theirs, latency theirs/ours. Memory is ours/theirs, <1 when ours uses less.
 */
export function ratioTable(ours: readonly InferenceRow[], anchors: readonly InferenceRow[]): string {
  const rows: string[][] = [['ours', 'vs', 'img/s', 'speed-up img/s', 'speed-up p50', 'speed-up p95', 'peak RSS', 'RSS ours/theirs']];
  for (const o of ours) {
    for (const a of anchors) {
      rows.push([
        o.label, a.label, `${formatRate(o.imagesPerSecond)} vs ${formatRate(a.imagesPerSecond)}`,
        ratio(o.imagesPerSecond, a.imagesPerSecond), ratio(a.p50, o.p50), ratio(a.p95, o.p95),
        `${mebibytes(o.peakRssBytes)} vs ${mebibytes(a.peakRssBytes)}`, ratio(o.peakRssBytes, a.peakRssBytes),
      ]);
    }
  }
  return formatTable(rows, 2);
}
