/**
 * The browser bundle in headless Debian Chromium (playwright-core), against a server on
 * 127.0.0.1 that the test starts and stops. A LeNet-5 trained briefly, pruned to 90% and
 * quantized (4-bit weights, uint8 activations) classifies the first 1,000 MNIST test images in
 * the page; its logits must equal the Node runtime's bit for bit (same kernels: the page is told
 * the ones the Node session chose), computed in the runtime worker on 1 and 2 threads, on the
 * page (runIn: 'page', on its own thread, and on 2 threads with a Web Worker), and wherever 'auto' places it, and on a page without
 * cross-origin isolation, which must fall back to one thread. A corrupted `.pqm` must end in an error shown
 * on the page. The demo page gets a stroke drawn with the mouse and must show a prediction; its
 * screenshot goes to test-output/browser/demo.png. The bundle is also checked for Node
 * built-ins and for its size (bundle + .wasm, gzipped, at most 200 KB).
 *
 * Needs /usr/bin/chromium (another binary through PRUNEQUANT_CHROMIUM). Without it the browser
 * cases skip, saying so, except under CI=true, where they fail.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadDataset } from '../../src/data/index.js';
import { setThreads } from '../../src/kernels/index.js';
import { Session } from '../../src/runtime/index.js';
import { BUNDLE_NAME, buildBrowserBundle } from '../../scripts/build-browser.mjs';
import { startServer, type RunningServer } from '../../scripts/serve-browser.mjs';
import { makeBrowserModels } from '../../scripts/make-browser-models.js';

const CHROMIUM = process.env['PRUNEQUANT_CHROMIUM'] ?? '/usr/bin/chromium';
const CI = process.env['CI'] === 'true';
const MISSING = !existsSync(CHROMIUM);
const SKIP = MISSING && !CI ? `no Chromium at ${CHROMIUM} (apt-get install chromium); under CI=true this fails instead` : false;
const OUT = resolve('test-output', 'browser');
const N = 1000;
const MAX_GZIP_BYTES = 200 * 1024;

const tmp = mkdtempSync(join(tmpdir(), 'pq-browser-'));
const bundleDir = join(tmp, 'dist');
let built: Awaited<ReturnType<typeof buildBrowserBundle>>;

before(async () => {
  built = await buildBrowserBundle(bundleDir);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('the browser bundle', () => {
  it('imports no Node built-in and requires nothing', () => {
    const js = readFileSync(join(bundleDir, BUNDLE_NAME), 'utf8');
    const found = js.match(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](?:node:)?(?:fs|os|path|url|worker_threads|child_process|zlib|crypto)(?:\/[a-z]+)?["']/g);
    assert.equal(found, null, `Node built-ins in the bundle: ${found?.join(', ')}`);
    assert.doesNotMatch(js, /process\.env/, 'the bundle reads process.env');
  });

  it('is at most 200 KB gzipped with its .wasm', () => {
    const total = built.js.gzip + built.wasm.gzip;
    console.log(`bundle ${built.js.gzip} + wasm ${built.wasm.gzip} = ${total} bytes gzipped`);
    assert.ok(total <= MAX_GZIP_BYTES, `bundle + wasm gzipped: ${total} bytes > ${MAX_GZIP_BYTES}`);
    assert.ok(built.wasm.bytes === readFileSync(resolve('build', 'kernels.wasm')).length, 'the bundle ships the built kernels.wasm');
  });
});

it('finds Chromium to drive', { skip: SKIP }, () => {
  assert.ok(!MISSING, `CI=true and no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium (apt-get install -y chromium)`);
});

interface PageResult {
  error?: string;
  threads: number;
  isolated: boolean;
  pageIsolated: boolean;
  logits: number[];
  chosen: string[];
  placement: { runsIn: 'page' | 'worker'; reason: string; pageMs: number | null; workerMs: number | null };
}

describe('the runtime in headless Chromium', { skip: SKIP }, () => {
  let browser: Browser;
  let server: RunningServer;
  let expected: Float32Array;
  let nodeChosen: string[];
  let pageOptions: Record<string, unknown>;
  const problems: string[] = [];

  before(async () => {
    if (MISSING) throw new Error(`no Chromium at ${CHROMIUM}`);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const models = await makeBrowserModels(join(tmp, 'models'), { epochs: 1, trainImages: 6000, seed: 3 });
    const data = join(tmp, 'data');
    mkdirSync(data);
    const images = loadDataset('mnist', { limit: N }).test.images.slice(0, N * 784);
    writeFileSync(join(data, 'images.f32'), new Uint8Array(images.buffer, images.byteOffset, images.byteLength));
    // A damaged file: bytes flipped inside a weight section, past the header.
    const bad = readFileSync(models.compressed);
    for (let i = 0; i < 8; i++) bad[Math.floor(bad.length / 2) + i]! ^= 0x5a;
    writeFileSync(join(data, 'bad.pqm'), bad);

    // The Node runtime's answer, and the kernels it chose, which the page is made to use.
    setThreads(2);
    const session = await Session.create(models.compressed, { batch: 32 });
    expected = session.runSync(images, [N, 1, 28, 28]);
    // A chosen name may carry an epilogue (' + fake quant') beyond its candidate's name, which
    // is what the kernels option matches.
    const kernels = Object.fromEntries(session.explain().map((l) => {
      const named = l.candidates.map((c) => c.kernel).filter((k) => l.chosen.startsWith(k)).sort((a, b) => b.length - a.length)[0];
      return [l.node, named ?? l.chosen];
    }));
    nodeChosen = session.explain().map((l) => l.chosen);
    pageOptions = { batch: 32, choose: 'first', kernels, activations: session.activations };
    session.dispose();

    server = await startServer({
      routes: { '/': resolve('examples', 'browser'), '/dist/': bundleDir, '/models/': join(tmp, 'models'), '/test/': resolve('test', 'browser'), '/data/': data },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function classify(opts: { threads?: number; isolated: boolean; model?: string; runIn?: 'auto' | 'page' | 'worker'; pageLimitMs?: number; pageThreads?: number }): Promise<PageResult> {
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const q = new URLSearchParams({
      model: opts.model ?? '/models/compressed.pqm', images: '/data/images.f32', n: String(N),
      opts: JSON.stringify({ ...pageOptions, ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.runIn ? { runIn: opts.runIn } : {}), ...(opts.pageLimitMs !== undefined ? { pageLimitMs: opts.pageLimitMs } : {}), ...(opts.pageThreads !== undefined ? { pageThreads: opts.pageThreads } : {}) }),
    });
    try {
      await page.goto(`${server.url}${opts.isolated ? '' : '/no-isolation'}/test/classify.html?${q}`);
      // A hung page (a worker that never answers) fails here rather than stalling the suite.
      await page.waitForFunction('window.result !== undefined', null, { timeout: 30_000 });
      const result = (await page.evaluate('window.result')) as PageResult;
      if (result.error !== undefined) {
        assert.equal(await page.textContent('#error'), result.error, 'the error is shown on the page');
      }
      return result;
    } finally {
      await page.close();
    }
  }

  function assertSameAsNode(r: PageResult, what: string): void {
    assert.equal(r.error, undefined, `${what}: ${r.error}`);
    assert.deepEqual(r.chosen, nodeChosen, `${what}: kernels differ from Node's`);
    assert.equal(r.logits.length, expected.length);
    let first = -1, predictionsDiffer = 0;
    for (let i = 0; i < N; i++) {
      const top = (v: ArrayLike<number>) => { let k = 0; for (let j = 1; j < 10; j++) if (v[10 * i + j]! > v[10 * i + k]!) k = j; return k; };
      if (top(r.logits) !== top(expected)) predictionsDiffer++;
    }
    for (let i = 0; i < expected.length && first < 0; i++) if (r.logits[i] !== expected[i]) first = i;
    assert.equal(predictionsDiffer, 0, `${what}: ${predictionsDiffer} of ${N} predictions differ from the Node runtime's`);
    assert.equal(first, -1, `${what}: logit ${first} is ${r.logits[first]} in the page, ${expected[first]} in Node`);
  }

  it('classifies 1,000 MNIST images as the Node runtime does, in the worker on 1 thread', async () => {
    const r = await classify({ threads: 1, isolated: true, runIn: 'worker' });
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.pageIsolated, true);
    assert.equal(r.threads, 1);
    assert.equal(r.placement.runsIn, 'worker');
    assertSameAsNode(r, '1 thread');
    // The check is not vacuous: a working classifier spreads its answers over the classes.
    const classes = new Set(Array.from({ length: N }, (_, i) => { let k = 0; for (let j = 1; j < 10; j++) if (expected[10 * i + j]! > expected[10 * i + k]!) k = j; return k; }));
    assert.ok(classes.size >= 9, `only ${classes.size} classes predicted`);
  });

  it('and in the worker on 2 threads (Web Workers over shared memory)', async () => {
    const r = await classify({ threads: 2, isolated: true, runIn: 'worker' });
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.threads, 2);
    assert.equal(r.isolated, true);
    assertSameAsNode(r, '2 threads');
  });

  it('and on the page\'s own thread (runIn: page), whatever the worker\'s threads', async () => {
    const r = await classify({ threads: 2, isolated: true, runIn: 'page' });
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.placement.runsIn, 'page');
    assert.equal(r.threads, 1);
    assertSameAsNode(r, 'page');
  });

  it('and on the page on 2 threads (pageThreads), the page\'s own spinning while a Web Worker finishes', async () => {
    const r = await classify({ isolated: true, runIn: 'page', pageThreads: 2 });
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.placement.runsIn, 'page');
    assert.equal(r.threads, 2);
    assertSameAsNode(r, 'page, 2 threads');
  });

  it('and wherever auto places it, saying why from both timings', async () => {
    // A limit no batch reaches, so that a loaded machine cannot skip the page's timing.
    const r = await classify({ threads: 2, isolated: true, runIn: 'auto', pageLimitMs: 1e6 });
    assert.equal(r.error, undefined, r.error);
    assertSameAsNode(r, `auto (${r.placement.runsIn})`);
    console.log(`auto placed the session ${r.placement.runsIn === 'page' ? 'on the page' : 'in the worker'}: ${r.placement.reason}`);
    const { pageMs, workerMs, runsIn } = r.placement;
    assert.ok(pageMs !== null && workerMs !== null, `auto did not time both: ${r.placement.reason}`);
    assert.equal(runsIn, pageMs < workerMs ? 'page' : 'worker', r.placement.reason);
    assert.equal(r.threads, runsIn === 'page' ? 1 : 2);
    assert.match(r.placement.reason, /on the page .* through the worker/);
  });

  it('and in the worker, untimed on the page, when a batch would keep the page busy too long', async () => {
    const r = await classify({ threads: 2, isolated: true, runIn: 'auto', pageLimitMs: 0 });
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual([r.placement.runsIn, r.placement.pageMs, r.placement.workerMs], ['worker', null, null]);
    assert.match(r.placement.reason, /over the 0 ms the page may be kept busy/);
    assertSameAsNode(r, 'auto over the limit');
  });

  for (const runIn of ['worker', 'page', 'auto'] as const) {
    it(`falls back to one thread without cross-origin isolation, with the same predictions (runIn: ${runIn})`, async () => {
      const r = await classify({ threads: 2, isolated: false, runIn });
      assert.equal(r.error, undefined, r.error);
      assert.equal(r.pageIsolated, false);
      assert.equal(r.isolated, false);
      assert.equal(r.threads, 1);
      if (runIn !== 'auto') assert.equal(r.placement.runsIn, runIn);
      assertSameAsNode(r, `no isolation, ${runIn}`);
    });
  }

  for (const runIn of ['worker', 'page', 'auto'] as const) {
    it(`shows the error of a corrupted .pqm on the page (runIn: ${runIn})`, async () => {
      const r = await classify({ isolated: true, model: '/data/bad.pqm', runIn });
      assert.match(r.error ?? '', /^FormatError: .*bad\.pqm/, `got ${JSON.stringify(r.error)}`);
    });

    it(`shows the error of a missing model on the page (runIn: ${runIn})`, async () => {
      const r = await classify({ isolated: true, model: '/data/none.pqm', runIn });
      assert.match(r.error ?? '', /^SessionError: .*none\.pqm.*404/, `got ${JSON.stringify(r.error)}`);
    });
  }

  it('refuses an unknown runIn, a bad pageLimitMs or pageThreads, naming it', async () => {
    const r = await classify({ isolated: true, runIn: 'gpu' as 'page' });
    assert.match(r.error ?? '', /^SessionError: .*runIn .*"gpu"/, `got ${JSON.stringify(r.error)}`);
    const l = await classify({ isolated: true, pageLimitMs: -1 });
    assert.match(l.error ?? '', /^SessionError: .*pageLimitMs .*-1/, `got ${JSON.stringify(l.error)}`);
    const t = await classify({ isolated: true, pageThreads: 1.5 });
    assert.match(t.error ?? '', /^SessionError: .*pageThreads .*1\.5/, `got ${JSON.stringify(t.error)}`);
  });

  it('the demo page predicts a digit drawn with the mouse, with both models', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    page.on('pageerror', (e) => problems.push(`demo page error: ${e.message}`));
    try {
      await page.goto(`${server.url}/`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      const box = (await page.locator('#pad').boundingBox())!;
      // A "1": one vertical stroke down the middle of the pad.
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
      await page.mouse.down();
      for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + box.width * (0.5 + 0.005 * k), box.y + box.height * (0.15 + 0.06 * k));
      await page.mouse.up();
      await page.waitForSelector('#dense[data-prediction]', { timeout: 15_000 });
      await page.waitForSelector('#compressed[data-prediction]', { timeout: 15_000 });
      for (const id of ['dense', 'compressed']) {
        const prediction = await page.getAttribute(`#${id}`, 'data-prediction');
        assert.match(prediction ?? '', /^[0-9]$/);
        assert.equal(await page.locator(`#${id} .bar`).count(), 10, `${id}: ten probability bars`);
        assert.match((await page.textContent(`#${id} .meta`)) ?? '', /KB file, \d thread\(s\) (on the page|in the worker) · [\d.]+ ms per image/);
      }
      assert.equal(await page.textContent('#error'), '');
      await page.screenshot({ path: join(OUT, 'demo.png') });
      console.log(`demo: a vertical stroke read as ${await page.getAttribute('#dense', 'data-prediction')} (dense), ${await page.getAttribute('#compressed', 'data-prediction')} (compressed); screenshot in ${join(OUT, 'demo.png')}`);
    } finally {
      await page.close();
    }
    assert.deepEqual(problems, []);
  });
});
