/**
 * The sampler methods: the names of the DDPM and CLD integrators (updates in
 * DEVELOPING.md "Sampler updates"). The DDPM names live in `@sgmkit/tensor`
 * beside their step coefficients (`ddpmCoefficientsInto`).
 * @packageDocumentation
 */
export { DDPM_METHODS, type DDPMMethod } from '@sgmkit/tensor';

/** CLD integrators. */
export type CLDMethod = 'exponential-integrator' | 'euler-maruyama' | 'sscs';

/** All CLD methods, in documentation order. */
export const CLD_METHODS: readonly CLDMethod[] = ['exponential-integrator', 'euler-maruyama', 'sscs'];
