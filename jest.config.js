// The suite runs in a time zone that is not UTC, so code that reads a zoneless time as local time
// (CreationTime has no Z) fails here too, not only on machines set to another zone. Set before any
// test process starts; the workers inherit it (test/normalize/time.test.ts checks it took effect).
process.env.TZ = 'America/New_York';

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
