// Jest runs the compiled tests in dist/ as native ES modules (see README, "Tests"):
// `npm test` builds with tsc first, so what is tested is exactly what ships.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 60000,
};
