import { parseArgs, formatHelp, convertOption, type CommandSpec } from '../../packages/sampler/dist/cli/args.js';
import { OptionValueError, UsageError } from '../../packages/sampler/dist/cli/errors.js';
import { formatTable, formatNumber } from '../../packages/sampler/dist/cli/format.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo command',
  options: [
    { name: 'steps', kind: 'integer', min: 1, description: 'number of steps', defaultText: '100' },
    { name: 'T', kind: 'number', min: 0, exclusiveMin: true, description: 'horizon' },
    { name: 'count', short: 'n', kind: 'integer', min: 1, description: 'particles' },
    { name: 'method', kind: 'choice', choices: ['ei', 'em'], description: 'method' },
    { name: 'mean', kind: 'numbers', description: 'mean vector' },
    { name: 'cov', kind: 'matrix', description: 'covariance' },
    { name: 'plot', kind: 'boolean', description: 'draw' },
    { name: 'out', kind: 'string', description: 'output' },
  ],
  examples: ['sgmkit demo --steps 10'],
};

function message(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('argument parsing', () => {
  test('--flag value, --flag=value, short flags, booleans and typed values', () => {
    const args = parseArgs(spec, [
      '--steps',
      '10',
      '--T=2.5',
      '-n',
      '1e4',
      '--method',
      'em',
      '--mean',
      '-1,2.5',
      '--cov',
      '1,0.5;0.5,2',
      '--plot',
      '--out=a=b.csv',
    ]);
    expect(args.number('steps', 1)).toBe(10);
    expect(args.number('T')).toBe(2.5);
    expect(args.number('count')).toBe(10000);
    expect(args.string('method')).toBe('em');
    expect(args.numbers('mean')).toEqual([-1, 2.5]);
    expect(args.matrix('cov')).toEqual([
      [1, 0.5],
      [0.5, 2],
    ]);
    expect(args.flag('plot')).toBe(true);
    expect(args.string('out')).toBe('a=b.csv');
    expect(args.has('json')).toBe(false);
  });

  test('absent options fall back to defaults', () => {
    const args = parseArgs(spec, []);
    expect(args.number('steps', 100)).toBe(100);
    expect(args.string('out')).toBeUndefined();
    expect(args.flag('plot')).toBe(false);
    expect(parseArgs(spec, ['--plot=false']).flag('plot')).toBe(false);
  });

  test('bad values give one-line errors naming the option', () => {
    expect(message(() => parseArgs(spec, ['--steps', 'abc']))).toBe('--steps must be an integer >= 1; got "abc"');
    expect(message(() => parseArgs(spec, ['--steps', '0']))).toBe('--steps must be an integer >= 1; got "0"');
    expect(message(() => parseArgs(spec, ['--steps', '2.5']))).toBe('--steps must be an integer >= 1; got "2.5"');
    expect(message(() => parseArgs(spec, ['--T', '0']))).toBe('--T must be a finite number > 0; got "0"');
    expect(message(() => parseArgs(spec, ['--T', '0x10']))).toBe('--T must be a finite number > 0; got "0x10"');
    expect(message(() => parseArgs(spec, ['--T', '']))).toBe('--T must be a finite number > 0; got ""');
    expect(message(() => parseArgs(spec, ['--T', 'Infinity']))).toMatch(/^--T must be a finite number/);
    expect(message(() => parseArgs(spec, ['--method', 'rk4']))).toBe('--method must be one of ei, em; got "rk4"');
    expect(message(() => parseArgs(spec, ['--mean', '1,,2']))).toMatch(
      /^--mean must be a comma-separated list of finite numbers/,
    );
    expect(message(() => parseArgs(spec, ['--cov', '1,2;3']))).toMatch(
      /^--cov must be .* rows of equal length; got "1,2;3"$/,
    );
    expect(message(() => parseArgs(spec, ['--plot=maybe']))).toBe('--plot must be true or false; got "maybe"');
    expect(() => parseArgs(spec, ['--steps', 'x'])).toThrow(OptionValueError);
  });

  test('malformed command lines are usage errors', () => {
    expect(message(() => parseArgs(spec, ['--nope']))).toBe('unknown option --nope (see --help)');
    expect(message(() => parseArgs(spec, ['-z']))).toBe('unknown option -z (see --help)');
    expect(message(() => parseArgs(spec, ['--steps']))).toBe('option --steps needs a value');
    expect(message(() => parseArgs(spec, ['stray']))).toMatch(/^unexpected argument "stray"/);
    expect(() => parseArgs(spec, ['--nope'])).toThrow(UsageError);
  });

  test('an option given twice is a usage error naming the option and both values', () => {
    expect(message(() => parseArgs(spec, ['--steps', '10', '--steps', '20']))).toBe(
      'option --steps given twice: "10" and "20" (give it once)',
    );
    expect(message(() => parseArgs(spec, ['--steps=10', '--T', '1', '--steps', '20']))).toBe(
      'option --steps given twice: "10" and "20" (give it once)',
    );
    expect(message(() => parseArgs(spec, ['-n', '5', '--count=6']))).toBe(
      'option --count given twice: "5" and "6" (give it once)',
    );
    expect(message(() => parseArgs(spec, ['--mean', '1,2', '--mean', '3']))).toBe(
      'option --mean given twice: "1,2" and "3" (give it once)',
    );
    // flags too: --plot --plot=false would otherwise silently mean false
    expect(message(() => parseArgs(spec, ['--plot', '--plot=false']))).toBe(
      'option --plot given twice: "true" and "false" (give it once)',
    );
    expect(message(() => parseArgs(spec, ['--json', '--json']))).toBe(
      'option --json given twice: "true" and "true" (give it once)',
    );
    // the repetition is reported before the second value is converted
    expect(message(() => parseArgs(spec, ['--steps', '10', '--steps', 'abc']))).toBe(
      'option --steps given twice: "10" and "abc" (give it once)',
    );
    expect(() => parseArgs(spec, ['--steps', '10', '--steps', '20'])).toThrow(UsageError);
  });

  test('convertOption rejects non-decimal numerals that Number() would accept', () => {
    const number = { name: 'x', kind: 'number', description: '' } as const;
    expect(convertOption(number, '-1.5e-3')).toBe(-1.5e-3);
    expect(convertOption(number, '.5')).toBe(0.5);
    for (const bad of [' ', '1_000', '0b1', 'NaN', '1e400'])
      expect(() => convertOption(number, bad)).toThrow(OptionValueError);
  });

  test('help lists every option with its default, the common options, and examples', () => {
    const help = formatHelp(spec);
    expect(help).toMatch(/^Usage: sgmkit demo \[options\]/);
    for (const o of spec.options) expect(help).toContain(`--${o.name}`);
    expect(help).toContain('(default: 100)');
    expect(help).toContain('-n, --count');
    expect(help).toContain('--json');
    expect(help).toContain('--help');
    expect(help).toContain('sgmkit demo --steps 10');
  });
});

describe('text formatting', () => {
  test('numbers: 4 significant digits, exponent form outside [1e-3, 1e5)', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1.5e-6)).toBe('1.5e-6');
    expect(formatNumber(2e7)).toBe('2e+7');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(NaN)).toBe('-');
  });

  test('tables align text left and numbers right', () => {
    const table = formatTable(
      ['method', 'KL'],
      [
        ['ei', 0.5],
        ['euler-maruyama', 12.25],
      ],
    ).split('\n');
    expect(table[0]).toBe('method             KL');
    expect(table[1]).toBe('--------------  -----');
    expect(table[2]).toBe('ei                0.5');
    expect(table[3]).toBe('euler-maruyama  12.25');
  });
});
