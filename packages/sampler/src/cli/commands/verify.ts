/**
 * `sgmkit verify`: the exact Gaussian analysis as a table. For Gaussian data
 * the output law of every sampler is Gaussian and computed exactly by the
 * affine recursion, so KL, TV and W2 to the target carry no Monte Carlo
 * error. Sweeping the step count and the dimension, the fitted exponents
 * show how the error scales, next to the paper's bound.
 * @packageDocumentation
 */
import { gaussianScore } from '@sgmkit/score';
import {
  CLD_METHODS,
  DDPM_METHODS,
  cldBound,
  ddpmBound,
  exactCLDLaw,
  exactDDPMLaw,
  gaussianKL,
  gaussianTV,
  gaussianW2,
  ouMarginal,
  stabilityLimit,
  uniformGrid,
  type GaussianLaw,
} from '../../index.js';
import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { OptionValueError } from '../errors.js';
import { fitPowerLaw } from '../fit.js';
import { formatTable, type Cell } from '../format.js';
import { figure, linePanel, type Series } from '../../plot/index.js';
import { writeTextFile } from '../../node/files.js';
import {
  budgetTable,
  goalChecks,
  heunGridStudy,
  heunGoal,
  klByEvaluations,
  ordersTable,
  solverOrders,
  type BudgetCell,
  type GoalCheck,
  type HeunGridCell,
  type OrderFit,
} from './verify-solvers.js';

const spec: CommandSpec = {
  name: 'verify',
  summary:
    "check the paper's claims exactly: KL, TV and W2 of each sampler's output law on Gaussian data, with fitted exponents",
  description:
    'Data N(m·1, Σ) in each dimension d, Σ diagonal with eigenvalues from --variance. Each sampler (exact score, start N(0, I))\n' +
    'has a Gaussian output law, computed exactly (for CLD, its position marginal). Reported: KL(target ‖ output), TV (exact\n' +
    'in 1-D, else the tightest available bounds), W2; the exponent p of error ≈ c·h^p fitted over the step sweep, and of\n' +
    "KL ≈ c·d^q over the dimensions; and the paper's TV bound (Chen et al. 2022, Thm 2 for DDPM, Thm 5 for CLD, constant 1):\n" +
    '√KL(q‖γ)·e^{-T} + (L√(dh) + L·m₂·h)·√T, with √(KL + FI) in the first term for CLD.\n' +
    'DDPM solvers (data in the smallest dimension of --dims): the convergence order p of W2(output, q_δ) = O(h^p), fitted on\n' +
    'uniform grids T → δ started at q_T (discretisation error alone), next to theory; and KL(data ‖ output) against the number\n' +
    'of score evaluations on early-stopping grids earlyStoppingGrid(T, δ, steps) started at N(0, I), every method side by side.',
  options: [
    {
      name: 'dims',
      kind: 'numbers',
      valueName: '<d1,d2,...>',
      description: 'dimensions to sweep',
      defaultText: '1,4,16',
    },
    {
      name: 'steps',
      kind: 'numbers',
      valueName: '<N1,N2,...>',
      description: 'step counts to sweep (h = T/N)',
      defaultText: '16,32,64,128,256',
    },
    {
      name: 'T',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<T>',
      description: 'horizon',
      defaultText: '8',
    },
    {
      name: 'samplers',
      kind: 'string',
      valueName: '<ddpm,cld>',
      description: 'samplers to verify',
      defaultText: 'ddpm,cld',
    },
    {
      name: 'methods',
      kind: 'string',
      valueName: '<m1,m2,...>',
      description: `methods to verify (DDPM: ${DDPM_METHODS.join(', ')}; CLD: ${CLD_METHODS.join(', ')})`,
      defaultText: 'all',
    },
    {
      name: 'variance',
      kind: 'numbers',
      valueName: '<v | a,b>',
      description: 'data covariance eigenvalues: v (isotropic) or geometrically spaced from a to b',
      defaultText: '0.5',
    },
    {
      name: 'mean-value',
      kind: 'number',
      valueName: '<m>',
      description: 'every coordinate of the data mean',
      defaultText: '1',
    },
    {
      name: 'plot',
      kind: 'string',
      valueName: '<file.svg>',
      description: 'draw error against step size on log-log axes',
    },
    {
      name: 'order-steps',
      kind: 'numbers',
      valueName: '<N1,N2,...>',
      description: 'DDPM convergence orders: step counts of the uniform grids T → δ',
      defaultText: '1024,2048,4096',
    },
    {
      name: 'order-delta',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<δ>',
      description: 'DDPM convergence orders: early-stopping time δ',
      defaultText: '0.1',
    },
    {
      name: 'budgets',
      kind: 'numbers',
      valueName: '<E1,E2,...>',
      description: 'KL table: numbers of score evaluations',
      defaultText: '10,25,50,100,200,1000',
    },
    {
      name: 'kl-delta',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<δ>',
      description: 'KL table: early-stopping time δ of its grids',
      defaultText: '0.001',
    },
  ],
  examples: [
    'sgmkit verify',
    'sgmkit verify --dims 2,8,32,128 --steps 20,40,80,160,320 --T 10 --plot out/verify.svg',
    'sgmkit verify --methods exponential-integrator --json',
  ],
};

/** One sampler configuration under test. */
export type VerifyCase =
  | { readonly sampler: 'ddpm'; readonly method: (typeof DDPM_METHODS)[number] }
  | { readonly sampler: 'cld'; readonly method: (typeof CLD_METHODS)[number] };

/** One row of the table: a sampler at one dimension and step count. */
export interface VerifyRow {
  readonly sampler: string;
  readonly method: string;
  readonly d: number;
  readonly steps: number;
  readonly h: number;
  readonly kl: number;
  readonly tvLower: number;
  readonly tvUpper: number;
  readonly w2: number;
  readonly paperTVBound: number;
}

/** Fitted exponents in h for one sampler and dimension. */
export interface StepExponents {
  readonly sampler: string;
  readonly method: string;
  readonly d: number;
  readonly kl: number;
  readonly tv: number;
  readonly w2: number;
  readonly paperTV: number;
}

function integerList(args: ParsedArgs, name: string, fallback: number[], min: number): number[] {
  const values = args.numbers(name) ?? fallback;
  if (values.some((v) => !Number.isInteger(v) || v < min))
    throw new OptionValueError(name, values.join(','), `a comma-separated list of integers >= ${min}`);
  return [...new Set(values)].sort((a, b) => a - b);
}

function resolveCases(args: ParsedArgs): VerifyCase[] {
  const samplersText = args.string('samplers', 'ddpm,cld');
  const samplers = samplersText.split(',').map((m) => m.trim());
  if (samplers.some((m) => m !== 'ddpm' && m !== 'cld'))
    throw new OptionValueError('samplers', samplersText, 'a comma-separated list of ddpm, cld');
  const all = [...new Set<string>([...DDPM_METHODS, ...CLD_METHODS])];
  const methodsText = args.string('methods', 'all');
  const methods = methodsText === 'all' ? all : methodsText.split(',').map((m) => m.trim());
  if (methods.some((m) => !all.includes(m)))
    throw new OptionValueError('methods', methodsText, `a comma-separated list of ${all.join(', ')} (or all)`);
  const cases: VerifyCase[] = [];
  if (samplers.includes('ddpm'))
    for (const method of DDPM_METHODS) if (methods.includes(method)) cases.push({ sampler: 'ddpm', method });
  if (samplers.includes('cld'))
    for (const method of CLD_METHODS) if (methods.includes(method)) cases.push({ sampler: 'cld', method });
  if (cases.length === 0)
    throw new OptionValueError('methods', methodsText, `a method of the chosen samplers (${samplersText})`);
  return cases;
}

/** Eigenvalues of the data covariance: isotropic, or geometrically spaced from a to b. */
export function varianceSpectrum(variance: readonly number[], d: number): number[] {
  if (variance.length === 1 || d === 1)
    return new Array<number>(d).fill(variance.length === 1 ? variance[0]! : Math.sqrt(variance[0]! * variance[1]!));
  const [a, b] = variance as [number, number];
  return Array.from({ length: d }, (_, i) => a * (b / a) ** (i / (d - 1)));
}

/** The data law `N(m·1, diag(spectrum))` in dimension d. */
export function dataLaw(spectrum: readonly number[], meanValue: number): GaussianLaw {
  const d = spectrum.length;
  const covariance = new Float64Array(d * d);
  spectrum.forEach((v, i) => (covariance[i * d + i] = v));
  return {
    mean: new Float64Array(d).fill(meanValue),
    covariance: { data: covariance, shape: [d, d], stride: [d, 1], offset: 0 },
  };
}

/** The paper's constants for the data law, from the exact Gaussian score's stated assumptions. */
export function paperConstants(spectrum: readonly number[], meanValue: number, T: number): PaperConstants {
  const d = spectrum.length;
  const assumptions = gaussianScore({
    mean: new Array<number>(d).fill(meanValue),
    covariance: [...spectrum],
  }).assumptions!;
  // FI(q ‖ γ) = E|∇ln q(X) + X|² = tr((I − Σ⁻¹)²Σ) + |μ|² for q = N(μ, Σ): Σ_i (λ_i − 2 + 1/λ_i) + d·m².
  const fisher = spectrum.reduce((sum, v) => sum + v - 2 + 1 / v, 0) + d * meanValue * meanValue;
  return {
    // The theorems assume L >= 1.
    lipschitz: Math.max(1, assumptions.lipschitzBound!(0, T)),
    secondMoment: assumptions.secondMoment!,
    klToStandardNormal: assumptions.klToStandardNormal!,
    fisherInformation: Math.max(0, fisher),
  };
}

/** What the paper's bounds need about the data law. */
export interface PaperConstants {
  readonly lipschitz: number;
  readonly secondMoment: number;
  readonly klToStandardNormal: number;
  readonly fisherInformation: number;
}

/** The paper's TV bound (constant 1, exact score): Theorem 2 for DDPM, Theorem 5 for CLD. */
export function paperTVBound(sampler: 'ddpm' | 'cld', c: PaperConstants, dim: number, h: number, T: number): number {
  const inputs = {
    klToStandardNormal: c.klToStandardNormal,
    lipschitz: c.lipschitz,
    secondMoment: c.secondMoment,
    dim,
    h,
    T,
    scoreError: 0,
  };
  return sampler === 'ddpm'
    ? ddpmBound(inputs).bound
    : cldBound({ ...inputs, fisherInformation: c.fisherInformation }).bound;
}

/** The output law of a sampler on the data law (for CLD, the position marginal). */
function outputLaw(vc: VerifyCase, data: GaussianLaw, steps: number, T: number): GaussianLaw {
  const grid = uniformGrid(T, steps);
  return vc.sampler === 'ddpm'
    ? exactDDPMLaw(data, { T, grid, method: vc.method })
    : exactCLDLaw(data, { T, grid, method: vc.method }).position;
}

function verifyRow(
  vc: VerifyCase,
  data: GaussianLaw,
  constants: PaperConstants,
  steps: number,
  T: number,
): VerifyRow | undefined {
  const h = T / steps;
  if (!(h < stabilityLimit(vc.sampler, vc.method))) return undefined;
  const output = outputLaw(vc, data, steps, T);
  const tv = gaussianTV(output, data);
  const d = data.mean.length;
  return {
    ...vc,
    d,
    steps,
    h,
    kl: gaussianKL(data, output),
    tvLower: tv.exact ?? tv.lower,
    tvUpper: tv.exact ?? tv.upper,
    w2: gaussianW2(output, data),
    paperTVBound: paperTVBound(vc.sampler, constants, d, h, T),
  };
}

function stepExponents(rows: readonly VerifyRow[], vc: VerifyCase, d: number): StepExponents {
  const own = rows.filter((r) => r.method === vc.method && r.sampler === vc.sampler && r.d === d);
  const h = own.map((r) => r.h);
  const fit = (pick: (r: VerifyRow) => number) => fitPowerLaw(h, own.map(pick)).exponent;
  return {
    ...vc,
    d,
    kl: fit((r) => r.kl),
    tv: fit((r) => r.tvUpper),
    w2: fit((r) => r.w2),
    paperTV: fit((r) => r.paperTVBound),
  };
}

function dimensionExponent(rows: readonly VerifyRow[], vc: VerifyCase, steps: number): number {
  const own = rows.filter((r) => r.method === vc.method && r.sampler === vc.sampler && r.steps === steps);
  return fitPowerLaw(
    own.map((r) => r.d),
    own.map((r) => r.kl),
  ).exponent;
}

function caseLabel(vc: { sampler: string; method: string }): string {
  return `${vc.sampler} ${vc.method}`;
}

function errorPlot(rows: readonly VerifyRow[], cases: readonly VerifyCase[], d: number, T: number): string {
  const at = (vc: VerifyCase) => rows.filter((r) => r.d === d && r.method === vc.method && r.sampler === vc.sampler);
  const seriesOf = (pick: (r: VerifyRow) => number): Series[] =>
    cases.map((vc) => ({ label: caseLabel(vc), x: at(vc).map((r) => r.h), y: at(vc).map(pick), markers: true }));
  const bounds: Series[] = (['ddpm', 'cld'] as const).flatMap((sampler) => {
    const first = cases.find((vc) => vc.sampler === sampler);
    const own = first ? at(first) : [];
    return own.length
      ? [
          {
            label: `paper bound (${sampler})`,
            x: own.map((r) => r.h),
            y: own.map((r) => r.paperTVBound),
            dashed: true,
            color: sampler === 'ddpm' ? '#555' : '#999',
          },
        ]
      : [];
  });
  const logLog = { xLabel: 'step size h', xScale: 'log', yScale: 'log', legend: 'bottom-right' } as const;
  const panels = [
    linePanel({ ...logLog, title: 'KL(target ‖ output)', yLabel: 'KL', series: seriesOf((r) => r.kl) }),
    linePanel({
      ...logLog,
      title: "TV (upper bound) and the paper's bound",
      yLabel: 'TV',
      series: [...seriesOf((r) => r.tvUpper), ...bounds],
    }),
    linePanel({ ...logLog, title: 'W2', yLabel: 'W2', series: seriesOf((r) => r.w2) }),
  ];
  return figure(panels, { title: `Exact error of the samplers on Gaussian data, d = ${d}, T = ${T}` });
}

function rowsTable(rows: readonly VerifyRow[]): string {
  return formatTable(
    ['sampler', 'method', 'd', 'steps', 'h', 'KL', 'TV >=', 'TV <=', 'W2', 'paper TV bound'],
    rows.map((r): Cell[] => [r.sampler, r.method, r.d, r.steps, r.h, r.kl, r.tvLower, r.tvUpper, r.w2, r.paperTVBound]),
  );
}

function exponentTable(
  exponents: readonly StepExponents[],
  dimension: readonly { sampler: string; method: string; steps: number; exponent: number }[],
): string {
  const fixed = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
  const byH = formatTable(
    ['sampler', 'method', 'd', 'KL ~ h^p', 'TV ~ h^p', 'W2 ~ h^p', 'paper TV bound ~ h^p'],
    exponents.map((e): Cell[] => [e.sampler, e.method, e.d, fixed(e.kl), fixed(e.tv), fixed(e.w2), fixed(e.paperTV)]),
  );
  const byD = formatTable(
    ['sampler', 'method', 'steps', 'KL ~ d^q'],
    dimension.map((e): Cell[] => [e.sampler, e.method, e.steps, fixed(e.exponent)]),
  );
  return `${byH}\n${byD}`;
}

/** The DDPM solver sections: fitted orders, the KL table and the goal check. */
function solverSections(
  args: ParsedArgs,
  data: GaussianLaw,
  T: number,
  cases: readonly VerifyCase[],
): { text: string; orders: OrderFit[]; cells: BudgetCell[]; goal: GoalCheck[]; heunGrids: HeunGridCell[] } {
  const methods = cases.filter((vc) => vc.sampler === 'ddpm').map((vc) => vc.method);
  const orderSteps = integerList(args, 'order-steps', [1024, 2048, 4096], 2);
  const orderDelta = args.number('order-delta', 0.1);
  const budgets = integerList(args, 'budgets', [10, 25, 50, 100, 200, 1000], 2);
  const klDelta = args.number('kl-delta', 1e-3);
  if (!(orderDelta < T)) throw new OptionValueError('order-delta', String(orderDelta), `a number in (0, T = ${T})`);
  if (!(klDelta < T)) throw new OptionValueError('kl-delta', String(klDelta), `a number in (0, T = ${T})`);
  const orders = solverOrders(data, T, orderDelta, orderSteps, methods);
  const withReference = methods.includes('exponential-integrator')
    ? methods
    : ['exponential-integrator' as const, ...methods];
  const reference = budgets[budgets.length - 1]!;
  const cells = klByEvaluations(data, T, klDelta, budgets, withReference);
  const tableGoal = goalChecks(
    cells,
    reference,
    50,
    methods.filter((m) => m === 'heun' || m === 'exponential-heun' || m === 'dpmpp-2m'),
    T,
    klDelta,
  );
  const studied = methods.includes('heun') || methods.includes('exponential-heun');
  const heunGrids = studied ? heunGridStudy(data, T, klDelta, 50) : [];
  const heun = studied ? heunGoal(heunGrids, cells, reference, 50, klDelta) : undefined;
  const goal = [...(heun ? [heun] : []), ...tableGoal.filter((g) => g.method === 'dpmpp-2m')];
  const ei = cells.find((c) => c.method === 'exponential-integrator' && c.budget === reference);
  const meets = (c: { kl: number; klToMarginal: number }): boolean =>
    ei !== undefined && c.kl <= ei.kl && c.klToMarginal <= ei.klToMarginal;
  const heunLines = heunGrids.map(
    (c) =>
      `    ${c.method.padEnd(16)} ${c.kl.toExponential(2)} [${c.klToMarginal.toExponential(2)}] (${c.evaluations}) ${
        c.end !== klDelta ? 'ends at 0, not compared' : meets(c) ? 'met' : 'not met'
      }: ${c.grid}`,
  );
  const d = data.mean.length;
  const goalLines = goal.map(
    (g) =>
      `  ${g.method}: best KL ${g.bestKL.toExponential(2)} [${g.bestKLToMarginal.toExponential(2)}] with ${g.evaluations} evaluations ` +
      `(${g.grid}) vs ${g.referenceKL.toExponential(2)} [${g.referenceKLToMarginal.toExponential(2)}] for the exponential integrator ` +
      `with ${reference}: ${g.met ? 'met' : 'NOT met'}`,
  );
  const text = [
    `DDPM convergence orders (d = ${d}): W2(output, q_δ) on uniform grids ${T} → δ = ${orderDelta}, started at q_T; fitted p of W2 ~ h^p.`,
    'Theory: first order for the single-step methods, 2 for heun, exponential-heun, stochastic-heun (weak order) and dpmpp-2m, r + 1 for deis-r.',
    ordersTable(orders).trimEnd(),
    '',
    `KL(data ‖ output) against score evaluations (d = ${d}, earlyStoppingGrid(${T}, ${klDelta}, steps), start N(0, I); evaluations used in parentheses;`,
    "'-': the steps would exceed the method's stability limit). The floor is KL(data ‖ q_δ) = " +
      gaussianKL(data, ouMarginal(data, klDelta)).toExponential(2) +
      '.',
    budgetTable(cells, budgets).trimEnd(),
    '',
    'KL(q_δ ‖ output), the discretisation and initialisation error alone:',
    budgetTable(cells, budgets, (c) => c.klToMarginal).trimEnd(),
    ...(goal.length > 0
      ? [
          '',
          `Goal: ≤ 50 evaluations reach the exponential integrator's KL at ${reference} evaluations on ${'`'}earlyStoppingGrid(${T}, ${klDelta}, ${reference})${'`'}:`,
          "KL(data ‖ output) [KL(q_δ ‖ output), the discretisation error alone]; met when both are at most the reference's.",
          ...goalLines,
        ]
      : []),
    ...(heunGrids.length > 0
      ? [
          '  Heun, both forms, on standard grids fixed in advance (KL(data ‖ output) [KL(q_end ‖ output)] (evaluations); docs/solvers.md, "Heun and the goal"):',
          ...heunLines,
        ]
      : []),
  ];
  return { text: text.join('\n') + '\n', orders, cells, goal, heunGrids };
}

/** The `verify` command. */
export const verifyCommand: Command = {
  spec,
  async run(args) {
    const dims = integerList(args, 'dims', [1, 4, 16], 1);
    const stepCounts = integerList(args, 'steps', [16, 32, 64, 128, 256], 1);
    const T = args.number('T', 8);
    const variance = args.numbers('variance') ?? [0.5];
    if (variance.length > 2 || variance.some((v) => !(v > 0)))
      throw new OptionValueError('variance', variance.join(','), 'one or two numbers > 0');
    const meanValue = args.number('mean-value', 1);
    const cases = resolveCases(args);
    const rows: VerifyRow[] = [];
    for (const vc of cases) {
      for (const d of dims) {
        const spectrum = varianceSpectrum(variance, d);
        const data = dataLaw(spectrum, meanValue);
        const constants = paperConstants(spectrum, meanValue, T);
        for (const steps of stepCounts) {
          const row = verifyRow(vc, data, constants, steps, T);
          if (row) rows.push(row);
        }
      }
    }
    const exponents = cases.flatMap((vc) => dims.map((d) => stepExponents(rows, vc, d)));
    const finest = stepCounts[stepCounts.length - 1]!;
    const dimension = cases.map((vc) => ({
      sampler: vc.sampler,
      method: vc.method,
      steps: finest,
      exponent: dimensionExponent(rows, vc, finest),
    }));
    const plot = args.string('plot');
    if (plot) writeTextFile(plot, errorPlot(rows, cases, dims[dims.length - 1]!, T));
    const solvers = cases.some((vc) => vc.sampler === 'ddpm')
      ? solverSections(args, dataLaw(varianceSpectrum(variance, dims[0]!), meanValue), T, cases)
      : undefined;
    const skipped = cases.length * dims.length * stepCounts.length - rows.length;
    const text = [
      `Exact output laws of the samplers (exact score, start N(0, I)) for data N(${meanValue}·1, Σ), Σ eigenvalues ${variance.join(' to ')}, T = ${T}.`,
      'KL = KL(target ‖ output); TV exact in 1-D, else bounds; paper TV bound = Chen et al. (2022) Thm 2 (DDPM) / Thm 5 (CLD), constant 1.',
      '',
      rowsTable(rows).trimEnd(),
      ...(skipped > 0
        ? ['', `(${skipped} configurations skipped: step size at or above the method's stability limit)`]
        : []),
      '',
      'Fitted exponents (least squares on log-log). The paper bounds TV by O(√(dh)) (exponent 0.5) and KL by O(d·h) (Girsanov);',
      'with the exact score on Gaussian data the DDPM exponential integrator does better: KL ~ h² d.',
      exponentTable(exponents, dimension).trimEnd(),
      ...(solvers ? ['', solvers.text.trimEnd()] : []),
      ...(plot ? ['', `wrote ${plot}`] : []),
    ];
    return {
      text: text.join('\n') + '\n',
      json: {
        T,
        variance,
        meanValue,
        dims,
        steps: stepCounts,
        rows,
        exponents,
        dimensionExponents: dimension,
        plot: plot ?? null,
        ...(solvers
          ? { orders: solvers.orders, klByEvaluations: solvers.cells, goal: solvers.goal, heunGrids: solvers.heunGrids }
          : {}),
      },
    };
  },
};
