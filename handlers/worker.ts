// handlers/ — the Lambda entry points, thin: configuration from the environment wired into src/ (the worker:
// jobs with the Slack reporter; slack.ts: the Slack door). Each is bundled on its own (dist/handlers/).
//
// Lambda entry point of the job worker: one bounded step of a job per invocation (a Step Functions Task).
// Input: `{ job }` (from the Slack door) or the previous step's state; output: the new state. The state
// machine loops while `done` is false, waiting `waitSeconds` first (Slack delivery retries).
import { workerConfig } from '../src/config';
import { appsFromEnv, type Apps } from '../src/apps';
import { clusterResolver } from '../src/apps/clusters';
import { secretsResolver } from '../src/aws/secrets';
import { workerKubeConfig } from '../src/aws/eks';
import type { Job } from '../src/jobs/job';
import type { JobState } from '../src/jobs/state';
import { stepJob } from '../src/jobs/step';
import { slackReporter } from '../src/slack/reporter';
import { slackApi } from '../src/slack/webapi';

// Read once at cold start: a malformed setting fails the init with one line naming the variable.
const config = workerConfig(process.env);
const secrets = secretsResolver(process.env);
let apps: Apps | undefined;
const registry = () => (apps ??= appsFromEnv(process.env)).registry;
// A named cluster from the registry, else the one of MESH_EKS_* (or KUBECONFIG).
const kube = clusterResolver(registry, process.env, () => workerKubeConfig(process.env, config.eks));

export async function handler(event: JobState | { job: Job }): Promise<JobState> {
  const { botToken } = await secrets();
  const slack = slackApi({ token: botToken, ...(config.slackApiUrl ? { baseUrl: config.slackApiUrl } : {}), totalTimeoutMs: 10_000 });
  return stepJob(event, {
    reporter: slackReporter(slack),
    kube,
    peekKube: () => kube(),
    apps: () => (apps ??= appsFromEnv(process.env)),
    now: Date.now,
    stepBudgetMs: config.stepBudgetMs,
    ...(config.stageTimeoutMs ? { stageTimeoutMs: config.stageTimeoutMs } : {}),
    ...(config.historyLimit ? { historyLimit: config.historyLimit } : {}),
    istio: config.istio,
    log: (line) => void process.stdout.write(`${line}\n`),
  });
}
