// Two projects: fast unit tests, and integration tests against the real local control plane (test/integration).
const common = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '\\.(ts|js|mjs)$': '<rootDir>/jest.transform.cjs' },
  transformIgnorePatterns: [],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/test', '<rootDir>/src'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      globalSetup: '<rootDir>/test/integration/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/setup/timeout.ts'],
    },
  ],
};
