import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KUBE_RESPONSE_LIMIT_BYTES, readIncomingBounded } from '../bounded-body';
import { UserError } from '../errors';

/** A non-2xx answer from the API server, with the Status object's reason and message when it sent one. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly status?: KubeStatus,
  ) {
    super(message);
  }
}

export interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; causes?: { field?: string; message?: string; reason?: string }[] };
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

// One keep-alive agent for every cluster: a rollout makes many small requests, and a fresh TLS handshake for
// each would dominate the rollout's overhead. The TLS material (CA, client certificate and key, pfx, server
// name) is passed per request, read from the kubeconfig each time (client-node re-reads the files and asks exec
// plugins again), and Node keys its socket pools by it: a rotated CA or a refreshed client certificate gets a
// new connection, while unchanged material keeps reusing the open one.
const agent = new https.Agent({ keepAlive: true });

async function requestOptions(kc: KubeConfig): Promise<https.RequestOptions> {
  const cluster = kc.getCurrentCluster();
  if (cluster?.proxyUrl) {
    throw new UserError(
      `cluster "${cluster.name}" in the kubeconfig sets proxy-url ${cluster.proxyUrl}; mesh connects to the API server directly and does not support proxies`,
    );
  }
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return {
    headers: opts.headers,
    auth: opts.auth,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    rejectUnauthorized: opts.rejectUnauthorized,
    servername: opts.servername,
    agent,
  };
}

/** Sends one request to the current cluster of `kc`; resolves with the parsed JSON body of a 2xx answer. */
export async function kubeRequest<T = unknown>(kc: KubeConfig, req: KubeRequest): Promise<T> {
  return (await kubeExchange<T>(kc, req)).body;
}

/** kubeRequest with the HTTP status too (server-side apply answers 201 when it created the object). */
export async function kubeExchange<T = unknown>(kc: KubeConfig, req: KubeRequest): Promise<{ statusCode: number; body: T }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + req.path);
  for (const [key, value] of Object.entries(req.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const base = await requestOptions(kc);
  const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
  const headers: Record<string, string | number> = {
    ...(base.headers as Record<string, string>),
    Accept: 'application/json',
  };
  if (body) {
    headers['Content-Type'] = req.contentType ?? 'application/json';
    headers['Content-Length'] = body.length;
  }
  const transport = url.protocol === 'http:' ? http : https;
  const options: https.RequestOptions = { ...base, method: req.method, headers, signal: req.signal };
  if (transport === http) delete options.agent;
  return new Promise<{ statusCode: number; body: T }>((resolve, reject) => {
    const request = transport.request(url, options, (response) => {
      readIncomingBounded(response, KUBE_RESPONSE_LIMIT_BYTES, `API server ${url.host} (${req.method} ${req.path})`).then((raw) => {
        const text = raw.toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        const code = response.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve({ statusCode: code, body: parsed as T });
        const status = (parsed ?? {}) as KubeStatus;
        const message = status.message ?? (text.trim() || `HTTP ${code}`);
        reject(new KubeApiError(code, status.reason ?? String(code), message, status));
      }, reject);
    });
    request.on('error', reject);
    if (body) request.write(body);
    request.end();
  });
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.statusCode === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.statusCode === 409;
}

export function isForbidden(error: unknown): boolean {
  return error instanceof KubeApiError && error.statusCode === 403;
}

/**
 * Runs one cluster call; a 403 becomes a UserError naming the permission that is missing, so "RBAC missing"
 * is reported as such rather than as a stack trace.
 */
export async function withPermission<T>(permission: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isForbidden(error)) {
      throw new UserError(`forbidden: needs RBAC permission ${permission} (API server said: ${(error as KubeApiError).message})`);
    }
    throw error;
  }
}
