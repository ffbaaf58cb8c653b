/**
 * Jest runs in native ESM mode (Nest 12 is ESM-only; on Node 20 Jest cannot require() ESM),
 * so it is started with --experimental-vm-modules by scripts/run-tests.mjs.
 * @type {import('jest').Config}
 */
export default {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  moduleNameMapper: {
    '^@app/workflows$': '<rootDir>/libs/workflows/src/index.ts',
    '^@app/notify$': '<rootDir>/libs/notify/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 60000,
};
