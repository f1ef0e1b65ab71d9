// Every environment variable mesh reads, and the typed configuration each process reads from them once, at its
// entry point (handlers/*.ts, `mesh console`, the CLI's commands), to pass down. The catalog below is the table of
// docs/operator-guide/configuration.md (test/config checks both that the doc matches it and that every variable
// read anywhere in src/ or handlers/ is in it). A malformed value fails the process with one line naming it.
import os from 'node:os';
import path from 'node:path';
import { UserError } from './errors';

/** The processes of mesh, as the configuration table names them. */
export type MeshProcess = 'slack' | 'worker' | 'console' | 'cli';

export interface Variable {
  name: string;
  processes: readonly MeshProcess[];
  meaning: string;
  /** What holds when the variable is unset (or empty). */
  unset: string;
}

const LAMBDAS: readonly MeshProcess[] = ['slack', 'worker'];
const LOCAL: readonly MeshProcess[] = ['console', 'cli'];
const ALL: readonly MeshProcess[] = ['slack', 'worker', 'console', 'cli'];

/** The catalog: one row per variable, in the order of the doc's table. */
export const VARIABLES: readonly Variable[] = [
  { name: 'SLACK_SIGNING_SECRET', processes: LAMBDAS, meaning: "the Slack app's signing secret itself (tests); `_PARAM` names an SSM SecureString, `_SECRET_ARN` a Secrets Manager secret holding it", unset: 'SLACK_SIGNING_SECRET_PARAM, then SLACK_SIGNING_SECRET_SECRET_ARN; none set is an error' },
  { name: 'SLACK_BOT_TOKEN', processes: LAMBDAS, meaning: 'the bot token itself; `_PARAM` / `_SECRET_ARN` as for the signing secret', unset: 'SLACK_BOT_TOKEN_PARAM, then SLACK_BOT_TOKEN_SECRET_ARN; none set is an error' },
  { name: 'SLACK_BOT_ID', processes: ['slack'], meaning: "the bot's id (spares Bolt an auth.test call per cold start)", unset: '`B0MESH`' },
  { name: 'SLACK_BOT_USER_ID', processes: ['slack'], meaning: "the bot's user id", unset: '`U0MESH`' },
  { name: 'SLACK_API_URL', processes: LAMBDAS, meaning: 'the Slack Web API base URL (a stand-in in tests)', unset: "slack.com's" },
  { name: 'MESH_POLICY', processes: ['slack', 'cli'], meaning: 'the policy YAML itself (`mesh policy check` reads it too)', unset: 'MESH_POLICY_FILE' },
  { name: 'MESH_POLICY_FILE', processes: ['slack', 'cli'], meaning: 'the policy file', unset: 'the default policy (everyone may read, nobody may change)' },
  { name: 'MESH_STATE_MACHINE_ARN', processes: ['slack'], meaning: 'the Step Functions state machine that runs jobs', unset: 'commands that start a job answer that no job runner is configured' },
  { name: 'MESH_APPS', processes: ['worker', 'console', 'cli'], meaning: 'the app registry YAML itself', unset: 'MESH_APPS_FILE' },
  { name: 'MESH_APPS_FILE', processes: ['worker', 'console', 'cli'], meaning: 'the app registry file', unset: 'the built-in catalog only' },
  { name: 'MESH_STEP_BUDGET_MS', processes: ['worker'], meaning: 'how long one worker step may apply and wait before handing over to the next step (milliseconds)', unset: '20000 (serverless.yml sets 60000)' },
  { name: 'MESH_STAGE_TIMEOUT_MS', processes: ['worker', 'console'], meaning: "a rollout stage's deadline (milliseconds)", unset: '5 minutes' },
  { name: 'MESH_HISTORY_LIMIT', processes: ['worker', 'console'], meaning: 'revisions kept per app in its history', unset: '10' },
  { name: 'MESH_EKS_CLUSTER_NAME', processes: ['worker'], meaning: "the worker's own EKS cluster (when the registry names none); needs MESH_EKS_ENDPOINT and MESH_EKS_CA_DATA", unset: 'the kubeconfig lookup order (below)' },
  { name: 'MESH_EKS_ENDPOINT', processes: ['worker'], meaning: "that cluster's API server URL", unset: 'required with MESH_EKS_CLUSTER_NAME' },
  { name: 'MESH_EKS_CA_DATA', processes: ['worker'], meaning: "that cluster's CA, base64 PEM", unset: 'required with MESH_EKS_CLUSTER_NAME' },
  { name: 'AWS_REGION', processes: ALL, meaning: "the AWS region (Lambda sets it); AWS_DEFAULT_REGION is read when it is unset", unset: 'AWS_DEFAULT_REGION; none is an error where AWS is called' },
  { name: 'AWS_DEFAULT_REGION', processes: ALL, meaning: 'the AWS region when AWS_REGION is unset', unset: 'AWS calls fail, naming AWS_REGION' },
  { name: 'AWS_ACCESS_KEY_ID', processes: ALL, meaning: "the AWS credentials (Lambda sets them from the function's role), with AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN", unset: 'AWS calls fail, naming them' },
  { name: 'AWS_SECRET_ACCESS_KEY', processes: ALL, meaning: 'see AWS_ACCESS_KEY_ID', unset: 'AWS calls fail' },
  { name: 'AWS_SESSION_TOKEN', processes: ALL, meaning: 'see AWS_ACCESS_KEY_ID', unset: 'long-lived keys' },
  { name: 'MESH_AWS_ENDPOINT_URL', processes: ALL, meaning: 'every AWS call goes to this URL (tests)', unset: "each service's regional endpoint" },
  { name: 'AWS_LAMBDA_FUNCTION_NAME', processes: LAMBDAS, meaning: 'set by Lambda: Git checkouts go to /tmp', unset: 'not in Lambda' },
  { name: 'MESH_GIT_CACHE_DIR', processes: ['worker', 'console', 'cli'], meaning: 'where Git checkouts of registered apps are kept', unset: "Lambda's /tmp, else `<cache>/git`" },
  { name: 'MESH_CACHE_DIR', processes: LOCAL, meaning: "mesh's cache (binaries of the local cluster, Git checkouts)", unset: '`$XDG_CACHE_HOME/mesh`, else `~/.cache/mesh`' },
  { name: 'XDG_CACHE_HOME', processes: LOCAL, meaning: 'the user cache directory', unset: '`~/.cache`' },
  { name: 'HOME', processes: ALL, meaning: 'where `~/.kube/config` and `~/.cache` are', unset: "the OS's home directory" },
  { name: 'KUBECONFIG', processes: ALL, meaning: 'kubeconfig files, separated by `:` (`;` on Windows), merged as kubectl merges them; `--kubeconfig` wins over it', unset: '`~/.kube/config`, then (CLI and console) the running local cluster' },
  { name: 'MESH_CLUSTER_NAME', processes: LOCAL, meaning: 'which local cluster `mesh cluster` and the console use', unset: '`default`' },
  { name: 'MESH_KWOK_READY_DELAY_MS', processes: LOCAL, meaning: "the local cluster's simulated pod start delay (milliseconds; tests)", unset: "kwok's default" },
  { name: 'COMPLIANCE_POLICY', processes: ['worker', 'console', 'cli'], meaning: "Istio's FIPS compliance policy for rendered sidecars (istioctl and istiod read it the same way)", unset: 'none' },
  { name: 'ENABLE_NATIVE_SIDECARS', processes: ['cli'], meaning: "`mesh kube-inject` with explicit config files and `--native-sidecars auto`: native sidecars only for `true`, as istioctl's local render reads it", unset: 'classic sidecars' },
];

/** A Markdown table of the catalog: the one in docs/operator-guide/configuration.md. */
export function variablesTable(): string {
  return [
    '| Variable | Read by | What it sets | Unset |',
    '|---|---|---|---|',
    ...VARIABLES.map((v) => `| \`${v.name}\` | ${v.processes.join(', ')} | ${v.meaning} | ${v.unset} |`),
  ].join('\n');
}

type Env = NodeJS.ProcessEnv;

/** The variable's value, undefined when unset or empty (an empty value is never a setting of its own). */
function text(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A duration in milliseconds: a whole number ≥ 1, else a one-line error naming the variable. */
export function millisecondsOf(env: Env, name: string): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const ms = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(ms) || ms < 1) throw new UserError(`${name} ${JSON.stringify(value)} is not a number of milliseconds`);
  return ms;
}

/** A count: a whole number ≥ 1, else a one-line error naming the variable. */
export function countOf(env: Env, name: string): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const count = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count) || count < 1) throw new UserError(`${name} ${JSON.stringify(value)} is not a whole number of at least 1`);
  return count;
}

/** A URL, else a one-line error naming the variable. */
function urlOf(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) throw new UserError(`${name} ${JSON.stringify(value)} is not a URL`);
  return value;
}

/** The user's home directory: HOME, else the OS's (where ~/.kube/config and ~/.cache are). */
export function homeDir(env: Env): string {
  return text(env, 'HOME') ?? os.homedir();
}

/** mesh's cache: MESH_CACHE_DIR, else $XDG_CACHE_HOME/mesh, else ~/.cache/mesh. */
export function meshCacheDir(env: Env): string {
  return text(env, 'MESH_CACHE_DIR') ?? path.join(text(env, 'XDG_CACHE_HOME') ?? path.join(homeDir(env), '.cache'), 'mesh');
}

/** The AWS region: AWS_REGION (Lambda sets it), else AWS_DEFAULT_REGION; undefined when neither is set. */
export function awsRegion(env: Env): string | undefined {
  return text(env, 'AWS_REGION') ?? text(env, 'AWS_DEFAULT_REGION');
}

/**
 * Istio's own switches that change what an injection renders, read as istioctl and istiod read them (at start,
 * from their environment): every door that injects with mesh's engine passes them in its injection settings.
 */
export interface IstioSwitches {
  /** COMPLIANCE_POLICY: Istio's `CompliancePolicy` template field ("" = none). */
  compliancePolicy: string;
}

export function istioSwitches(env: Env): IstioSwitches {
  return { compliancePolicy: env.COMPLIANCE_POLICY ?? '' };
}

/** ENABLE_NATIVE_SIDECARS as istioctl's local render reads it (`mesh kube-inject` with config files): only "true". */
export function localRenderNativeSidecars(env: Env): boolean {
  return env.ENABLE_NATIVE_SIDECARS === 'true';
}

/** The job runner's settings every door that runs jobs shares (the worker, the console). */
export interface JobRunnerSettings {
  /** MESH_STAGE_TIMEOUT_MS: a stage's deadline instead of the plan's own. */
  stageTimeoutMs?: number;
  /** MESH_HISTORY_LIMIT: revisions kept per app. */
  historyLimit?: number;
  istio: IstioSwitches;
}

function jobRunnerSettings(env: Env): JobRunnerSettings {
  const stageTimeoutMs = millisecondsOf(env, 'MESH_STAGE_TIMEOUT_MS');
  const historyLimit = countOf(env, 'MESH_HISTORY_LIMIT');
  return { ...(stageTimeoutMs ? { stageTimeoutMs } : {}), ...(historyLimit ? { historyLimit } : {}), istio: istioSwitches(env) };
}

/** An EKS cluster reached with the function's IAM role (src/aws/eks.ts). */
export interface EksClusterSettings {
  clusterName: string;
  endpoint: string;
  /** Base64 PEM, as `aws eks describe-cluster --query cluster.certificateAuthority.data` prints it. */
  caData: string;
  region: string;
}

/** The worker's own EKS cluster (MESH_EKS_*), undefined without MESH_EKS_CLUSTER_NAME; incomplete settings are refused. */
export function eksClusterOf(env: Env): EksClusterSettings | undefined {
  const clusterName = text(env, 'MESH_EKS_CLUSTER_NAME');
  if (!clusterName) return undefined;
  const endpoint = text(env, 'MESH_EKS_ENDPOINT');
  const caData = text(env, 'MESH_EKS_CA_DATA');
  const missing = [...(endpoint ? [] : ['MESH_EKS_ENDPOINT']), ...(caData ? [] : ['MESH_EKS_CA_DATA'])];
  if (missing.length > 0) throw new UserError(`MESH_EKS_CLUSTER_NAME is set but ${missing.join(' and ')} missing`);
  const region = awsRegion(env);
  if (!region) throw new UserError('AWS region is not configured: set AWS_REGION');
  return { clusterName, endpoint: endpoint!, caData: caData!, region };
}

/** The worker Lambda's configuration (handlers/worker.ts). */
export interface WorkerConfig extends JobRunnerSettings {
  /** MESH_STEP_BUDGET_MS: how long one step may work before the state machine steps again. */
  stepBudgetMs: number;
  /** SLACK_API_URL */
  slackApiUrl?: string;
  /** MESH_EKS_*: the worker's own cluster when the registry names none. */
  eks?: EksClusterSettings;
}

export const DEFAULT_STEP_BUDGET_MS = 20_000;

export function workerConfig(env: Env): WorkerConfig {
  const slackApiUrl = urlOf(env, 'SLACK_API_URL');
  const eks = eksClusterOf(env);
  return {
    ...jobRunnerSettings(env), stepBudgetMs: millisecondsOf(env, 'MESH_STEP_BUDGET_MS') ?? DEFAULT_STEP_BUDGET_MS,
    ...(slackApiUrl ? { slackApiUrl } : {}), ...(eks ? { eks } : {}),
  };
}

/** The console's configuration (`mesh console`): the job runner's settings; Slack is its own stand-in. */
export type ConsoleConfig = JobRunnerSettings;

export function consoleConfig(env: Env): ConsoleConfig {
  return jobRunnerSettings(env);
}

/** Where a policy comes from: the YAML itself (MESH_POLICY), a file (MESH_POLICY_FILE), or the default. */
export type PolicySource = { yaml: string; origin: 'MESH_POLICY' } | { file: string } | undefined;

export function policySource(env: Env): PolicySource {
  const yaml = text(env, 'MESH_POLICY');
  if (yaml !== undefined) return { yaml, origin: 'MESH_POLICY' };
  const file = text(env, 'MESH_POLICY_FILE');
  return file === undefined ? undefined : { file };
}

/** The Slack door Lambda's configuration (handlers/slack.ts); its secrets are resolved by src/aws/secrets.ts. */
export interface SlackDoorEnv {
  botId: string;
  botUserId: string;
  slackApiUrl?: string;
  policy: PolicySource;
  /** MESH_STATE_MACHINE_ARN: unset, commands that start a job say so (the door still answers the others). */
  stateMachineArn?: string;
}

export function slackDoorEnv(env: Env): SlackDoorEnv {
  const slackApiUrl = urlOf(env, 'SLACK_API_URL');
  const stateMachineArn = text(env, 'MESH_STATE_MACHINE_ARN');
  return {
    botId: text(env, 'SLACK_BOT_ID') ?? 'B0MESH',
    botUserId: text(env, 'SLACK_BOT_USER_ID') ?? 'U0MESH',
    ...(slackApiUrl ? { slackApiUrl } : {}),
    policy: policySource(env),
    ...(stateMachineArn ? { stateMachineArn } : {}),
  };
}
