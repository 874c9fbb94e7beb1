/**
 * The stages hand independent trials to the queue together, so a parallel queue can run them
 * side by side: quantization does not wait for the pruning chain, a bit width's refine waits for
 * its own aware only, and the adaptive chain's trials carry a higher priority. A queue of the
 * test's own runs the trials newest first (the opposite of the in-process order) and records
 * which were outstanding when each one was submitted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runStudy, runTrial, validateStudyConfig, type JobQueue, type TrialJob, type TrialResult } from '../../src/study/index.js';

interface Submitted { job: TrialJob; outstanding: string[] }

/** Runs one trial at a time, always the newest submitted; records what was outstanding at each submission. */
class NewestFirstQueue implements JobQueue {
  readonly submitted: Submitted[] = [];
  private readonly waiting: { job: TrialJob; resolve(r: TrialResult): void; reject(e: Error): void }[] = [];
  private readonly outstanding = new Set<string>();
  private running = false;

  constructor(private readonly runDir: string) {}

  submit(job: TrialJob): Promise<TrialResult> {
    this.submitted.push({ job, outstanding: [...this.outstanding] });
    this.outstanding.add(job.id);
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running) return;
    this.running = true;
    // A turn later, so that every submission of this turn is waiting.
    setImmediate(async () => {
      const p = this.waiting.pop();
      if (p === undefined) return void (this.running = false);
      try {
        const r = await runTrial(p.job, { runDir: this.runDir, cacheDir: null });
        this.outstanding.delete(p.job.id);
        p.resolve(r);
      } catch (e) {
        p.reject(e as Error);
      }
      this.running = false;
      this.next();
    });
  }

  async close(): Promise<void> {}
}

test('independent trials are submitted together; refine waits only for its own aware; the adaptive chain goes first', { timeout: 240_000 }, async () => {
  const config = validateStudyConfig({
    data: { trainLimit: 1200, validation: 200, testLimit: 200 },
    recipe: { epochs: 1, lr: 0.05, batchSize: 32 },
    refine: { epochs: 1 },
    pruning: { adaptive: { start: 50, step: 20, minStep: 10, maxTrials: 2 } },
    quantization: { bits: [8, 4] },
    combine: { attempts: 1 },
    selection: { tolerance: 10 },
    measure: { batch1Runs: 2, batch32Seconds: 0.02 },
    cacheBaseline: false,
  }, 'concurrency');
  const runDir = mkdtempSync(join(tmpdir(), 'pq-concurrency-'));
  const queue = new NewestFirstQueue(runDir);
  const results = await runStudy(config, { runDir, cacheDir: null, report: false, queue });

  const find = (re: RegExp) => {
    const s = queue.submitted.filter((x) => re.test(x.job.id));
    assert.ok(s.length > 0, `no trial ${re}; submitted ${queue.submitted.map((x) => x.job.id).join(', ')}`);
    return s;
  };
  const firstQuant = find(/^quant-/)[0]!;
  // Quantization was submitted while the first pruning level's trials were all still outstanding.
  for (const mode of ['post', 'aware']) {
    assert.ok(firstQuant.outstanding.some((id) => id.startsWith(`prune-s50-${mode}-`)), `prune 50% ${mode} outstanding at ${firstQuant.job.id}: ${firstQuant.outstanding}`);
  }
  // Newest first runs the 4-bit aware, then its refine, before the 8-bit aware even starts.
  const refine4 = find(/^quant-b4-refine-/)[0]!;
  assert.ok(refine4.outstanding.some((id) => id.startsWith('quant-b8-aware-')), `8-bit aware outstanding at the 4-bit refine: ${refine4.outstanding}`);
  assert.ok(refine4.outstanding.some((id) => id.startsWith('prune-s50-aware-')), `the pruning chain outstanding at the 4-bit refine: ${refine4.outstanding}`);
  // The adaptive chain's trials carry the priority a parallel queue starts first; nothing else does.
  for (const s of queue.submitted) assert.equal(s.job.priority ?? 0, s.job.spec.stage === 'prune' ? 1 : 0, s.job.id);
  assert.ok(find(/^prune-s70-/).length === 3, 'the controller tried a second level');

  // 1 baseline, 2 levels and 2 bit widths three ways, 1 combination three ways; each trial once.
  assert.equal(results.trials.length, 1 + 3 * (2 + 2 + 1));
  assert.equal(new Set(queue.submitted.map((s) => s.job.id)).size, queue.submitted.length);
});
