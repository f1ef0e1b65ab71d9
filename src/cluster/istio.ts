/**
 * Real Istio on the local control plane: what `istioctl manifest generate` rendered (CRDs, RBAC, ConfigMaps,
 * webhook configurations, Services) applied to the cluster, and `pilot-discovery discovery` (istiod) run as a
 * local process on loopback ports — the mesh's control plane and sidecar injector.
 *
 * Two things differ from an in-cluster install, both because nothing here runs containers or kube-proxy:
 * istiod's Deployment/HPA/PDB are not applied (istiod is a process, not a pod, given its Deployment's literal env:
 * `istiodDeploymentEnv`), and the webhook configurations call istiod by `url` on loopback instead of through its
 * Service. istiod itself fills their caBundle, as it does in a real cluster.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { httpsRequest, type TlsIdentity } from './http';
import type { IstioRelease } from './versions';
import type { JsonObject } from '../json-object';
import { ISTIO_NAMESPACE, POD_INJECT_LABEL, PROXY_CONTAINER, REVISION_LABEL } from '../istio/vocabulary';

/** The field manager of everything `mesh cluster up` applies for Istio. */
const FIELD_MANAGER = 'mesh-cluster';

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & JsonObject;

/** Loopback ports of one istiod. */
export interface IstiodPorts {
  /** Injection and validation webhooks (HTTPS, istiod's own certificate). */
  webhook: number;
  /** Readiness (`/ready`) and debug endpoints. */
  http: number;
  grpc: number;
  secureGrpc: number;
  monitoring: number;
  ctrlz: number;
}

export interface IstiodInstance {
  revision: string;
  /** Which built Istio runs it (absent in states written before there were two). */
  release?: IstioRelease;
  ports: IstiodPorts;
  /** Where the API server sends AdmissionReviews: `https://127.0.0.1:<webhook>/inject…`. */
  injectUrl: string;
  /** The injector MutatingWebhookConfiguration this istiod serves and patches. */
  injectorConfig: string;
}

/** Workloads of istiod itself: it runs as a local process instead. */
const NOT_APPLIED = new Set(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']);

/** REST collection of each kind the default profile renders (no discovery needed for a fixed set). */
const COLLECTIONS: Record<string, { plural: string; namespaced: boolean }> = {
  Namespace: { plural: 'namespaces', namespaced: false },
  CustomResourceDefinition: { plural: 'customresourcedefinitions', namespaced: false },
  ClusterRole: { plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { plural: 'clusterrolebindings', namespaced: false },
  Role: { plural: 'roles', namespaced: true },
  RoleBinding: { plural: 'rolebindings', namespaced: true },
  ServiceAccount: { plural: 'serviceaccounts', namespaced: true },
  ConfigMap: { plural: 'configmaps', namespaced: true },
  Service: { plural: 'services', namespaced: true },
  EndpointSlice: { plural: 'endpointslices', namespaced: true },
  NetworkPolicy: { plural: 'networkpolicies', namespaced: true },
  MutatingWebhookConfiguration: { plural: 'mutatingwebhookconfigurations', namespaced: false },
  ValidatingWebhookConfiguration: { plural: 'validatingwebhookconfigurations', namespaced: false },
  ValidatingAdmissionPolicy: { plural: 'validatingadmissionpolicies', namespaced: false },
  ValidatingAdmissionPolicyBinding: { plural: 'validatingadmissionpolicybindings', namespaced: false },
};

export function objectPath(object: Manifest): string {
  const collection = COLLECTIONS[object.kind];
  if (!collection) throw new Error(`the Istio manifest has a ${object.kind} (${object.metadata.name}), which mesh cluster up does not know how to apply`);
  const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const namespace = collection.namespaced ? `/namespaces/${object.metadata.namespace ?? ISTIO_NAMESPACE}` : '';
  return `${base}${namespace}/${collection.plural}/${object.metadata.name}`;
}

/**
 * The objects of a rendered Istio manifest as the local cluster installs them: istiod's own workloads left
 * out, and every webhook that points at istiod's Service pointed at `webhookBase` (istiod on loopback) instead,
 * keeping the Service's path. The caBundle is left to istiod, which patches it in.
 */
export function localIstioObjects(manifestYaml: string, webhookBase: string): Manifest[] {
  const objects: Manifest[] = [];
  for (const doc of parseAllDocuments(manifestYaml)) {
    if (doc.errors.length > 0) throw new Error(`the Istio manifest does not parse: ${doc.errors[0].message}`);
    const object = doc.toJS() as Manifest | null;
    if (!object || typeof object !== 'object' || !object.kind || NOT_APPLIED.has(object.kind)) continue;
    if (object.kind === 'MutatingWebhookConfiguration' || object.kind === 'ValidatingWebhookConfiguration') {
      for (const webhook of object.webhooks ?? []) {
        const service = webhook.clientConfig?.service;
        if (!service) continue;
        webhook.clientConfig = { url: `${webhookBase}${service.path ?? '/'}` };
      }
    }
    objects.push(object);
  }
  const defaultValidator = defaultRevisionValidator(objects);
  if (defaultValidator) objects.push(defaultValidator);
  return objects;
}

/** The validator of the default revision's configuration, named as Istio's base chart names it. */
export const DEFAULT_VALIDATOR = 'istiod-default-validator';

/**
 * `istiod-default-validator`, as `istioctl install` and the base chart (`defaultRevision: default`) create it and
 * `istioctl manifest generate` leaves out: the revision's own validator only matches objects labelled
 * `istio.io/rev: default`, so without this one istiod validates no VirtualService or DestinationRule that carries
 * no revision label. It calls the same `/validate`; istiod patches its caBundle (it is labelled with the revision)
 * and turns its failurePolicy to Fail once the endpoint answers.
 */
export function defaultRevisionValidator(objects: Manifest[]): Manifest | undefined {
  if (objects.some((o) => o.kind === 'ValidatingWebhookConfiguration' && o.metadata.name === DEFAULT_VALIDATOR)) return undefined;
  const revisionValidator = objects.find((o) => o.kind === 'ValidatingWebhookConfiguration' && o.metadata.labels?.['istio.io/rev'] === 'default');
  const url = revisionValidator?.webhooks?.[0]?.clientConfig?.url;
  if (typeof url !== 'string') return undefined;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: DEFAULT_VALIDATOR, labels: { app: 'istiod', istio: 'istiod', 'istio.io/rev': 'default', 'app.kubernetes.io/name': 'istiod' } },
    webhooks: [{
      name: 'validation.istio.io',
      clientConfig: { url },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'], apiVersions: ['*'], resources: ['*'] }],
      // Open until istiod is ready: it patches in its CA and `Fail`, as in a cluster installed by istioctl.
      failurePolicy: 'Ignore',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    }],
  };
}

/** The injector MutatingWebhookConfiguration of a rendered manifest (the one whose webhooks call `/inject`). */
export function injectorConfigName(objects: Manifest[]): string {
  const config = objects.find(
    (o) => o.kind === 'MutatingWebhookConfiguration' && (o.webhooks ?? []).some((w: JsonObject) => String(w.clientConfig?.url ?? '').includes('/inject')),
  );
  if (!config) throw new Error('the Istio manifest has no sidecar-injector MutatingWebhookConfiguration');
  return config.metadata.name;
}

export function validatorConfigName(objects: Manifest[]): string | undefined {
  return objects.find((o) => o.kind === 'ValidatingWebhookConfiguration' && o.metadata.labels?.app === 'istiod')?.metadata.name
    ?? objects.find((o) => o.kind === 'ValidatingWebhookConfiguration')?.metadata.name;
}

/** Server-side apply of every object, the namespace first; idempotent (a second `up` or revision re-applies). */
export async function applyObjects(server: string, tls: TlsIdentity, objects: Manifest[]): Promise<void> {
  const apply = async (object: Manifest) => {
    const url = `${server}${objectPath(object)}?fieldManager=${FIELD_MANAGER}&force=true`;
    const res = await httpsRequest(url, tls, 'PATCH', object, 30_000, 'application/apply-patch+yaml');
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`applying ${object.kind} ${object.metadata.name} failed (HTTP ${res.status}: ${res.body.slice(0, 300)})`);
    }
  };
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } });
  // CRDs before anything that could refer to them; the rest has no order dependencies, so in parallel.
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  await Promise.all(crds.map(apply));
  await Promise.all(objects.filter((o) => o.kind !== 'CustomResourceDefinition').map(apply));
}

/** Command line and environment of one istiod (as the istio-discovery chart's Deployment sets them). */
export function istiodCommand(options: {
  kubeconfig: string;
  revision: string;
  ports: IstiodPorts;
  injectorConfig: string;
  validatorConfig?: string;
  /** The environment the manifest's istiod Deployment gives its container (`istiodDeploymentEnv`). */
  deploymentEnv?: Record<string, string>;
}): { args: string[]; env: Record<string, string> } {
  const { ports, revision } = options;
  const suffix = revision === 'default' ? '' : `-${revision}`;
  return {
    args: [
      'discovery',
      `--kubeconfig=${options.kubeconfig}`,
      `--httpsAddr=127.0.0.1:${ports.webhook}`,
      `--httpAddr=127.0.0.1:${ports.http}`,
      `--grpcAddr=127.0.0.1:${ports.grpc}`,
      `--secureGRPCAddr=127.0.0.1:${ports.secureGrpc}`,
      `--monitoringAddr=127.0.0.1:${ports.monitoring}`,
      `--ctrlz_port=${ports.ctrlz}`,
      '--ctrlz_address=127.0.0.1',
      '--domain=cluster.local',
      '--log_output_level=default:info',
    ],
    env: {
      ...options.deploymentEnv,
      POD_NAMESPACE: ISTIO_NAMESPACE,
      POD_NAME: `istiod${suffix}-local`,
      REVISION: revision,
      PILOT_CERT_PROVIDER: 'istiod',
      INJECTION_WEBHOOK_CONFIG_NAME: options.injectorConfig,
      VALIDATION_WEBHOOK_CONFIG_NAME: options.validatorConfig ?? '',
      // The webhook serving certificate gets an IP SAN for 127.0.0.1: the API server calls it by URL.
      ISTIOD_CUSTOM_HOST: 'localhost,127.0.0.1',
      CLUSTER_ID: 'Kubernetes',
      ISTIOD_ADDR: `istiod${suffix}.${ISTIO_NAMESPACE}.svc:${ports.secureGrpc}`,
      PILOT_ENABLE_ANALYSIS: 'false',
    },
  };
}

/**
 * The literal environment of a rendered manifest's istiod container (Deployment labelled app=istiod; the
 * Deployment itself is not applied, see NOT_APPLIED): what the chart's
 * `pilot.env` values (ENABLE_NATIVE_SIDECARS in the compatibility profiles, …) reach istiod through, so the local
 * process decides as the pod would. Not KUBECONFIG, the pod's remote-cluster secret path (the process gets
 * --kubeconfig), nor variables read from the pod's own fields (valueFrom), which the process is given directly.
 */
export function istiodDeploymentEnv(manifestYaml: string): Record<string, string> {
  const deployment = parseAllDocuments(manifestYaml)
    .map((doc) => doc.toJS() as Manifest | null)
    .find((o) => o?.kind === 'Deployment' && o.metadata?.labels?.app === 'istiod');
  const containers: JsonObject[] = deployment?.spec?.template?.spec?.containers ?? [];
  const container = containers.find((c) => c.name === 'discovery') ?? containers[0];
  const env: Record<string, string> = {};
  for (const e of (container?.env ?? []) as JsonObject[]) {
    if (typeof e.name !== 'string' || e.name === 'KUBECONFIG' || e.valueFrom !== undefined) continue;
    env[e.name] = e.value === undefined || e.value === null ? '' : String(e.value);
  }
  return env;
}

/**
 * istiod answers /ready, has put its CA into every webhook of its injector configuration, and the API server's
 * call to it really injects: a dry-run pod that its object-selector webhook matches comes back with
 * istio-proxy (right after start istiod may still be settling its certificate, which the first two do not show).
 */
export async function istiodReady(server: string, tls: TlsIdentity, instance: IstiodInstance, probeReady: () => Promise<boolean>): Promise<boolean> {
  if (!(await probeReady())) return false;
  const res = await httpsRequest(`${server}/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${instance.injectorConfig}`, tls);
  if (res.status !== 200) return false;
  const config = JSON.parse(res.body) as { webhooks?: { clientConfig?: { caBundle?: string } }[] };
  if (!((config.webhooks ?? []).length > 0 && (config.webhooks ?? []).every((w) => Boolean(w.clientConfig?.caBundle)))) return false;
  const labels = instance.revision === 'default' ? { [POD_INJECT_LABEL]: 'true' } : { [REVISION_LABEL]: instance.revision };
  const probe = await httpsRequest(`${server}/api/v1/namespaces/default/pods?dryRun=All`, tls, 'POST', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'mesh-istiod-probe-', labels },
    spec: { containers: [{ name: 'probe', image: 'probe' }] },
  }, 15_000).catch(() => undefined);
  if (probe?.status !== 201) return false;
  const pod = JSON.parse(probe.body) as { spec?: { initContainers?: { name: string }[]; containers?: { name: string }[] } };
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.name === PROXY_CONTAINER);
}

/** Working directory of one istiod (its relative default paths such as ./var/lib/istio/inject land there). */
export function istiodWorkDir(clusterDir: string, revision: string): string {
  const dir = path.join(clusterDir, `istiod-${revision}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
