import { awsRegion } from '../config';
import { UserError } from '../errors';
import type { AwsCredentials } from './sigv4';

/** The AWS settings a Lambda function gets from its environment (the execution role's credentials). */
export interface AwsEnvironment {
  credentials: AwsCredentials;
  region: string;
  /** MESH_AWS_ENDPOINT_URL: every AWS call goes there instead of `<service>.<region>.amazonaws.com` (tests). */
  endpointOverride?: string;
}

/** The execution role's credentials, as Lambda puts them in the environment. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new UserError('AWS credentials are not configured: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set');
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

export function awsEnvironment(env: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  const credentials = credentialsFromEnv(env);
  const region = awsRegion(env);
  if (!region) throw new UserError('AWS region is not configured: set AWS_REGION');
  return { credentials, region, endpointOverride: env.MESH_AWS_ENDPOINT_URL || undefined };
}

export function serviceEndpoint(aws: AwsEnvironment, service: string): string {
  return aws.endpointOverride ?? `https://${service}.${aws.region}.amazonaws.com/`;
}
