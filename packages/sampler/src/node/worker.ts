/**
 * Worker-thread entry point of the Node backend: runs the task it was started
 * with (`workerData`) and posts the result back.
 * @packageDocumentation
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorkerTask } from '../parallel/task.js';
import type { WorkerTask } from '../parallel/protocol.js';

parentPort!.postMessage(await runWorkerTask(workerData as WorkerTask));
