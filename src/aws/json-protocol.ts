import { serviceEndpoint, type AwsEnvironment } from './credentials';
import { signRequest } from './sigv4';

/** An error answer of an AWS JSON-protocol service, e.g. `ExecutionAlreadyExists` or `ParameterNotFound`. */
export class AwsServiceError extends Error {
  override name = 'AwsServiceError';
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface JsonCall {
  /** Signing name and endpoint prefix: `states`, `ssm`, `secretsmanager`. */
  service: string;
  /** `AWSStepFunctions.StartExecution` */
  target: string;
  jsonVersion: '1.0' | '1.1';
  body: unknown;
  timeoutMs?: number;
}

// Throttling and 5xx answers are transient; two quick retries still fit inside Slack's 3 s ack budget.
const RETRY_DELAYS_MS = [100, 400];
const TRANSIENT_CODES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);

function errorCode(response: Response, parsed: Record<string, unknown> | undefined): string {
  // `__type` may be namespaced (`com.amazonaws...#Code`) and the header may carry a `:` suffix.
  const raw = String(parsed?.__type ?? response.headers.get('x-amzn-errortype') ?? `HTTP${response.status}`);
  return raw.split('#').pop()!.split(':')[0]!;
}

async function callOnce<T>(aws: AwsEnvironment, call: JsonCall): Promise<T> {
  const url = serviceEndpoint(aws, call.service);
  const body = JSON.stringify(call.body);
  const headers = signRequest(
    {
      method: 'POST',
      url,
      headers: { 'content-type': `application/x-amz-json-${call.jsonVersion}`, 'x-amz-target': call.target },
      body,
    },
    { service: call.service, region: aws.region, credentials: aws.credentials },
  );
  delete headers.host; // fetch sets it; undici refuses a caller-supplied Host
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(call.timeoutMs ?? 5000),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = undefined;
  }
  if (response.ok && parsed) return parsed as T;
  const message = String(parsed?.message ?? parsed?.Message ?? `HTTP ${response.status}`);
  throw new AwsServiceError(errorCode(response, parsed), response.status, `${call.target}: ${message}`);
}

function isTransient(error: unknown): boolean {
  if (error instanceof AwsServiceError) return error.statusCode >= 500 || TRANSIENT_CODES.has(error.code);
  return error instanceof TypeError; // fetch's network failure
}

/** One AWS JSON-protocol call (Step Functions, SSM, Secrets Manager), signed with SigV4. */
export async function awsJsonCall<T>(aws: AwsEnvironment, call: JsonCall): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await callOnce<T>(aws, call);
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
