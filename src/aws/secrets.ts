import { UserError } from '../errors';
import { memoiseUntilFailure } from '../memoise';
import { awsEnvironment } from './credentials';
import { awsJsonCall } from './json-protocol';

export interface SlackSecrets {
  signingSecret: string;
  botToken: string;
}

/**
 * Where one secret comes from, first match wins: `<NAME>` itself (tests, local console), `<NAME>_PARAM`
 * (an SSM SecureString parameter name) or `<NAME>_SECRET_ARN` (a Secrets Manager secret id).
 */
export async function resolveSecret(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const direct = env[name];
  if (direct) return direct;
  const param = env[`${name}_PARAM`];
  if (param) return readSsmParameter(param, name, env);
  const secretId = env[`${name}_SECRET_ARN`];
  if (secretId) return readSecretsManager(secretId, name, env);
  throw new UserError(`${name} is not configured: set ${name}, ${name}_PARAM (SSM) or ${name}_SECRET_ARN (Secrets Manager)`);
}

/** An SSM SecureString's value; `what` names it in errors (never the value). */
export async function readSsmParameter(param: string, what: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const result = await awsJsonCall<{ Parameter?: { Value?: string } }>(awsEnvironment(env), {
    service: 'ssm',
    target: 'AmazonSSM.GetParameter',
    jsonVersion: '1.1',
    body: { Name: param, WithDecryption: true },
  });
  const value = result.Parameter?.Value;
  if (!value) throw new UserError(`SSM parameter ${param} (${what}) is empty`);
  return value;
}

/** A Secrets Manager secret's SecretString; `what` names it in errors (never the value). */
export async function readSecretsManager(secretId: string, what: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const result = await awsJsonCall<{ SecretString?: string }>(awsEnvironment(env), {
    service: 'secretsmanager',
    target: 'secretsmanager.GetSecretValue',
    jsonVersion: '1.1',
    body: { SecretId: secretId },
  });
  if (!result.SecretString) throw new UserError(`Secrets Manager secret ${secretId} (${what}) has no SecretString`);
  return result.SecretString;
}

/** A resolver that fetches both Slack secrets once (in parallel) and then serves them from memory. */
export function secretsResolver(env: NodeJS.ProcessEnv = process.env): () => Promise<SlackSecrets> {
  // A failed lookup is not cached: the next invocation of a warm Lambda tries again.
  return memoiseUntilFailure(async () => {
    const [signingSecret, botToken] = await Promise.all([resolveSecret('SLACK_SIGNING_SECRET', env), resolveSecret('SLACK_BOT_TOKEN', env)]);
    return { signingSecret, botToken };
  });
}

/** The Slack secrets of this process, resolved on first use (the Lambda cold start) and cached. */
export const resolveSecrets: () => Promise<SlackSecrets> = secretsResolver();
