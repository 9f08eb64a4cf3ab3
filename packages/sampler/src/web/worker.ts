/**
 * Web Worker entry (`@sgmkit/sampler/web-worker`): runs each task it is sent
 * on the shared buffers and posts the result back. Bundle it as its own script
 * and pass its URL to {@link webWorkerBackend}.
 * @packageDocumentation
 */
import { runWorkerTask } from '../parallel/task.js';
import type { WorkerTask } from '../parallel/protocol.js';

interface WorkerScope {
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event) => {
  void runWorkerTask(event.data as WorkerTask).then((result) => scope.postMessage(result));
};
