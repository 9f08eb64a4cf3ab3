/**
 * The script every pooled worker runs: it serves requests one at a time, sampling tasks
 * (`runWorkerTask` on shared buffers) and gradient sessions, and stays alive between them so
 * the next run finds it warm. Bundled into a self-contained source at build time (see `pool.ts`).
 * @packageDocumentation
 */
import { parentPort } from 'node:worker_threads';
import { runWorkerTask } from '../parallel/task.js';
import type { PoolReply, PoolRequest } from './pool-protocol.js';
import { markSessionDied, runGradientSession } from './training-worker.js';

const port = parentPort!;
const reply = (message: PoolReply): void => port.postMessage(message);

process.on('exit', markSessionDied);

port.on('message', (request: PoolRequest) => {
  if (request.kind === 'sample') {
    void runWorkerTask(request.task).then((result) => reply({ kind: 'sampled', result }));
  } else {
    runGradientSession(
      request.task,
      () => reply({ kind: 'gradient-ready' }),
      (failure) => reply({ kind: 'gradient-failed', failure }),
    );
    reply({ kind: 'gradient-released' });
  }
});
