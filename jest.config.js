/** Unit, property and end-to-end tests; live-exchange tests run apart (jest.live.config.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.live\\.test\\.ts$'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFilesAfterEnv: ['<rootDir>/test/setup/fail-on-unhandled.ts'],
  testTimeout: 30000,
};
