/**
 * The self-contained source of `pool-worker.js` (all of its imports bundled in), so that an app
 * bundled with this package can start workers without the script file. Empty in the TypeScript
 * output; the build (`scripts/inline-worker.mjs`) writes the real source into the compiled file.
 * @packageDocumentation
 */
export const POOL_WORKER_SOURCE: string = '';
