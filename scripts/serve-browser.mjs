// A small static server for the browser demo, tests and bench, on 127.0.0.1. Pages get the
// headers cross-origin isolation needs (COOP same-origin + COEP require-corp), which give the
// runtime shared memory across Web Workers; a path under /no-isolation/ (or --no-isolation
// for the whole server) is served without them, so the runtime falls back to one thread.
// Usage: node scripts/serve-browser.mjs [--port 8080] [--no-isolation] [--models DIR]
//   serves examples/browser at /, dist/browser at /dist/, the demo's models at /models/
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.pqm': 'application/octet-stream', '.bin': 'application/octet-stream', '.onnx': 'application/octet-stream',
};
const PLAIN = '/no-isolation';
const DEMO_MODELS = join(ROOT, 'examples', 'browser', 'models');

/**
 * Starts a server. `routes` maps URL prefixes ('/', '/dist/') to folders; the longest prefix
 * wins. Resolves to { url, close() } once it listens.
 */
export function startServer({ routes, isolation = true, port = 0, host = '127.0.0.1', log = false }) {
  const table = Object.entries(routes).map(([prefix, dir]) => [prefix, resolve(dir)]).sort((a, b) => b[0].length - a[0].length);
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let isolate = isolation;
    if (path === PLAIN || path.startsWith(PLAIN + '/')) { path = path.slice(PLAIN.length) || '/'; isolate = false; }
    if (path.endsWith('/')) path += 'index.html';
    const route = table.find(([prefix]) => path.startsWith(prefix));
    const file = route && resolve(route[1], '.' + path.slice(route[0].length - 1));
    const headers = { 'cache-control': 'no-store', 'cross-origin-resource-policy': 'same-origin' };
    if (isolate) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    // A path that climbs out of its folder (..) is refused, not served.
    if (!file || !(file === route[1] || file.startsWith(route[1] + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      if (log) console.log(`404 ${req.url}`);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
    if (log) console.log(`200 ${req.url}`);
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const address = server.address();
      done({ url: `http://${host}:${address.port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    });
  });
}

/** The demo's routes: the page, the built bundle, and its models. */
export function demoRoutes(models = DEMO_MODELS) {
  return { '/': join(ROOT, 'examples', 'browser'), '/dist/': join(ROOT, 'dist', 'browser'), '/models/': models };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const port = Number(opt('--port') ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-browser: --port expects a port number, got '${opt('--port')}'`);
    process.exit(2);
  }
  const models = resolve(opt('--models') ?? DEMO_MODELS);
  if (!existsSync(join(ROOT, 'dist', 'browser', 'prunequant-runtime.js'))) console.warn('serve-browser: dist/browser is empty; run npm run build:browser');
  if (!existsSync(join(models, 'dense.pqm'))) console.warn(`serve-browser: no models in ${models}; run node --import tsx scripts/make-browser-models.ts`);
  const isolation = !args.includes('--no-isolation');
  const { url } = await startServer({ routes: demoRoutes(models), isolation, port, log: args.includes('--log') });
  console.log(`serving the demo at ${url}/ (${isolation ? `cross-origin isolated; ${url}${PLAIN}/ without isolation` : 'without cross-origin isolation'})`);
}
