import http from 'node:http';
import https from 'node:https';
import { AWS_RESPONSE_LIMIT_BYTES, readIncomingBounded, ResponseTooLargeError } from '../bounded-body';
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

interface HttpAnswer {
  status: number;
  errorType: string | undefined;
  text: string;
}

/** A network failure or timeout before an answer: worth a retry, unlike an error answer. */
class AwsTransportError extends Error {
  override name = 'AwsTransportError';
}

/**
 * One POST with node:http(s) rather than fetch: on a cold Lambda the first fetch() costs 60-120 ms of undici
 * loading before any byte is sent, and these calls sit on the Slack ack's path. The global agents keep
 * connections alive across warm invocations.
 */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpAnswer> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      readIncomingBounded(response, AWS_RESPONSE_LIMIT_BYTES, target.host).then(
        (raw) => {
          const errorType = response.headers['x-amzn-errortype'];
          resolve({ status: response.statusCode ?? 0, errorType: Array.isArray(errorType) ? errorType[0] : errorType, text: raw.toString('utf8') });
        },
        // Over the limit is an answer, not a transport failure: not retried.
        (error: Error) => reject(error instanceof ResponseTooLargeError ? error : new AwsTransportError(`${target.host}: ${error.message}`)),
      );
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => reject(new AwsTransportError(`${target.host}: ${error.message}`)));
    request.end(body);
  });
}

function errorCode(answer: HttpAnswer, parsed: Record<string, unknown> | undefined): string {
  // `__type` may be namespaced (`com.amazonaws...#Code`) and the header may carry a `:` suffix.
  const raw = String(parsed?.__type ?? answer.errorType ?? `HTTP${answer.status}`);
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
  const answer = await post(url, headers, body, call.timeoutMs ?? 5000);
  const text = answer.text;
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = undefined;
  }
  if (answer.status >= 200 && answer.status < 300 && parsed) return parsed as T;
  const message = String(parsed?.message ?? parsed?.Message ?? `HTTP ${answer.status}`);
  throw new AwsServiceError(errorCode(answer, parsed), answer.status, `${call.target}: ${message}`);
}

function isTransient(error: unknown): boolean {
  if (error instanceof AwsServiceError) return error.statusCode >= 500 || TRANSIENT_CODES.has(error.code);
  return error instanceof AwsTransportError;
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
