// Jest runs the compiled tests in dist/ as native ES modules (see README, "Tests"):
// `npm test` builds with tsc first, so what is tested is exactly what ships.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 60000,
  // After the run, one list of the tests skipped here, why, and how to enable them.
  reporters: ['default', '<rootDir>/dist/test/helpers/skip-reporter.js'],
};
