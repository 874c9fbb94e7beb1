/**
 * Finds the folder of an installed dataset package. We resolve `<pkg>/package.json`
 * rather than the package's main script, because we read its data files directly and
 * never run its loader (fashion-mnist's loader `require`s 150 MB of JSON at import).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatasetNotInstalledError } from './errors.js';

/** The folder holding `packageName`'s package.json, resolved as Node resolves from `fromUrl`. */
export function resolvePackageDir(packageName: string, fromUrl: string = import.meta.url): string {
  const require = createRequire(fromUrl);
  let manifest: string;
  try {
    manifest = require.resolve(`${packageName}/package.json`);
  } catch (err) {
    throw new DatasetNotInstalledError(packageName, err);
  }
  return dirname(manifest);
}

/** The path of `relativePath` inside `packageName`, with a clear error when the file is gone. */
export function packageFile(packageName: string, relativePath: string): string {
  const path = join(resolvePackageDir(packageName), relativePath);
  if (!existsSync(path)) {
    throw new DatasetNotInstalledError(
      packageName,
      new Error(`${path} is missing; the installed package looks incomplete`),
    );
  }
  return path;
}
