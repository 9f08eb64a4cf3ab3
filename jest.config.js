// Tests run in native ESM mode against the built packages (dist/), so they
// exercise exactly what users import, including worker_threads entry points.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } },
    ],
  },
  testTimeout: 120000,
  // Jest's default is one worker on a 2-core machine (cores − 1); two keep both cores busy on an idle CI machine
  // (most tests wait on child processes or worker threads part of the time) and give the suite a fair share of a
  // loaded one.
  maxWorkers: 2,
};
