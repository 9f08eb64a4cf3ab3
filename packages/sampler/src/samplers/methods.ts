/**
 * The sampler methods: the names of the DDPM and CLD integrators (updates in
 * DEVELOPING.md "Sampler updates"). The DDPM names live in `@sgmkit/tensor`
 * beside their step coefficients (`ddpmCoefficientsInto`).
 * @packageDocumentation
 */
import { DDPM_METHODS, InvalidArgumentError, type DDPMMethod } from '@sgmkit/tensor';

export { DDPM_METHODS, type DDPMMethod };

/** CLD integrators. */
export type CLDMethod = 'exponential-integrator' | 'euler-maruyama' | 'sscs';

/** All CLD methods, in documentation order. */
export const CLD_METHODS: readonly CLDMethod[] = ['exponential-integrator', 'euler-maruyama', 'sscs'];

function expectMethod<M extends string>(fn: string, argument: string, method: unknown, methods: readonly M[]): M {
  if (!methods.includes(method as M)) throw new InvalidArgumentError(fn, argument, method, `one of ${methods.map((m) => `'${m}'`).join(', ')}`);
  return method as M;
}

/** Throws unless `method` names a DDPM integrator (the samplers and the exact analysis share this check). */
export function expectDDPMMethod(fn: string, argument: string, method: unknown): DDPMMethod {
  return expectMethod(fn, argument, method, DDPM_METHODS);
}

/** Throws unless `method` names a CLD integrator (the samplers and the exact analysis share this check). */
export function expectCLDMethod(fn: string, argument: string, method: unknown): CLDMethod {
  return expectMethod(fn, argument, method, CLD_METHODS);
}
