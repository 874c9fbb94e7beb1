/**
 * Durable trials: a study killed with SIGKILL in the middle of a trial, then resumed with
 * `--resume`, ends with the same results.json as an uninterrupted run (modulo timings and
 * paths), and the resumed run does not redo the trials that had finished. The uninterrupted run
 * uses two worker processes on two kernel threads (the killed one, one thread in process), so the
 * same comparison checks that parallel trials and thread counts change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;

function cli(argv: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>; onLine(f: (line: string) => void): void } {
  const code = `import(${JSON.stringify(MAIN)}).then(async (m) => { process.exitCode = await m.main(JSON.parse(process.env.PQ_ARGV)); })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, PQ_ARGV: JSON.stringify(argv) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '', stdout = '', partial = '';
  const listeners: ((line: string) => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) for (const f of listeners) f(l);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) => {
    child.on('exit', (c, signal) => resolve({ code: c, signal, stderr, stdout }));
  });
  return { child, done, onLine: (f) => listeners.push(f) };
}

/** results.json without what differs between two runs of the same study: times and paths. */
function comparable(dir: string): unknown {
  const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  delete r.createdAt;
  for (const t of r.trials) delete t.seconds;
  for (const m of r.models) {
    delete m.latency;
    delete m.pqmPath;
    for (const e of m.exports ?? []) delete e.path;
  }
  return r;
}

test('kill -9 during a trial, --resume, and the results equal an uninterrupted run', { timeout: 240_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'pq-resume-'));
  const whole = join(root, 'whole'), killed = join(root, 'killed');
  const common = ['--preset', 'tiny', '--no-cache', '--threads', '1'];

  // The uninterrupted run (two workers, a kernel thread each) goes alongside the one that is killed and resumed.
  const a = cli(['run', '--preset', 'tiny', '--no-cache', '--threads', '2', '--workers', '2', '--out', whole]);
  const b = cli(['run', ...common, '--out', killed]);
  let starts = 0, killedAt = '';
  b.onLine((line) => {
    // Kill in the middle of the sixth trial: after its start, before its end.
    if (/^trial .* started/.test(line) && ++starts === 6) {
      killedAt = line;
      setTimeout(() => b.child.kill('SIGKILL'), 150);
    }
  });
  const first = await b.done;
  assert.equal(first.signal, 'SIGKILL', `the study ended before it was killed:\n${first.stderr}`);
  assert.ok(!existsSync(join(killed, 'results.json')));
  const finished = readdirSync(join(killed, 'trials')).filter((id) => existsSync(join(killed, 'trials', id, 'result.json')));
  assert.ok(finished.length >= 1 && finished.length < 16, `${finished.length} trials finished before the kill (at: ${killedAt})`);

  const resumed = cli(['run', '--resume', killed, '--no-cache', '--threads', '1']);
  const second = await resumed.done;
  assert.equal(second.code, 0, second.stderr);
  const reused = second.stderr.split('\n').filter((l) => l.includes('finished before (resumed)'));
  assert.equal(reused.length, finished.length, 'every finished trial is reused, none is run again');
  const ran = second.stderr.split('\n').filter((l) => /^trial .* started/.test(l));
  assert.equal(ran.length + reused.length, 16);

  const whole1 = await a.done;
  assert.equal(whole1.code, 0, whole1.stderr);
  assert.deepEqual(comparable(killed), comparable(whole));

  // Two workers share the 2 kernel threads out as trials start (schedule.ts): a trial that trains
  // alone (the baseline, the combination's aware and refine) gets both, the first of the pruning
  // and quantization trials that train side by side one, a post trial one.
  const startLines = whole1.stderr.split('\n').filter((l) => /^trial .* started/.test(l));
  const threadsOf = (re: RegExp) => {
    const line = startLines.find((l) => re.test(l));
    assert.ok(line !== undefined, `no start line ${re} in:\n${startLines.join('\n')}`);
    return /\[w\d+, (\d+) threads?\]$/.exec(line)?.[1];
  };
  assert.equal(threadsOf(/^trial baseline train /), '2');
  assert.equal(threadsOf(/^trial (prune|quantize) \S+ aware /), '1');
  assert.equal(threadsOf(/^trial (prune|quantize) \S+ post /), '1');
  assert.equal(threadsOf(/^trial combined \S+ \S+ aware /), '2');
  assert.equal(threadsOf(/^trial combined \S+ \S+ refine /), '2');
});
