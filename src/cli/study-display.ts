/**
 * The live display of `prunequant run` on a terminal: the study's events fold into a state
 * (StudyProgress, a pure function of the events and the times they came), the state renders to
 * a frame of text (no escapes), and LiveDisplay redraws that frame in place, throttled. Stage
 * headings, finished trials, choices and measurements scroll above the frame as plain lines,
 * so the terminal keeps the study's record once the frame is gone.
 */
import type { StudyEvent } from '../study/index.js';
import { formatEvent } from '../study/index.js';

interface Running {
  label: string;
  worker: number | undefined;
  startedMs: number;
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
}

/** Clock time in words: 42 s, 3 min 05 s, 1 h 02 min. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export class StudyProgress {
  stage = '';
  stageMessage = '';
  planned = 0;
  workers = 1;
  done = 0;
  /** Seconds of the trials that ran in this process's study (not resumed or cached): the ETA's rate. */
  readonly ranSeconds: number[] = [];
  readonly running = new Map<string, Running>();
  startedMs: number | null = null;

  apply(e: StudyEvent, nowMs: number): void {
    this.startedMs ??= nowMs;
    switch (e.kind) {
      case 'plan': this.planned = e.trials; this.workers = Math.max(1, e.workers); break;
      case 'stage': this.stage = e.stage; this.stageMessage = e.message; break;
      case 'trial-start':
        this.running.set(e.trial, { label: e.label, worker: e.worker, startedMs: nowMs, epoch: 0, epochs: 0, step: 0, steps: 0 });
        break;
      case 'batch': {
        const r = this.running.get(e.trial);
        if (r) Object.assign(r, { epoch: e.epoch, epochs: e.epochs, step: e.step, steps: e.steps });
        break;
      }
      case 'trial-done':
        this.running.delete(e.trial);
        this.done++;
        if (e.reused === null) this.ranSeconds.push(e.seconds);
        break;
      default: break;
    }
  }

  /** Fraction of a running trial's training done, in [0, 1]; 0 before its first batch. */
  static fraction(r: Running): number {
    if (r.epochs === 0 || r.steps === 0) return 0;
    return Math.min(1, (r.epoch - 1 + r.step / r.steps) / r.epochs);
  }

  /**
   * Seconds left, or null before any trial has run here: the trials not yet done (less the part
   * of the running ones already trained) at the mean time of a trial, shared among the workers.
   */
  etaSeconds(): number | null {
    if (this.ranSeconds.length === 0) return null;
    const mean = this.ranSeconds.reduce((a, b) => a + b, 0) / this.ranSeconds.length;
    let left = Math.max(this.planned - this.done, this.running.size);
    for (const r of this.running.values()) left -= StudyProgress.fraction(r);
    return (Math.max(0, left) * mean) / this.workers;
  }
}

const bar = (fraction: number, width: number) => {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
};

/**
 * The frame: a heading with the stage, trials done of those planned, elapsed time and ETA, then
 * one line per running trial. Lines are cut to `columns`.
 * @example renderFrame(progress, performance.now(), process.stderr.columns)
 */
export function renderFrame(p: StudyProgress, nowMs: number, columns = 100): string {
  const elapsed = p.startedMs === null ? 0 : (nowMs - p.startedMs) / 1000;
  const eta = p.etaSeconds();
  const lines = [
    `study: ${p.stage || 'starting'}${p.stageMessage ? ` (${p.stageMessage})` : ''}`,
    `trials ${p.done}/${p.planned > 0 ? `~${Math.max(p.planned, p.done + p.running.size)}` : '?'} done, ${p.running.size} running; ` +
      `elapsed ${formatDuration(elapsed)}, ETA ${eta === null ? 'after the first trial' : formatDuration(eta)}`,
  ];
  const byWorker = [...p.running.values()].sort((a, b) => (a.worker ?? 0) - (b.worker ?? 0) || a.startedMs - b.startedMs);
  for (const r of byWorker) {
    const who = r.worker !== undefined ? `[w${r.worker}] ` : '';
    const progress = r.epochs === 0
      ? 'preparing'
      : `epoch ${r.epoch}/${r.epochs} batch ${r.step}/${r.steps} ${bar(StudyProgress.fraction(r), 20)} ${Math.floor(100 * StudyProgress.fraction(r))}%`;
    lines.push(`  ${who}${r.label}: ${progress}, ${formatDuration((nowMs - r.startedMs) / 1000)}`);
  }
  return lines.map((l) => (l.length > columns ? `${l.slice(0, Math.max(1, columns - 1))}…` : l)).join('\n');
}

/** Events that scroll above the live frame (the rest only change it). */
export function scrollLine(e: StudyEvent): string | null {
  return e.kind === 'batch' || e.kind === 'epoch' || e.kind === 'trial-start' || e.kind === 'plan' ? null : formatEvent(e);
}

interface Terminal {
  write(s: string): unknown;
  columns?: number;
}

/** Redraws the frame in place on a terminal, at most every `intervalMs`. */
export class LiveDisplay {
  private readonly progress = new StudyProgress();
  private drawnLines = 0;
  private lastDraw = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly out: Terminal, private readonly intervalMs = 200, private readonly now = () => performance.now()) {}

  onEvent(e: StudyEvent): void {
    const t = this.now();
    this.progress.apply(e, t);
    const line = scrollLine(e);
    if (line !== null) {
      this.clear();
      this.out.write(`${line}\n`);
      this.draw(t);
    } else if (t - this.lastDraw >= this.intervalMs) {
      this.draw(t);
    } else if (this.timer === null) {
      // The last event of a burst still shows, a little later.
      this.timer = setTimeout(() => { this.timer = null; this.draw(this.now()); }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Takes the frame away (the scrolled lines stay). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.clear();
  }

  private clear(): void {
    // Cursor to the start of the frame's first line, then erase to the end of the screen.
    // The frame ends without a newline, so the cursor sits on its last line. (CSI 0 A would move
    // one line up on most terminals, so a one-line frame gets no move at all.)
    if (this.drawnLines > 0) this.out.write(`\r${this.drawnLines > 1 ? `\x1b[${this.drawnLines - 1}A` : ''}\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(t: number): void {
    this.clear();
    // A line longer than the terminal would wrap and break the count of lines to erase; a
    // terminal that gives no width (0 under some pseudo-terminals) is taken as 100 columns.
    const columns = this.out.columns !== undefined && this.out.columns >= 20 ? this.out.columns : 100;
    const frame = renderFrame(this.progress, t, columns - 1);
    this.out.write(frame);
    this.drawnLines = frame.split('\n').length;
    this.lastDraw = t;
  }
}
