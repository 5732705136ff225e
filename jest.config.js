/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  setupFiles: ['<rootDir>/test/requireTestCa.ts'],
  testTimeout: 60000,
  // Two cores on CI: two workers keep the Azurite-backed suites from starving each other.
  maxWorkers: 2,
};
