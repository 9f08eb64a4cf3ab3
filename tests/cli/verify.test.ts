import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sgmkit, expectOneLineError } from './run';
import { checkWellFormedXml } from '../helpers/xml';
import { fitPowerLaw } from '../../packages/sampler/dist/cli/fit.js';
import { paperConstants, paperTVBound, varianceSpectrum } from '../../packages/sampler/dist/cli/commands/verify.js';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-verify-'));

describe('sgmkit verify', () => {
  test('--json: one row per (sampler, method, d, steps); DDPM EI exponent of KL in h is 2 and in d is 1', () => {
    const run = sgmkit(['verify', '--dims', '1,8', '--steps', '32,64,128,256', '--T', '8', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.ok).toBe(true);
    expect(out.rows).toHaveLength((11 + 3) * 2 * 4); // 11 DDPM and 3 CLD methods
    expect(new Set(out.rows.map((r: { sampler: string }) => r.sampler))).toEqual(new Set(['ddpm', 'cld']));
    const ei = out.exponents.filter(
      (e: { sampler: string; method: string }) => e.sampler === 'ddpm' && e.method === 'exponential-integrator',
    );
    // Known fact for the exponential integrator with the exact score: KL = Θ(h² d) as h → 0.
    for (const e of ei) expect(e.kl).toBeGreaterThan(1.9);
    for (const e of ei) expect(e.kl).toBeLessThan(2.1);
    const dimension = out.dimensionExponents.find(
      (e: { sampler: string; method: string }) => e.sampler === 'ddpm' && e.method === 'exponential-integrator',
    );
    expect(dimension.exponent).toBeCloseTo(1, 2); // isotropic data: KL is exactly additive over coordinates
    for (const r of out.rows) {
      expect(r.tvLower).toBeLessThanOrEqual(r.tvUpper);
      expect(r.tvUpper).toBeLessThanOrEqual(Math.sqrt(r.kl / 2) * (1 + 1e-12)); // Pinsker
      if (r.d === 1) expect(r.tvLower).toBe(r.tvUpper); // TV is exact in one dimension
    }
  });

  test('DDPM solvers: every fitted convergence order is within 0.1 of theory; the KL table and the goal check', () => {
    const run = sgmkit(['verify', '--samplers', 'ddpm', '--dims', '1', '--steps', '32,64', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    const theory: Record<string, number> = {
      'exponential-integrator': 1,
      'euler-maruyama': 1,
      ancestral: 1,
      'probability-flow': 1,
      heun: 2,
      'exponential-heun': 2,
      'stochastic-heun': 2,
      'dpmpp-2m': 2,
      'deis-1': 2,
      'deis-2': 3,
      'deis-3': 4,
    };
    expect(out.orders.map((o: { method: string }) => o.method).sort()).toEqual(Object.keys(theory).sort());
    for (const o of out.orders) {
      expect(o.theory).toBe(theory[o.method]);
      expect(o.steps).toEqual([1024, 2048, 4096]);
      expect(Math.abs(o.fitted - o.theory)).toBeLessThan(0.1);
    }
    // KL against evaluations: one cell per stable (method, budget); Heun's methods spend two evaluations per step
    const cell = (method: string, budget: number) =>
      out.klByEvaluations.find((c: { method: string; budget: number }) => c.method === method && c.budget === budget);
    expect(cell('heun', 50).evaluations).toBe(50);
    expect(cell('heun', 50).steps).toBe(25);
    expect(cell('dpmpp-2m', 50).steps).toBe(50);
    expect(cell('exponential-integrator', 10)).toBeUndefined(); // 10 steps from T = 8: above ln 3
    for (const c of out.klByEvaluations) expect(c.kl).toBeGreaterThan(0);
    expect(cell('exponential-heun', 50).steps).toBe(25);
    // The goal: met only when KL(data ‖ ·) and KL(q_δ ‖ ·) (the discretisation error alone) are both at most EI's at 1000
    const ei = cell('exponential-integrator', 1000);
    expect(out.goal.map((g: { method: string }) => g.method)).toEqual(['heun', 'dpmpp-2m']);
    for (const g of out.goal) {
      expect(g.referenceKL).toBe(ei.kl);
      expect(g.referenceKLToMarginal).toBe(ei.klToMarginal);
      expect(g.evaluations).toBeLessThanOrEqual(50);
      expect(g.met).toBe(g.bestKL <= ei.kl && g.bestKLToMarginal <= ei.klToMarginal);
    }
    // Heun: both forms on the standard grids, each within the budget. EDM's form meets the goal on none; the
    // exponential form meets it on the geometric-in-t grid (not on the table's early-stopping grid), with both divergences
    type Cell = { method: string; grid: string; end: number; evaluations: number; kl: number; klToMarginal: number };
    const heun = out.heunGrids as Cell[];
    expect(heun).toHaveLength(16);
    const meets = (c: Cell) => c.end === 0.001 && c.kl <= ei.kl && c.klToMarginal <= ei.klToMarginal;
    for (const c of heun) {
      expect(c.evaluations).toBe(c.end === 0 ? 49 : 50);
      expect(c.kl).toBeGreaterThan(0);
      expect(c.klToMarginal).toBeGreaterThan(0);
    }
    expect(heun.filter((c) => c.method === 'heun' && meets(c))).toEqual([]);
    const met = heun.filter(meets);
    expect(met.map((c) => [c.method, c.grid])).toEqual([
      ['exponential-heun', 'earlyStoppingGrid(8, 0.001, 25, { switchTime: 8 }) (geometric in t)'],
    ]);
    const goal = out.goal[0];
    expect(goal.met).toBe(true);
    expect(goal.bestKL).toBe(met[0]!.kl);
    // The exponential form is the more accurate one on the grids dense at small t (the first four: early-stopping,
    // geometric in t, uniform in log-SNR, ρ = 7), the less accurate one on those uniform or quadratic in t, whose
    // last step spans a large log-SNR range
    const compare = (c: Cell) => heun.find((x) => x.method === 'exponential-heun' && x.grid === c.grid)!.klToMarginal;
    const edm = heun.filter((x) => x.method === 'heun');
    for (const c of edm.slice(0, 4)) expect(compare(c)).toBeLessThan(c.klToMarginal);
    for (const c of edm.slice(4, 6)) expect(compare(c)).toBeGreaterThan(c.klToMarginal);
    expect(cell('exponential-heun', 50).klToMarginal).toBeLessThan(cell('heun', 50).klToMarginal);
  });

  test('text table, skipped unstable steps, and the log-log plot', () => {
    const plot = join(dir, 'v.svg');
    const run = sgmkit([
      'verify',
      '--dims',
      '2',
      '--steps',
      '4,64',
      '--T',
      '8',
      '--samplers',
      'ddpm',
      '--methods',
      'exponential-integrator,probability-flow',
      '--plot',
      plot,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('KL ~ h^p');
    expect(run.stdout).toContain('(1 configurations skipped'); // EI at h = 2 > ln 3 is unstable
    const counts = checkWellFormedXml(readFileSync(plot, 'utf8'));
    expect(counts.get('path')).toBeGreaterThanOrEqual(5);
  });

  test('bad input: one line, exit 1', () => {
    expect(expectOneLineError(sgmkit(['verify', '--dims', '0,2']), 'sgmkit verify: ', 1)).toBe(
      'sgmkit verify: --dims must be a comma-separated list of integers >= 1; got "0,2"',
    );
    expect(expectOneLineError(sgmkit(['verify', '--methods', 'rk4']), 'sgmkit verify: ', 1)).toMatch(
      /--methods must be a comma-separated list of exponential-integrator/,
    );
    expect(expectOneLineError(sgmkit(['verify', '--samplers', 'vp']), 'sgmkit verify: ', 1)).toBe(
      'sgmkit verify: --samplers must be a comma-separated list of ddpm, cld; got "vp"',
    );
    expect(
      expectOneLineError(sgmkit(['verify', '--samplers', 'cld', '--methods', 'ancestral']), 'sgmkit verify: ', 1),
    ).toMatch(/--methods must be a method of the chosen samplers/);
    expect(expectOneLineError(sgmkit(['verify', '--variance', '1,-2']), 'sgmkit verify: ', 1)).toMatch(
      /--variance must be one or two numbers > 0/,
    );
    expect(expectOneLineError(sgmkit(['verify', '--T', '-1']), 'sgmkit verify: ', 1)).toBe(
      'sgmkit verify: --T must be a finite number > 0; got "-1"',
    );
  });
});

describe('verify helpers', () => {
  test('power-law fit recovers exact exponents', () => {
    const x = [0.1, 0.2, 0.4, 0.8];
    expect(
      fitPowerLaw(
        x,
        x.map((v) => 3 * v ** 2),
      ).exponent,
    ).toBeCloseTo(2, 12);
    expect(
      fitPowerLaw(
        x,
        x.map((v) => 3 * v ** 2),
      ).r2,
    ).toBeCloseTo(1, 12);
    expect(fitPowerLaw([1], [1]).exponent).toBeNaN();
  });

  test('paper bound and spectra', () => {
    // Theorem 2 with constant 1: √KL e^{−T} + (L√(dh) + L m₂ h)√T, m₂ = √E|X|².
    const c = { lipschitz: 2, secondMoment: 9, klToStandardNormal: 4, fisherInformation: 5 };
    expect(paperTVBound('ddpm', c, 5, 0.2, 1)).toBeCloseTo(2 * Math.exp(-1) + 2 * 1 + 2 * 3 * 0.2, 12);
    expect(paperTVBound('cld', c, 5, 0.2, 1)).toBeCloseTo(3 * Math.exp(-1) + 2 * 1 + 2 * 3 * 0.2, 12);
    // N(1·1, 0.5 I) in d = 2: L = max(1, 1/0.5), E|X|² = 2 + 1, KL = ½(1 + 2 − 2 − 2 ln 0.5), FI = 2(0.5 − 2 + 2) + 2.
    const g = paperConstants([0.5, 0.5], 1, 4);
    expect(g.lipschitz).toBeCloseTo(2, 12);
    expect(g.secondMoment).toBeCloseTo(3, 12);
    expect(g.klToStandardNormal).toBeCloseTo(0.5 * (1 + 2 - 2 - 2 * Math.log(0.5)), 12);
    expect(g.fisherInformation).toBeCloseTo(3, 12);
    expect(varianceSpectrum([0.5], 3)).toEqual([0.5, 0.5, 0.5]);
    const s = varianceSpectrum([1, 4], 3);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeCloseTo(2, 12);
    expect(s[2]).toBeCloseTo(4, 12);
  });
});
