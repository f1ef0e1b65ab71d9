// The Slack door configured from the environment, as in Lambda: secrets from env or SSM/Secrets Manager
// (resolved at cold start, cached), the policy from MESH_POLICY / MESH_POLICY_FILE, jobs on Step Functions.
import { readFileSync } from 'node:fs';
import { errorMessage, UserError } from '../errors';
import { secretsResolver } from '../aws/secrets';
import { stdoutAuditSink } from './audit';
import type { SlackDoorConfig } from './handler';
import { DEFAULT_POLICY, type Policy } from './policy';

function readPolicyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`);
  }
}

function policyFromEnv(env: NodeJS.ProcessEnv): () => Policy {
  let cached: Policy | undefined;
  return () => {
    if (cached) return cached;
    // Loaded on first authorization only: the fast path never needs the YAML parser.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous and lazy, as said above
    const { parsePolicy } = require('./policy-file') as typeof import('./policy-file');
    if (env.MESH_POLICY) cached = parsePolicy(env.MESH_POLICY, 'MESH_POLICY');
    else if (env.MESH_POLICY_FILE) cached = parsePolicy(readPolicyFile(env.MESH_POLICY_FILE), env.MESH_POLICY_FILE);
    else cached = DEFAULT_POLICY;
    return cached;
  };
}

export function slackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<SlackDoorConfig, 'loadBolt'> {
  return {
    secrets: secretsResolver(env),
    botId: env.SLACK_BOT_ID ?? 'B0MESH',
    botUserId: env.SLACK_BOT_USER_ID ?? 'U0MESH',
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    policy: policyFromEnv(env),
    dispatcher: async () => {
      const arn = env.MESH_STATE_MACHINE_ARN;
      if (!arn) throw new UserError('no job runner is configured (set MESH_STATE_MACHINE_ARN)');
      const { awsDispatcher } = await import('../jobs/aws-dispatcher');
      return awsDispatcher(arn);
    },
    audit: stdoutAuditSink,
  };
}
