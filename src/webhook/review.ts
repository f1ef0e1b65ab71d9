/**
 * The webhook's door onto the injection engine: AdmissionReview JSON in, AdmissionReview JSON out (istiod's
 * `serveInject` + `Webhook.inject`). Pure apart from the injector it is given, so every rule is unit-tested.
 */
import { createPatch, type JsonValue, type PatchOperation } from '../json-patch';
import { deployMetaFromPod } from '../inject/workloads';
import { errorMessage } from '../errors';

export interface WorkloadOwner {
  kind: string;
  name: string;
  namespace: string;
  apiVersion: string;
}

interface PodMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind?: string; name?: string; controller?: boolean }[];
}

export interface PodJson {
  metadata?: PodMeta & { annotations?: Record<string, string>; managedFields?: unknown };
  spec?: { hostNetwork?: boolean; [field: string]: unknown };
  [field: string]: unknown;
}

/** The one function through which the webhook reaches the injection engine. */
export interface PodInjector {
  /** Istio's `injectRequired` (`decidePodInjection`): hostNetwork, ignored namespaces, inject label/annotation, selectors, policy. */
  decide(pod: PodJson, namespace: string): { inject: boolean; reason: string };
  /** Must leave `pod` as it is: the patch is computed against it (the engine works on its own typed copy). */
  inject(pod: PodJson, owner: WorkloadOwner): { pod: PodJson; warnings?: string[] };
}

export interface ReviewReply {
  status: number;
  body: unknown;
}

const ACCEPTED_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];

function badRequest(message: string): ReviewReply {
  return { status: 400, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function reviewAdmission(rawBody: string, contentType: string | undefined, injector: PodInjector): ReviewReply {
  if (!/^application\/json\b/i.test(contentType ?? '')) {
    return { status: 415, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 415, message: 'Content-Type must be application/json' } };
  }
  if (rawBody.trim() === '') return badRequest('empty body: expected an AdmissionReview');
  let review: unknown;
  try {
    review = JSON.parse(rawBody);
  } catch (error) {
    return badRequest(`body is not JSON: ${errorMessage(error)}`);
  }
  if (!isRecord(review) || review.kind !== 'AdmissionReview') return badRequest('body is not an AdmissionReview');
  const apiVersion = review.apiVersion;
  if (typeof apiVersion !== 'string' || !ACCEPTED_VERSIONS.includes(apiVersion)) {
    return badRequest(`unsupported AdmissionReview apiVersion ${JSON.stringify(apiVersion)}; expected admission.k8s.io/v1`);
  }
  const request = review.request;
  if (!isRecord(request) || typeof request.uid !== 'string' || request.uid === '') {
    return badRequest('AdmissionReview has no request.uid');
  }
  const respond = (response: Record<string, unknown>): ReviewReply => ({
    status: 200,
    body: { apiVersion, kind: 'AdmissionReview', response: { uid: request.uid, ...response } },
  });

  const kind = isRecord(request.kind) ? request.kind : {};
  const isPodCreate = (kind.group ?? '') === '' && kind.kind === 'Pod' && (request.operation ?? 'CREATE') === 'CREATE';
  if (!isPodCreate) return respond({ allowed: true });
  const object = request.object;
  if (!isRecord(object) || !isRecord(object.spec) || (object.metadata !== undefined && !isRecord(object.metadata))) {
    return badRequest('AdmissionReview request.object is not a Pod (needs object metadata and spec)');
  }
  const malformed = object.metadata === undefined ? undefined : malformedMetadata(object.metadata);
  if (malformed) return badRequest(`AdmissionReview request.object.metadata.${malformed}`);
  const hadMetadata = object.metadata !== undefined;

  // Freshly parsed from this request, so owned here. The engine works on its own typed copy and leaves this
  // one as it is, so no defensive deep copy (one per review was ~6% of the review's CPU).
  const pod = object as PodJson;
  pod.metadata = { ...(pod.metadata ?? {}) };
  // managedFields do not affect injection but can make the patch computation very slow (as in istiod).
  delete pod.metadata.managedFields;
  if (!pod.metadata.namespace && typeof request.namespace === 'string') pod.metadata.namespace = request.namespace;
  const namespace = pod.metadata.namespace ?? '';

  try {
    const decision = injector.decide(pod, namespace);
    if (!decision.inject) return respond({ allowed: true });
    // The patch is against the pod as the engine saw it (no managedFields, namespace filled), like istiod's.
    const { deployMeta, typeMeta } = deployMetaFromPod(pod);
    const injected = injector.inject(pod, { ...deployMeta, ...typeMeta });
    const patch = keepUnmanagedFields(createPatch(pod as JsonValue, injected.pod as JsonValue));
    // The diff ran against the metadata filled in above; a pod sent without any needs it created first.
    if (!hadMetadata) patch.unshift({ op: 'add', path: '/metadata', value: {} });
    return respond({
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
      ...(injected.warnings?.length ? { warnings: injected.warnings } : {}),
    });
  } catch (error) {
    // As istiod: the review is answered (not a 5xx) and the pod is refused with the engine's message.
    return respond({ allowed: false, status: { code: 500, message: `injection failed: ${errorMessage(error)}` } });
  }
}

/** What the door and the decision read from metadata, checked for type, so a wrong one is a 400 that names it. */
function malformedMetadata(metadata: Record<string, unknown>): string | undefined {
  for (const field of ['name', 'generateName', 'namespace']) {
    if (metadata[field] != null && typeof metadata[field] !== 'string') return `${field} is not a string`;
  }
  for (const field of ['labels', 'annotations']) if (metadata[field] != null && !isRecord(metadata[field])) return `${field} is not a map`;
  const owners = metadata.ownerReferences;
  const isOwner = (o: unknown) => isRecord(o) && ['apiVersion', 'kind', 'name'].every((k) => o[k] == null || typeof o[k] === 'string');
  if (owners != null && !(Array.isArray(owners) && owners.every(isOwner))) return 'ownerReferences is not a list of owner references';
  return undefined;
}

// Where the engine deliberately deletes object keys: labels and annotations (stripping a previous injection)
// and probe/lifecycle handlers (rewritten to the agent's endpoints). Everywhere else a vanished key is a field
// the engine's typed round-trip does not know (newer API fields, `creationTimestamp: null`); removing it would
// silently drop what the user asked for, so those removals are not sent.
const DELIBERATE_REMOVAL = /^\/metadata\/(labels|annotations)\/|\/(readinessProbe|livenessProbe|startupProbe|lifecycle)\//;

export function keepUnmanagedFields(patch: PatchOperation[]): PatchOperation[] {
  return patch.filter((op) => op.op !== 'remove' || /\/\d+$/.test(op.path) || DELIBERATE_REMOVAL.test(op.path));
}
