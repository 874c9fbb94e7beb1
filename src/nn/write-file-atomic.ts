/**
 * Writes through a temp file and a rename, so a crash mid-write leaves the previous file
 * intact; a write that fails removes its temp file, so nothing half-written stays behind.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates the missing directories of `dir` one level at a time. `mkdirSync(dir, { recursive: true })`
 * never returns for a path under /proc on Node 20; one level at a time fails at once there.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Writes `bytes` to `path` through a temp file beside it and a rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  makeDirs(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    // The temp name is ours (it carries our pid), so removing it cannot lose someone's file.
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Removal failed too (the temp path is a directory, or its folder vanished): keep the first error.
    }
    throw e;
  }
}
