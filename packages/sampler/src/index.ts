/**
 * `@sgmkit/sampler`: DDPM and CLD samplers, step schedules, exact Gaussian
 * analysis and the `sgmkit` command-line tool.
 * @packageDocumentation
 */
export type { Score, CLDScore } from '@sgmkit/score';
export * from './plot/index.js';
export * from './io/index.js';
