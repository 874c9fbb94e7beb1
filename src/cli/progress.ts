/** A one-line progress bar on stderr, so stdout stays clean for --json. */
export class ProgressBar {
  private last = 0;
  constructor(private readonly enabled: boolean) {}

  update(label: string, done: number, total: number, extra = ''): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${extra}\x1b[K`);
    if (done >= total) process.stderr.write('\n');
  }
}
