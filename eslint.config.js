// ESLint flat config: @eslint/js and typescript-eslint's recommended rules (syntax-only, so `pnpm lint`
// stays fast on 2 cores), on the three packages' sources, the tests, benchmarks and examples.
// Formatting is prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', 'out/**', 'examples/web/bundle/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
    // Unused names are errors; a leading underscore marks one that is unused on purpose (an interface's argument,
    // a field taken out of an object by destructuring).
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The fdlibm port is kept line for line with its C source (constants with fdlibm's digits, its dead stores).
    files: ['packages/tensor/src/math/portable.ts', 'packages/tensor/src/math/trig.ts'],
    rules: {
      'no-loss-of-precision': 'off',
      'no-useless-assignment': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  {
    // Hot random kernels declare their loop registers up front, initialised, so V8 sees one type from the start.
    files: ['packages/tensor/src/random/**/*.ts'],
    rules: { 'no-useless-assignment': 'off' },
  },
);
