/**
 * The sampler methods: the names of the DDPM and CLD integrators (updates in
 * DEVELOPING.md "Sampler updates"). The DDPM names live in `@sgmkit/tensor`
 * beside their step coefficients (`ddpmCoefficientsInto`).
 * @packageDocumentation
 */
import {
  DDPM_METHODS as SINGLE_STEP_METHODS,
  DDPM_SOLVER_METHODS,
  InvalidArgumentError,
  type DDPMMethod as SingleStepMethod,
  type DDPMSolverMethod,
} from '@sgmkit/tensor';

/** The single-step DDPM methods: one `y ← a·y + b·s + c·z` update per step (`ddpmCoefficientsInto` of `@sgmkit/tensor`). */
export type SingleStepDDPMMethod = SingleStepMethod;
/** The single-step DDPM methods, in documentation order. */
export const SINGLE_STEP_DDPM_METHODS: readonly SingleStepDDPMMethod[] = SINGLE_STEP_METHODS;

export { DDPM_SOLVER_METHODS, type DDPMSolverMethod };

/** DDPM integrators: the single-step methods and the higher-order solvers (Heun, DPM-Solver++(2M), DEIS). */
export type DDPMMethod = SingleStepDDPMMethod | DDPMSolverMethod;

/** All DDPM methods, in documentation order. */
export const DDPM_METHODS: readonly DDPMMethod[] = [...SINGLE_STEP_METHODS, ...DDPM_SOLVER_METHODS];

/** True for the single-step methods (those `ddpmCoefficientsInto` describes). */
export function isSingleStepDDPMMethod(method: DDPMMethod): method is SingleStepDDPMMethod {
  return (SINGLE_STEP_METHODS as readonly string[]).includes(method);
}

/** True for the probability-flow ODE methods, which add no noise after the initial draw. */
export function isDeterministicDDPMMethod(method: DDPMMethod): boolean {
  return (
    method === 'probability-flow' ||
    method === 'heun' ||
    method === 'exponential-heun' ||
    method === 'dpmpp-2m' ||
    method === 'deis-1' ||
    method === 'deis-2' ||
    method === 'deis-3'
  );
}

/** CLD integrators. */
export type CLDMethod = 'exponential-integrator' | 'euler-maruyama' | 'sscs';

/** All CLD methods, in documentation order. */
export const CLD_METHODS: readonly CLDMethod[] = ['exponential-integrator', 'euler-maruyama', 'sscs'];

function expectMethod<M extends string>(fn: string, argument: string, method: unknown, methods: readonly M[]): M {
  if (!methods.includes(method as M))
    throw new InvalidArgumentError(fn, argument, method, `one of ${methods.map((m) => `'${m}'`).join(', ')}`);
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
