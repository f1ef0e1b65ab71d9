// The configuration each process reads from its environment (src/config.ts): malformed values fail with one line
// naming the variable, the documented defaults hold, every variable read anywhere is in the catalog, and the
// operator guide's table is the catalog's.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { consoleConfig, policySource, slackDoorEnv, VARIABLES, variablesTable, workerConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '../..');

describe('the worker configuration', () => {
  it('has the documented defaults with nothing set', () => {
    expect(workerConfig({})).toEqual({ stepBudgetMs: 20_000, istio: { compliancePolicy: '' } });
  });

  it('reads every setting the worker needs', () => {
    expect(workerConfig({
      MESH_STEP_BUDGET_MS: '60000', MESH_STAGE_TIMEOUT_MS: '300000', MESH_HISTORY_LIMIT: '25', SLACK_API_URL: 'http://127.0.0.1:9/api/', COMPLIANCE_POLICY: 'fips-140-2',
    })).toEqual({ stepBudgetMs: 60_000, stageTimeoutMs: 300_000, historyLimit: 25, slackApiUrl: 'http://127.0.0.1:9/api/', istio: { compliancePolicy: 'fips-140-2' } });
  });

  it.each([
    ['MESH_STEP_BUDGET_MS', 'abc', 'MESH_STEP_BUDGET_MS "abc" is not a number of milliseconds'],
    ['MESH_STEP_BUDGET_MS', '20s', 'MESH_STEP_BUDGET_MS "20s" is not a number of milliseconds'],
    ['MESH_STAGE_TIMEOUT_MS', '-5', 'MESH_STAGE_TIMEOUT_MS "-5" is not a number of milliseconds'],
    ['MESH_STAGE_TIMEOUT_MS', '0', 'MESH_STAGE_TIMEOUT_MS "0" is not a number of milliseconds'],
    ['MESH_HISTORY_LIMIT', 'ten', 'MESH_HISTORY_LIMIT "ten" is not a whole number of at least 1'],
    ['MESH_HISTORY_LIMIT', '2.5', 'MESH_HISTORY_LIMIT "2.5" is not a whole number of at least 1'],
    ['SLACK_API_URL', 'slack.example', 'SLACK_API_URL "slack.example" is not a URL'],
  ])('refuses %s=%j with one line naming it', (name, value, message) => {
    expect(() => workerConfig({ [name]: value })).toThrow(message);
  });

  it("reads the worker's own EKS cluster, and refuses an incomplete one at cold start rather than at the first job", () => {
    const eks = { MESH_EKS_CLUSTER_NAME: 'prod', MESH_EKS_ENDPOINT: 'https://eks.example', MESH_EKS_CA_DATA: 'Q0E=', AWS_REGION: 'eu-west-1' };
    expect(workerConfig(eks).eks).toEqual({ clusterName: 'prod', endpoint: 'https://eks.example', caData: 'Q0E=', region: 'eu-west-1' });
    expect(() => workerConfig({ ...eks, MESH_EKS_CA_DATA: '' })).toThrow('MESH_EKS_CLUSTER_NAME is set but MESH_EKS_CA_DATA missing');
    expect(workerConfig({ MESH_EKS_CLUSTER_NAME: '', MESH_EKS_ENDPOINT: '', MESH_EKS_CA_DATA: '' }).eks).toBeUndefined();
  });

  it('takes an empty variable for an unset one (serverless.yml sets absent settings to "")', () => {
    expect(workerConfig({ MESH_STAGE_TIMEOUT_MS: '', MESH_HISTORY_LIMIT: '' })).toEqual(workerConfig({}));
  });
});

describe('the console configuration', () => {
  it('shares the job runner settings with the worker, and refuses the same malformed values', () => {
    expect(consoleConfig({ MESH_STAGE_TIMEOUT_MS: '60000', MESH_HISTORY_LIMIT: '3' })).toEqual({ stageTimeoutMs: 60_000, historyLimit: 3, istio: { compliancePolicy: '' } });
    expect(() => consoleConfig({ MESH_STAGE_TIMEOUT_MS: '10m' })).toThrow('MESH_STAGE_TIMEOUT_MS "10m" is not a number of milliseconds');
  });
});

describe('the Slack door configuration', () => {
  it('has placeholder bot ids and no job runner with nothing set', () => {
    expect(slackDoorEnv({})).toEqual({ botId: 'B0MESH', botUserId: 'U0MESH', policy: undefined });
  });

  it('prefers the policy YAML itself over a policy file', () => {
    expect(policySource({ MESH_POLICY: 'rules: []', MESH_POLICY_FILE: 'infra/policy.yaml' })).toEqual({ yaml: 'rules: []', origin: 'MESH_POLICY' });
    expect(policySource({ MESH_POLICY_FILE: 'infra/policy.yaml' })).toEqual({ file: 'infra/policy.yaml' });
  });
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Variables named in the source text: `env.X`, `env?.X`, `env['X']`, `resolveSecret('X'`, `'X'` listed as missing. */
function variablesReadBySources(): Map<string, string[]> {
  const reads = new Map<string, string[]>();
  for (const file of [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'handlers'))]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/env(?:\?)?\.([A-Z][A-Z0-9_]+)\b|env\[['"`]([A-Z][A-Z0-9_]+)['"`]\]|(?:resolveSecret|millisecondsOf|countOf|urlOf|text)\((?:env, )?'([A-Z][A-Z0-9_]+)'/g)) {
      const name = match[1] ?? match[2] ?? match[3]!;
      reads.set(name, [...(reads.get(name) ?? []), path.relative(ROOT, file)]);
    }
  }
  return reads;
}

test('every environment variable read in src/ and handlers/ is in the catalog of src/config.ts', () => {
  const reads = variablesReadBySources();
  expect(reads.get('MESH_STEP_BUDGET_MS')).toEqual(['src/config.ts']);
  const catalogued = new Set(VARIABLES.map((v) => v.name));
  expect([...reads.keys()].filter((name) => !catalogued.has(name)).map((name) => `${name} (${reads.get(name)!.join(', ')})`)).toEqual([]);
});

test('each environment variable is read in one module (the others ask it)', () => {
  const readTwice = [...variablesReadBySources()].map(([name, files]) => [name, [...new Set(files)]] as const).filter(([, files]) => files.length > 1);
  expect(readTwice.map(([name, files]) => `${name}: ${files.join(', ')}`)).toEqual([]);
});

test("docs/operator-guide/configuration.md's table is the catalog's", () => {
  const doc = readFileSync(path.join(ROOT, 'docs', 'operator-guide', 'configuration.md'), 'utf8');
  const table = /^\| Variable \| Read by \|.*(?:\n\|.*)*/m.exec(doc)?.[0];
  // On a difference, the message shows the table to paste into the doc.
  expect(table).toBe(variablesTable());
});
