/**
 * The cluster's own sidecar injector, called the way istioctl kube-inject calls it: an AdmissionReview with the
 * workload's pod to the webhook of the revision's MutatingWebhookConfiguration — straight to its `url`, verifying
 * TLS with the webhook's caBundle, or, for a `service`, through the API server's service proxy (which works from
 * Lambda too: no port-forward) — and the JSON patch it answers applied to that pod.
 */
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage, UserError } from '../errors';
import { kubeExchange, KubeApiError } from '../kube/request';
import { getObject } from '../kube/objects';
import { applyPatch, type JsonValue, type PatchOperation } from '../json-patch';
import { connectionErrorCode } from '../kube/unreachable';
import type { RemotePodInjector } from '../inject';
import { normalize } from '../inject/normalize';
import type { JsonObject } from '../json-object';

export interface InjectorWebhook {
  /** `<MutatingWebhookConfiguration>/<webhook name>`, for messages. */
  name: string;
  clientConfig: {
    url?: string;
    caBundle?: string;
    service?: { name: string; namespace: string; path?: string; port?: number };
  };
}

/** The webhook cannot be reached at all (nothing listens, no route): the caller may fall back to the ConfigMap. */
export class InjectorUnreachable extends Error {
  override name = 'InjectorUnreachable';
}

/** Where a webhook is, in words: its URL or its Service. */
export function webhookTarget(webhook: InjectorWebhook): string {
  const { url, service } = webhook.clientConfig;
  if (url) return url;
  if (service) return `service ${service.namespace}/${service.name}:${service.port ?? 443}${service.path ?? ''}`;
  return 'no url or service';
}

const TLS_MISMATCH = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED',
]);


/** The pod as istioctl marshals it (a Go corev1.Pod: no TypeMeta, a null creationTimestamp, an empty status). */
function podDocument(pod: { metadata: JsonObject; spec: JsonObject }): JsonObject {
  return { metadata: { ...pod.metadata, creationTimestamp: null }, spec: pod.spec, status: {} };
}

function admissionReview(pod: JsonObject, namespace: string): JsonObject {
  return {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid: '',
      kind: { group: 'admission.k8s.io', version: 'v1', kind: 'AdmissionRequest' },
      resource: { group: '', version: '', resource: '' },
      name: pod.metadata?.name ?? '',
      namespace,
      operation: '',
      userInfo: {},
      object: pod,
      oldObject: null,
    },
  };
}

/**
 * A RemotePodInjector sending each pod to `webhook` (all at once, `concurrency` in flight). A pod the injector
 * leaves alone (allowed, no patch) comes back undefined.
 */
export function webhookInjector(
  webhook: InjectorWebhook, kc: KubeConfig | undefined, options: { timeoutMs?: number; concurrency?: number } = {},
): RemotePodInjector {
  const timeoutMs = options.timeoutMs ?? 5000;
  const concurrency = options.concurrency ?? 8;
  return async (requests) => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
    try {
      const answers: (JsonObject | undefined)[] = new Array(requests.length);
      let next = 0;
      const worker = async () => {
        while (next < requests.length) {
          const i = next++;
          const sent = podDocument(requests[i]!.pod);
          const patch = await callWebhook(webhook, kc, admissionReview(sent, requests[i]!.namespace), timeoutMs, agent);
          if (!patch) continue;
          let patched: JsonValue;
          try {
            patched = applyPatch(sent as JsonValue, patch);
          } catch (error) {
            throw new UserError(`the injector ${webhook.name} (${webhookTarget(webhook)}) answered a patch that does not apply: ${errorMessage(error)}`);
          }
          // Typed as the engine types every pod, and without the null creationTimestamp that only the request had.
          const out = normalize({ metadata: (patched as JsonObject).metadata, spec: (patched as JsonObject).spec }, 'Pod') as JsonObject;
          if (out.metadata?.creationTimestamp === null) delete out.metadata.creationTimestamp;
          answers[i] = out;
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
      return answers;
    } finally {
      agent.destroy();
    }
  };
}

/** One AdmissionReview round trip; the JSON patch of an allowed answer, undefined when there is none. */
async function callWebhook(
  webhook: InjectorWebhook, kc: KubeConfig | undefined, review: JsonObject, timeoutMs: number, agent: https.Agent,
): Promise<PatchOperation[] | undefined> {
  const where = `the injector ${webhook.name} (${webhookTarget(webhook)})`;
  const { url, service } = webhook.clientConfig;
  let status: number;
  let body: unknown;
  if (url) {
    ({ status, body } = await postDirect(url, webhook.clientConfig.caBundle, review, timeoutMs, agent, where));
  } else if (service) {
    if (!kc) throw new UserError(`${where}: a Service webhook is reached through the API server, and there is no cluster`);
    ({ status, body } = await postThroughServiceProxy(kc, service, review, timeoutMs, where));
  } else {
    throw new UserError(`${where}: the webhook has neither a url nor a service`);
  }
  if (status < 200 || status >= 300) {
    const message = (body as { message?: string } | undefined)?.message ?? (typeof body === 'string' ? body : '');
    throw new UserError(`${where} answered HTTP ${status}${message ? `: ${oneLine(message)}` : ''}`);
  }
  const response = (body as { response?: JsonObject } | undefined)?.response;
  if (!response || typeof response !== 'object') throw new UserError(`${where} answered without an AdmissionReview response`);
  if (response.allowed !== true) {
    throw new UserError(`${where} refused the pod: ${oneLine(response.status?.message ?? 'no reason given')}`);
  }
  if (!response.patch) return undefined;
  try {
    const ops = JSON.parse(Buffer.from(String(response.patch), 'base64').toString('utf8'));
    if (!Array.isArray(ops)) throw new Error('not a list of operations');
    return ops as PatchOperation[];
  } catch (error) {
    throw new UserError(`${where} answered a patch that is not a JSON patch: ${errorMessage(error)}`);
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function postDirect(
  url: string, caBundle: string | undefined, review: JsonObject, timeoutMs: number, agent: https.Agent, where: string,
): Promise<{ status: number; body: unknown }> {
  const payload = Buffer.from(JSON.stringify(review));
  const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new UserError(`${where}: the webhook url is not a URL`));
      return;
    }
    if (target.protocol !== 'https:') {
      reject(new UserError(`${where}: the webhook url must be https`));
      return;
    }
    const request = https.request(target, {
      method: 'POST',
      agent,
      ...(ca ? { ca } : {}),
      headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length, Accept: 'application/json' },
      timeout: timeoutMs,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // A non-JSON error page: reported as text.
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'MESH_TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => reject(describeTransportError(error, where, timeoutMs)));
    request.end(payload);
  });
}

function describeTransportError(error: NodeJS.ErrnoException, where: string, timeoutMs: number): Error {
  const code = error.code ?? '';
  if (code === 'MESH_TIMEOUT') return new UserError(`${where} did not answer within ${timeoutMs / 1000} s`);
  if (TLS_MISMATCH.has(code)) {
    return new UserError(`${where}: its TLS certificate does not match the webhook's caBundle (${code})`);
  }
  const unreachable = connectionErrorCode(error);
  if (unreachable) return new InjectorUnreachable(`${where} cannot be reached (${unreachable})`);
  return new UserError(`${where}: ${oneLine(error.message)}`);
}

async function postThroughServiceProxy(
  kc: KubeConfig, service: NonNullable<InjectorWebhook['clientConfig']['service']>, review: JsonObject, timeoutMs: number, where: string,
): Promise<{ status: number; body: unknown }> {
  const path = `/api/v1/namespaces/${encodeURIComponent(service.namespace)}/services/https:${encodeURIComponent(service.name)}:${service.port ?? 443}/proxy${service.path ?? '/'}`;
  try {
    const { statusCode, body } = await kubeExchange(kc, { method: 'POST', path, body: review, signal: AbortSignal.timeout(timeoutMs) });
    return { status: statusCode, body };
  } catch (error) {
    if (error instanceof KubeApiError) {
      // The API server's own answers that there is no route to the injector; the caller may fall back to the
      // ConfigMap. 503: "no endpoints available", or the endpoint refused ("error trying to reach service").
      if (error.statusCode === 503) throw new InjectorUnreachable(`${where} cannot be reached through the API server (${oneLine(error.message)})`);
      // 404 `services "x" not found` also when the Service exists but has no Endpoints object (one without selector).
      if (error.statusCode === 404 && error.status?.kind === 'Status' && error.status.details?.kind === 'services') {
        throw new InjectorUnreachable(`${where} cannot be reached through the API server (${await whyNoService(kc, service)})`);
      }
      // Anything else is the injector's answer, passed on by the proxy (often plain text, e.g. Go's "404 page not found").
      return { status: error.statusCode, body: { message: error.message } };
    }
    const e = error as NodeJS.ErrnoException;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new UserError(`${where} did not answer within ${timeoutMs / 1000} s`);
    throw describeTransportError(e, where, timeoutMs);
  }
}

async function whyNoService(kc: KubeConfig, service: NonNullable<InjectorWebhook['clientConfig']['service']>): Promise<string> {
  const name = `${service.namespace}/${service.name}`;
  const found = await getObject(kc, { apiVersion: 'v1', kind: 'Service', metadata: { name: service.name, namespace: service.namespace } }).catch(() => undefined);
  return found ? `the Service ${name} has no Endpoints` : `there is no Service ${name}`;
}
