/**
 * `@sgmkit/score`: analytic scores for every closed-form case and learned
 * scores trained by denoising score matching.
 * @packageDocumentation
 */
export type * from './types.js';
// Learned scores (MLP, denoising score matching, save/load).
export * from './learned/index.js';
