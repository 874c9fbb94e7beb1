/**
 * A worker process of WorkerProcessQueue: runs the trials it is sent, one at a time, each on the
 * kernel threads the queue gave it, and sends back progress events and results. It exits when its
 * parent disconnects or goes away.
 */
import { setThreads } from '../kernels/index.js';
import type { StudyEvent } from './events.js';
import { runTrial } from './run-trial.js';
import type { FromWorker, ToWorker } from './worker-queue.js';

const send = (m: FromWorker) => process.send?.(m);
const ctx = { runDir: process.env['PRUNEQUANT_RUN_DIR'] ?? '.', cacheDir: process.env['PRUNEQUANT_CACHE_DIR'] || null, onEvent: (event: StudyEvent) => send({ type: 'event', event }) };

let queue: Promise<void> = Promise.resolve();
process.on('message', (m: ToWorker) => {
  if (m.type !== 'run') return;
  queue = queue.then(async () => {
    try {
      setThreads(m.threads); // restarts the kernel pool only when the count changes
      send({ type: 'done', id: m.job.id, result: await runTrial(m.job, ctx) });
    } catch (e) {
      send({ type: 'error', id: m.job.id, message: (e as Error).message });
    }
  });
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
