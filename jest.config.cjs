// Two projects: fast unit tests, and integration tests against the real local control plane (test/integration).
// Tests that need the Lambda's Node 22 (aws-local-stepfunctions requires it) are left out on an older Node;
// `npm test` runs them, with the Lambda bundle tests, on Node 22 (scripts/test.mjs, scripts/node22.mjs).
const NODE22_ONLY = ['<rootDir>/test/aws/state-machine.test.ts'];
// The functions as deployed: aws-lambda-ric runs on Node >= 22 only (and the state machine executor too).
const NODE22_ONLY_INTEGRATION = ['<rootDir>/test/integration/lambda-as-deployed.test.ts', '<rootDir>/test/integration/canary-state-machine.test.ts'];
const onNode22 = Number(process.versions.node.split('.')[0]) >= 22;
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
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/', ...(onNode22 ? [] : NODE22_ONLY)],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      testPathIgnorePatterns: ['/node_modules/', ...(onNode22 ? [] : NODE22_ONLY_INTEGRATION)],
      globalSetup: '<rootDir>/test/integration/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/setup/timeout.ts'],
    },
  ],
};
