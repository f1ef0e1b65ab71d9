// No secret in any output of the worker Lambda as deployed (dist/handlers/worker.js): its logs, the Slack
// messages it posts and the state it returns are scanned for the Slack token, the signing secret, the AWS
// secret key, a kubeconfig token and EKS bearer tokens — also when the cluster cannot be reached.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobIdFor, type Job, type JobCommand } from '../../src/jobs/job';
import { startSlackStandin, type SlackStandin } from '../../src/slack/standin';
import { runWorker, WORKER } from '../slack/helpers/worker-process';
import { makeTestPki } from '../webhook/support/tls';
import { AWS_SECRET_KEY, BOT_TOKEN, leakedSecrets, SIGNING_SECRET, TEST_SECRETS } from './support/slack-door';

jest.setTimeout(120_000);

const KUBE_TOKEN = 'reliability-kube-bearer-token-3c8e90';
const dir = mkdtempSync(path.join(tmpdir(), 'mesh-secrets-'));
let slack: SlackStandin;

beforeAll(async () => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build (npm test does)`);
  slack = await startSlackStandin();
});
afterAll(async () => {
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function job(command: JobCommand, text: string): Job {
  return { id: jobIdFor({ channel: 'C0OPS', user: 'U0ALICE', text, at: Date.now(), kind: command.kind }), command, text, namespace: 'shop', user: 'U0ALICE', channel: 'C0OPS', requestedAt: Date.now() };
}

const common = { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, MESH_STEP_BUDGET_MS: '3000' };
// Port 9 on loopback: nothing listens, so every cluster call fails at once.
const unreachable = 'https://127.0.0.1:9';

const kubeconfig = () => {
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${unreachable}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: ${KUBE_TOKEN}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
  return file;
};

const eks = () => ({
  MESH_EKS_CLUSTER_NAME: 'reliability',
  MESH_EKS_ENDPOINT: unreachable,
  MESH_EKS_CA_DATA: Buffer.from(makeTestPki().caPem).toString('base64'),
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDRELIABILITY',
  AWS_SECRET_ACCESS_KEY: AWS_SECRET_KEY,
});

it.each([
  ['an inject preview (no cluster)', () => ({}), { kind: 'inject', app: 'guestbook', namespace: 'shop', apply: false } as const, 'inject guestbook -n shop'],
  ['a status against an unreachable kubeconfig cluster', () => ({ KUBECONFIG: kubeconfig() }), { kind: 'status', app: 'guestbook', namespace: 'shop' } as const, 'status guestbook -n shop'],
  ['a deploy against an unreachable kubeconfig cluster', () => ({ KUBECONFIG: kubeconfig() }), { kind: 'deploy', app: 'guestbook', namespace: 'shop', inject: false } as const, 'deploy guestbook -n shop'],
  ['a deploy against an unreachable EKS endpoint', eks, { kind: 'deploy', app: 'guestbook', namespace: 'shop', inject: false } as const, 'deploy guestbook -n shop'],
])('%s prints and posts no secret', async (_label, env, command, text) => {
  const before = slack.calls.length;
  const run = await runWorker({ job: job(command, text) }, { ...common, SLACK_API_URL: slack.apiUrl, ...env() });
  const posted = slack.calls.slice(before).map((c) => JSON.stringify(c.args));
  const outputs = [run.stdout, run.stderr, JSON.stringify(run.state ?? {}), ...posted];
  expect(posted.length + run.stdout.length + run.stderr.length).toBeGreaterThan(0);
  expect(leakedSecrets(outputs, [...TEST_SECRETS, KUBE_TOKEN, 'k8s-aws-v1.'])).toEqual([]);
});
