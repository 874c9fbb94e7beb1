/**
 * How a parallel queue shares kernel threads among trials (schedule.ts), case by case, and how
 * many workers 'auto' means.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planStarts, resolveWorkers, type PoolState, type WaitingJob } from '../../src/study/index.js';

const heavy = (seq: number, priority = 0): WaitingJob => ({ light: false, priority, seq });
const light = (seq: number): WaitingJob => ({ light: true, priority: 0, seq });
const pool = (p: Partial<PoolState>): PoolState => ({ idle: 2, busyHeavy: 0, workers: 2, freeThreads: 2, ...p });

test('a heavy trial alone gets every thread; two waiting ones get one each', () => {
  assert.deepEqual(planStarts([heavy(0)], pool({})), [{ index: 0, threads: 2 }]);
  assert.deepEqual(planStarts([heavy(0), heavy(1), heavy(2)], pool({})), [{ index: 0, threads: 1 }, { index: 1, threads: 1 }]);
  // Four threads, two workers: two each; three threads: the first gets the odd one.
  assert.deepEqual(planStarts([heavy(0), heavy(1)], pool({ freeThreads: 4 })), [{ index: 0, threads: 2 }, { index: 1, threads: 2 }]);
  assert.deepEqual(planStarts([heavy(0), heavy(1)], pool({ freeThreads: 3 })), [{ index: 0, threads: 2 }, { index: 1, threads: 1 }]);
});

test('light trials go first on one thread and reserve none; a worker busy with one still counts for the share', () => {
  // The combination's post and aware arrive together: post on one worker, aware on both threads.
  assert.deepEqual(planStarts([light(0), heavy(1)], pool({})), [{ index: 0, threads: 1 }, { index: 1, threads: 2 }]);
  // After the baseline: lights fill both workers, heavies wait.
  assert.deepEqual(planStarts([heavy(0), light(1), heavy(2), light(3)], pool({})), [{ index: 1, threads: 1 }, { index: 3, threads: 1 }]);
  // The last light is done on one worker while the other runs a light one: a heavy starts on
  // half the threads, since the other worker will take the next heavy within a second.
  assert.deepEqual(planStarts([heavy(0), heavy(2)], pool({ idle: 1 })), [{ index: 0, threads: 1 }]);
  // A light trial starts beside a heavy one holding every thread.
  assert.deepEqual(planStarts([light(5), heavy(6)], pool({ idle: 1, busyHeavy: 1, freeThreads: 0 })), [{ index: 0, threads: 1 }]);
});

test('a heavy trial never starts without a free thread, and takes only what is free', () => {
  assert.deepEqual(planStarts([heavy(0)], pool({ idle: 1, busyHeavy: 1, freeThreads: 0 })), []);
  assert.deepEqual(planStarts([heavy(0), heavy(1)], pool({ idle: 1, busyHeavy: 1, freeThreads: 1 })), [{ index: 0, threads: 1 }]);
  // More workers than threads (--workers 4 --threads 2: a budget of a thread per worker, and no
  // trial on more than the 2 threads asked for).
  assert.deepEqual(planStarts([heavy(0), heavy(1), heavy(2), heavy(3)], pool({ idle: 4, workers: 4, freeThreads: 4, maxThreads: 2 })).map((s) => s.threads), [1, 1, 1, 1]);
  assert.deepEqual(planStarts([heavy(0)], pool({ idle: 4, workers: 4, freeThreads: 4, maxThreads: 2 })), [{ index: 0, threads: 2 }]);
  assert.deepEqual(planStarts([], pool({})), []);
  assert.deepEqual(planStarts([heavy(0)], pool({ idle: 0, busyHeavy: 0 })), []);
});

test('waiting heavy trials start by priority, then in submission order', () => {
  const waiting = [heavy(0), heavy(1), heavy(2, 1), heavy(3), heavy(4, 1)];
  assert.deepEqual(planStarts(waiting, pool({ idle: 1, busyHeavy: 1, freeThreads: 1 })), [{ index: 2, threads: 1 }]);
  assert.deepEqual(planStarts(waiting, pool({})).map((s) => s.index), [2, 4]);
  assert.deepEqual(planStarts([heavy(1), heavy(0)], pool({ idle: 1, busyHeavy: 1, freeThreads: 1 })), [{ index: 1, threads: 1 }]);
});

test("workers 'auto': two with two threads or more, one (in process) on one thread; a number stays", () => {
  assert.equal(resolveWorkers('auto', 1), 1);
  assert.equal(resolveWorkers('auto', 2), 2);
  assert.equal(resolveWorkers('auto', 16), 2);
  assert.equal(resolveWorkers(3, 1), 3);
  assert.equal(resolveWorkers(1, 2), 1);
});
