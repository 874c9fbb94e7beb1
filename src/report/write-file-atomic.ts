/**
 * Writes through a temp file beside the target and a rename, so a reader (or a crash) never sees
 * a half-written report. nn has the same helper but does not export it, and the report may not
 * reach past nn's front door.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    // The temp name carries our pid, so removing it cannot remove anyone else's file.
    try { rmSync(tmp, { force: true }); } catch { /* keep the first error */ }
    throw e;
  }
}
