/**
 * The Web Worker backend: one Web Worker per shard, sharing the particle
 * buffers through SharedArrayBuffer. Platform-neutral code (it touches
 * `Worker` only when a run starts), so it lives in the main entry.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';
import type { WorkerBackend } from '../parallel/backend.js';
import type { WorkerResult } from '../parallel/protocol.js';

/** The part of the DOM `Worker` the backend uses. */
export interface WebWorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onerror: ((event: { readonly message?: string }) => void) | null;
  onmessageerror?: ((event: unknown) => void) | null;
}

/** Where the backend's workers come from: the worker script's URL, or a factory. */
export interface WebWorkerBackendOptions {
  /**
   * URL of a script that runs `@sgmkit/sampler/web-worker` (e.g. that module
   * bundled on its own); started as `new Worker(url, { type })`.
   */
  readonly url?: string | URL;
  /** `'module'` (default) or `'classic'` (a bundled IIFE script). */
  readonly type?: 'module' | 'classic';
  /** Makes a worker running `@sgmkit/sampler/web-worker` (instead of `url`), e.g. `() => new Worker(new URL(…, import.meta.url), { type: 'module' })` for bundlers that rewrite that form. */
  readonly create?: () => WebWorkerLike;
}

interface WebGlobals {
  readonly crossOriginIsolated?: boolean;
  readonly navigator?: { readonly hardwareConcurrency?: number };
  readonly Worker?: new (url: string | URL, options: { type: 'module' | 'classic' }) => WebWorkerLike;
}

const web = globalThis as WebGlobals;

/** Whether this page may share memory with workers: SharedArrayBuffer exists only when cross-origin isolated. */
function canShareMemory(): boolean {
  return web.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}

/**
 * The Web Worker backend. Runs use workers when the page is cross-origin
 * isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`), else the calling thread; the
 * samples are the same either way.
 *
 * @throws InvalidArgumentError when neither `url` nor `create` is given, or `type` is neither `'module'` nor `'classic'`
 * @example
 * ```ts
 * import { setWorkerBackend, webWorkerBackend } from '@sgmkit/sampler';
 * // sgmkit-worker.js: a bundle of `import '@sgmkit/sampler/web-worker';`
 * setWorkerBackend(webWorkerBackend({ url: new URL('./sgmkit-worker.js', import.meta.url) }));
 * ```
 */
export function webWorkerBackend(options: WebWorkerBackendOptions): WorkerBackend {
  const fn = 'webWorkerBackend';
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { url } or { create }');
  const { url, create } = options;
  const type = options.type ?? 'module';
  if (type !== 'module' && type !== 'classic')
    throw new InvalidArgumentError(fn, 'options.type', type, "'module' or 'classic'");
  if (create !== undefined && typeof create !== 'function')
    throw new InvalidArgumentError(fn, 'options.create', create, 'a function returning a Worker');
  if (create === undefined && typeof url !== 'string' && !(url instanceof URL)) {
    throw new InvalidArgumentError(
      fn,
      'options.url',
      url,
      'a string or URL of the worker script (or pass options.create)',
    );
  }
  const make =
    create ??
    ((): WebWorkerLike => {
      if (web.Worker === undefined) throw new Error('this platform has no Web Worker');
      return new web.Worker(url!, { type });
    });
  return {
    name: 'web-workers',
    available: () => canShareMemory() && (create !== undefined || web.Worker !== undefined),
    parallelism: () => Math.max(1, web.navigator?.hardwareConcurrency ?? 1),
    start: (task, events) => {
      const worker = make();
      worker.onmessage = (event) => {
        events.result(event.data as WorkerResult);
        worker.terminate();
      };
      worker.onerror = (event) =>
        events.failure(`crashed: ${event.message ?? 'the worker script failed to load or threw'}`);
      worker.onmessageerror = () => events.failure('sent a message that could not be deserialised');
      worker.postMessage(task);
      return { terminate: () => worker.terminate() };
    },
  };
}
