// The Slack door configured from the environment, as in Lambda: secrets from env or SSM/Secrets Manager
// (resolved at cold start, cached), the policy from MESH_POLICY / MESH_POLICY_FILE, jobs on Step Functions.
import { readFileSync } from 'node:fs';
import { slackDoorEnv, type PolicySource } from '../config';
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

function lazyPolicy(source: PolicySource): () => Policy {
  let cached: Policy | undefined;
  return () => {
    if (cached) return cached;
    // Loaded on first authorization only: the fast path never needs the YAML parser.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous and lazy, as said above
    const { parsePolicy } = require('./policy-file') as typeof import('./policy-file');
    if (source === undefined) cached = DEFAULT_POLICY;
    else if ('yaml' in source) cached = parsePolicy(source.yaml, source.origin);
    else cached = parsePolicy(readPolicyFile(source.file), source.file);
    return cached;
  };
}

/** The door's configuration, read once from the environment (src/config.ts says which variable sets what). */
export function slackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<SlackDoorConfig, 'loadBolt'> {
  const config = slackDoorEnv(env);
  return {
    secrets: secretsResolver(env),
    botId: config.botId,
    botUserId: config.botUserId,
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    policy: lazyPolicy(config.policy),
    dispatcher: async () => {
      const arn = config.stateMachineArn;
      if (!arn) throw new UserError('no job runner is configured (set MESH_STATE_MACHINE_ARN)');
      const { awsDispatcher } = await import('../jobs/aws-dispatcher');
      return awsDispatcher(arn);
    },
    audit: stdoutAuditSink,
  };
}
