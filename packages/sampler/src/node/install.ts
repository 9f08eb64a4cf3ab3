/**
 * Installs the `worker_threads` backend unless one is installed already
 * (imported for this side effect by the Node entries and the CLI).
 * @packageDocumentation
 */
import { getWorkerBackend, setWorkerBackend } from '../parallel/backend.js';
import { nodeWorkerBackend } from './worker-threads.js';

if (getWorkerBackend() === undefined) setWorkerBackend(nodeWorkerBackend());
