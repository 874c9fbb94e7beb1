/**
 * The live display of `prunequant run` as pure functions (events in, frame text out), its
 * in-place redraw on a fake terminal with a fake clock, and the plain line mode of a pipe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveDisplay, StudyProgress, formatDuration, renderFrame, scrollLine } from '../../src/cli/study-display.js';
import { formatEvent, progressLine, type StudyEvent } from '../../src/study/index.js';

const start = (trial: string, label: string, worker?: number): StudyEvent => ({ kind: 'trial-start', trial, label, ...(worker !== undefined ? { worker } : {}) });
const batch = (trial: string, epoch: number, step: number): StudyEvent => ({ kind: 'batch', trial, label: trial, epoch, epochs: 4, step, steps: 100, loss: 0.5 });
const done = (trial: string, seconds: number, reused: 'run' | 'cache' | null = null): StudyEvent =>
  ({ kind: 'trial-done', trial, label: trial, valAccuracy: 0.98, pqmBytes: 1000, seconds, reused });

test('formatDuration: seconds, minutes, hours', () => {
  assert.equal(formatDuration(42.4), '42 s');
  assert.equal(formatDuration(185), '3 min 05 s');
  assert.equal(formatDuration(3720), '1 h 02 min');
});

test('renderFrame: stage, trials done of planned, each running trial with epoch and batch, ETA', () => {
  const p = new StudyProgress();
  p.apply({ kind: 'plan', trials: 10, workers: 2 }, 0);
  p.apply({ kind: 'stage', stage: '2 pruning', message: 'levels 90, 95%' }, 0);
  p.apply(done('baseline', 10), 10_000);
  p.apply(done('old', 500, 'run'), 10_000); // resumed: its time says nothing about this machine now
  p.apply(start('prune-90-aware', 'prune 90% aware', 1), 10_000);
  p.apply(start('quant-4-aware', 'quantize 4 bits aware', 2), 12_000);
  p.apply(batch('prune-90-aware', 2, 50), 15_000);
  // Done 2 of 10; the running ones: 1.5 of 4 epochs (0.375) and not started (0).
  // Left: 8 - 0.375 = 7.625 trials at the mean 10 s, 2 at a time: 38.125 s.
  assert.equal(p.etaSeconds(), 38.125);
  assert.equal(renderFrame(p, 20_000), [
    'study: 2 pruning (levels 90, 95%)',
    'trials 2/~10 done, 2 running; elapsed 20 s, ETA 38 s',
    '  [w1] prune 90% aware: epoch 2/4 batch 50/100 [########............] 37%, 10 s',
    '  [w2] quantize 4 bits aware: preparing, 8 s',
  ].join('\n'));
  p.apply(done('prune-90-aware', 30), 40_000);
  const after = renderFrame(p, 40_000, 30);
  assert.ok(!after.includes('prune 90%'), 'a finished trial leaves the frame');
  for (const line of after.split('\n')) assert.ok(line.length <= 30, `cut to the width: '${line}'`);
});

test('renderFrame: no ETA before a trial has run here', () => {
  const p = new StudyProgress();
  p.apply({ kind: 'plan', trials: 4, workers: 1 }, 0);
  p.apply(done('cached', 100, 'cache'), 0);
  assert.equal(p.etaSeconds(), null);
  assert.match(renderFrame(p, 1000), /ETA after the first trial/);
});

test('LiveDisplay: redraws in place, throttled; stage and result lines scroll above the frame', () => {
  let now = 0;
  const written: string[] = [];
  const d = new LiveDisplay({ write: (s: string) => written.push(s), columns: 200 }, 200, () => now);
  d.onEvent({ kind: 'plan', trials: 3, workers: 1 });
  d.onEvent({ kind: 'stage', stage: '1 baseline', message: 'lenet5' });
  const out = () => written.join('');
  assert.ok(out().includes(`${formatEvent({ kind: 'stage', stage: '1 baseline', message: 'lenet5' })}\n`), 'the stage scrolls as a plain line');
  d.onEvent(start('t', 't'));
  const before = written.length;
  now = 50;
  d.onEvent(batch('t', 1, 10)); // within 200 ms of the last draw: not drawn now
  assert.equal(written.length, before);
  now = 300;
  d.onEvent(batch('t', 1, 20));
  // The last frame drawn (2 lines, at the stage) is erased: to its first line, then to the end of
  // the screen; the new one has a line for the running trial.
  assert.equal(written.at(-2), '\r\x1b[1A\x1b[J');
  assert.match(written.at(-1)!, /epoch 1\/4 batch 20\/100/);
  d.close();
  assert.equal(written.at(-1), '\r\x1b[2A\x1b[J', 'close erases the 3-line frame');
  assert.ok(!out().includes('\x1b[0A'), 'never CSI 0 A, which moves a line up on most terminals');
});

test('plain line mode: one line per event, batch progress left out', () => {
  const events: StudyEvent[] = [
    { kind: 'plan', trials: 3, workers: 1 }, start('t', 'prune 90% aware', 2), batch('t', 1, 10),
    { kind: 'epoch', trial: 't', label: 'prune 90% aware', epoch: 1, epochs: 4, trainLoss: 0.25, seconds: 1.5, worker: 2 }, done('t', 3),
  ];
  const lines = events.map(progressLine);
  assert.equal(lines[2], null);
  assert.deepEqual(lines.filter((l) => l !== null), [
    '== plan: about 3 trials, 1 at a time',
    'trial prune 90% aware (t) started [w2]',
    'trial prune 90% aware: epoch 1/4 train loss 0.2500 (1.5 s) [w2]',
    'trial t: val 98.00%, 1000 B .pqm, 3.0 s',
  ]);
  assert.equal(scrollLine(batch('t', 1, 10)), null);
});
