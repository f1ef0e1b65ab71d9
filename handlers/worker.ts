// handlers/ — the Lambda entry points, thin: configuration from the environment wired into src/ (the worker:
// jobs with the Slack reporter; slack.ts: the Slack door). Each is bundled on its own (dist/handlers/).
//
// Lambda entry point of the job worker: one bounded step of a job per invocation (a Step Functions Task).
// Input: `{ job }` (from the Slack door) or the previous step's state; output: the new state. The state
// machine loops while `done` is false, waiting `waitSeconds` first (Slack delivery retries).
import { appsFromEnv, type Apps } from '../src/apps';
import { clusterResolver } from '../src/apps/clusters';
import { secretsResolver } from '../src/aws/secrets';
import { workerKubeConfig } from '../src/aws/eks';
import type { Job } from '../src/jobs/job';
import type { JobState } from '../src/jobs/state';
import { stepJob } from '../src/jobs/step';
import { slackReporter } from '../src/slack/reporter';
import { slackApi } from '../src/slack/webapi';

const secrets = secretsResolver(process.env);
let apps: Apps | undefined;
const registry = () => (apps ??= appsFromEnv(process.env)).registry;
// A named cluster from the registry, else the one of MESH_EKS_* (or KUBECONFIG).
const kube = clusterResolver(registry, process.env, () => workerKubeConfig(process.env));

export async function handler(event: JobState | { job: Job }): Promise<JobState> {
  const { botToken } = await secrets();
  const slack = slackApi({ token: botToken, ...(process.env.SLACK_API_URL ? { baseUrl: process.env.SLACK_API_URL } : {}), totalTimeoutMs: 10_000 });
  return stepJob(event, {
    reporter: slackReporter(slack),
    kube,
    peekKube: () => kube(),
    apps: () => (apps ??= appsFromEnv(process.env)),
    now: Date.now,
    stepBudgetMs: Number(process.env.MESH_STEP_BUDGET_MS ?? 20_000),
    ...(process.env.MESH_STAGE_TIMEOUT_MS ? { stageTimeoutMs: Number(process.env.MESH_STAGE_TIMEOUT_MS) } : {}),
    ...(Number(process.env.MESH_HISTORY_LIMIT) > 0 ? { historyLimit: Number(process.env.MESH_HISTORY_LIMIT) } : {}),
    log: (line) => void process.stdout.write(`${line}\n`),
  });
}
