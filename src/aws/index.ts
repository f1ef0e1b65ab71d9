// Light AWS clients (SigV4 over node:http(s), no AWS SDK) for the Lambda handlers. EKS cluster access lives in
// ./eks, imported directly by the worker only, so the Slack handler never bundles @kubernetes/client-node.
export { startExecution, type StartExecutionInput, type StartedExecution } from './stepfunctions';
export { resolveSecrets, resolveSecret, secretsResolver, type SlackSecrets } from './secrets';
export { awsEnvironment, type AwsEnvironment } from './credentials';
export { AwsServiceError } from './json-protocol';
export { signRequest, presignUrl, type AwsCredentials } from './sigv4';
