/** The live page in a real headless Chromium (npm run test:browser, after a build). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFilesAfterEnv: ['<rootDir>/test/setup/fail-on-unhandled.ts'],
  testTimeout: 120000,
};
