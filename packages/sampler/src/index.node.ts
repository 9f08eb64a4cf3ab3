/**
 * What `import '@sgmkit/sampler'` loads in Node (the `node` export condition):
 * the platform-neutral main entry, with the `worker_threads` backend installed
 * so that `workers: 2` or `'auto'` use threads without further setup.
 * Bundlers targeting browsers take `index.js` instead.
 * @packageDocumentation
 */
import './node/install.js';
export * from './index.js';
