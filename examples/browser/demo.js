// The demo page: a drawing pad, and the same digit classified by a dense and a compressed
// LeNet-5 through prunequant's browser runtime. Models come from
// scripts/make-browser-models.ts; scripts/serve-browser.mjs serves this folder, the bundle at
// /dist/ and the models at /models/.
import { Session } from '/dist/prunequant-runtime.js';

const pad = document.getElementById('pad');
const ctx = pad.getContext('2d', { willReadFrequently: true });
const preview = document.getElementById('preview').getContext('2d');
const status = document.getElementById('status');
const errorBox = document.getElementById('error');
const MODELS = [{ id: 'dense', url: 'models/dense.pqm' }, { id: 'compressed', url: 'models/compressed.pqm' }];

function clearPad() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, pad.width, pad.height);
  preview.fillStyle = '#000';
  preview.fillRect(0, 0, 28, 28);
}
clearPad();

// Drawing: pointer events cover mouse, pen and touch alike.
let drawing = false;
let last = null;
pad.addEventListener('pointerdown', (e) => { drawing = true; last = point(e); pad.setPointerCapture(e.pointerId); stroke(last, last); });
pad.addEventListener('pointermove', (e) => { if (!drawing) return; const p = point(e); stroke(last, p); last = p; schedule(); });
pad.addEventListener('pointerup', () => { drawing = false; schedule(); });
pad.addEventListener('pointercancel', () => { drawing = false; });
document.getElementById('clear').addEventListener('click', () => {
  clearPad();
  for (const m of MODELS) render(m.id, null);
});
function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * (pad.width / r.width), y: (e.clientY - r.top) * (pad.height / r.height) };
}
function stroke(a, b) {
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 20;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
  ctx.stroke();
}

// MNIST's own preparation: the digit's bounding box scaled to fit 20 × 20, then placed so that
// its centre of mass sits at the centre of the 28 × 28 image.
function toMnist() {
  const { data } = ctx.getImageData(0, 0, pad.width, pad.height);
  let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++) {
    if (data[4 * (y * pad.width + x)] > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1, h = y1 - y0 + 1, scale = 20 / Math.max(w, h);
  const small = new OffscreenCanvas(28, 28).getContext('2d', { willReadFrequently: true });
  small.fillStyle = '#000';
  small.fillRect(0, 0, 28, 28);
  small.drawImage(pad, x0, y0, w, h, (28 - w * scale) / 2, (28 - h * scale) / 2, w * scale, h * scale);
  const px = small.getImageData(0, 0, 28, 28).data;
  const img = new Float32Array(784);
  let mass = 0, cx = 0, cy = 0;
  for (let i = 0; i < 784; i++) { img[i] = px[4 * i] / 255; mass += img[i]; cx += img[i] * (i % 28); cy += img[i] * Math.floor(i / 28); }
  const dx = Math.round(13.5 - cx / mass), dy = Math.round(13.5 - cy / mass);
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const sx = x - dx, sy = y - dy;
    if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = img[sy * 28 + sx];
  }
  const shown = preview.createImageData(28, 28);
  for (let i = 0; i < 784; i++) { const v = Math.round(out[i] * 255); shown.data.set([v, v, v, 255], 4 * i); }
  preview.putImageData(shown, 0, 0);
  return out;
}

function render(id, result) {
  const box = document.getElementById(id);
  const bars = box.querySelector('.bars');
  bars.replaceChildren();
  if (result === null) { box.querySelector('.prediction').textContent = '–'; return; }
  const { probs, ms } = result;
  const best = probs.indexOf(Math.max(...probs));
  box.querySelector('.prediction').textContent = String(best);
  box.dataset.prediction = String(best);
  box.dataset.ms = ms.toFixed(3);
  probs.forEach((p, k) => {
    const label = document.createElement('span'); label.textContent = String(k);
    const bar = document.createElement('div'); bar.className = 'bar'; bar.style.width = `${(100 * p).toFixed(1)}%`;
    const value = document.createElement('span'); value.textContent = `${(100 * p).toFixed(1)}%`;
    bars.append(label, bar, value);
  });
  box.querySelector('.meta').dataset.latency = ms.toFixed(3);
  box.querySelector('.meta').textContent = `${sessions.get(id).info} · ${ms.toFixed(2)} ms per image`;
}

function softmax(logits) {
  const m = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const sessions = new Map();
let pending = false;
function schedule() {
  if (pending || sessions.size < MODELS.length) return;
  pending = true;
  requestAnimationFrame(async () => {
    try {
      const image = toMnist();
      if (image === null) return;
      for (const m of MODELS) {
        const t0 = performance.now();
        const logits = await sessions.get(m.id).session.run(image, [1, 1, 28, 28]);
        render(m.id, { probs: softmax(logits), ms: performance.now() - t0 });
      }
    } catch (e) {
      errorBox.textContent = `${e.name}: ${e.message}`;
    } finally {
      pending = false;
    }
  });
}

try {
  for (const m of MODELS) {
    const res = await fetch(m.url);
    if (!res.ok) throw new Error(`${m.url}: HTTP ${res.status} (make the models with scripts/make-browser-models.ts)`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const session = await Session.create(bytes, { name: m.url, batch: 1 });
    const kb = (bytes.length / 1024).toFixed(1);
    sessions.set(m.id, { session, info: `${kb} KB file, ${session.threads} thread(s) ${session.placement.runsIn === 'page' ? 'on the page' : 'in the worker'}` });
    document.getElementById(m.id).querySelector('.meta').textContent = `${kb} KB file`;
  }
  const s = sessions.get('dense').session;
  const where = s.placement.runsIn === 'page' ? 'on the page\'s thread' : `in the runtime worker on ${s.threads} kernel thread(s)`;
  status.textContent = `ready: the models run ${where} (${s.placement.reason}); the page is ${s.isolated ? 'cross-origin isolated (Web Workers over shared memory)' : 'not cross-origin isolated (one thread)'}. Draw with the mouse or a finger.`;
  document.body.dataset.ready = 'true';
} catch (e) {
  status.textContent = 'failed to start';
  errorBox.textContent = `${e.name}: ${e.message}`;
}
