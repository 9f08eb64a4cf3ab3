/**
 * `@sgmkit/sampler`: DDPM and CLD samplers, step schedules, exact Gaussian
 * analysis and the `sgmkit` command-line tool.
 * @packageDocumentation
 */
export type { Score, CLDScore } from '@sgmkit/score';
