/**
 * Helpers for integration tests against the real local control plane (see docs/developer-guide/local-control-plane.md).
 *
 * The integration jest project's global setup starts the cluster once per run (or reuses a running one, or
 * MESH_TEST_KUBECONFIG); these helpers connect to it. API:
 *
 * Two clusters: kubeConfig() is the "mesh-free" one (no Istio: suites that install mesh's own injector webhook
 * run there), istioKubeConfig() the "default" one, where a real istiod (built from Go modules) is the sidecar
 * injector; istiodInstances() says on which loopback ports it serves.
 *
 *   kubeconfigPath(): string            path of the admin kubeconfig (O=system:masters client certificate)
 *   istioKubeconfigPath(), istioKubeConfig()   the same for the cluster with real Istio
 *   kubeConfig(): KubeConfig            @kubernetes/client-node 1.4.0 KubeConfig loaded from that file
 *   clusterCaPem(): string              the cluster CA (it also signs approved CSRs) as PEM
 *   withNamespace(prefix)               in a describe(): a fresh namespace per file, deleted afterwards;
 *                                       returns { name } (read `ns.name` inside tests/hooks)
 *   createTestNamespace(prefix)         creates a uniquely named namespace (label mesh.dev/test=true) and waits
 *                                       for its default ServiceAccount, so pods can be created at once
 *   deleteTestNamespace(name)           starts deleting it (does not wait)
 *   waitUntil(what, check, timeoutMs)   polls an async check every 200 ms; the error names `what` and
 *                                       the last value/error seen
 *
 * Fake pods (kwok): every pod scheduled to one of the six kwok nodes (LOCAL_NODE_NAMES) becomes Running+Ready after
 * MESH_KWOK_READY_DELAY_MS (default 500 ms; per pod: annotation mesh.dev/kwok-ready-delay: "2s").
 * Pods with restartPolicy Never/OnFailure then succeed (Jobs complete). Annotation
 * `mesh.dev/kwok-fail: CrashLoopBackOff | ImagePullBackOff | NeverReady | Failed` makes the pod fail the
 * way a kubelet would report it (optionally only container `mesh.dev/kwok-fail-container: <name>`).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { localClusterKubeconfig } from '../../../src/cluster/cluster';
import type { IstiodInstance } from '../../../src/cluster/istio';
import { readState } from '../../../src/cluster/state';
import { ISTIO_CLUSTER, MESH_FREE_CLUSTER } from './names';

export { FAIL_ANNOTATION, FAIL_CONTAINER_ANNOTATION, READY_DELAY_ANNOTATION } from '../../../src/cluster/stages';

export function kubeconfigPath(): string {
  const path =
    process.env.MESH_TEST_KUBECONFIG || process.env.MESH_TEST_KUBECONFIG_RESOLVED
    || localClusterKubeconfig({ ...process.env, MESH_CLUSTER_NAME: MESH_FREE_CLUSTER });
  if (!path) throw new Error('no cluster for integration tests: run them through jest (global setup) or `MESH_CLUSTER_NAME=mesh-free mesh cluster up --no-istio`');
  return path;
}

export function istioKubeconfigPath(): string {
  const path =
    process.env.MESH_TEST_ISTIO_KUBECONFIG || process.env.MESH_TEST_ISTIO_KUBECONFIG_RESOLVED
    || localClusterKubeconfig({ ...process.env, MESH_CLUSTER_NAME: ISTIO_CLUSTER });
  if (!path) throw new Error('no cluster with Istio for integration tests: run them through jest (global setup) or `mesh cluster up`');
  return path;
}

export function istioKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(istioKubeconfigPath());
  return kc;
}

/** The istiods of the local cluster with Istio (revision, loopback ports, injector configuration). */
export function istiodInstances(): IstiodInstance[] {
  // The state beside the kubeconfig in use (a local cluster keeps both in its directory), so that
  // MESH_TEST_ISTIO_KUBECONFIG may name any local cluster, not only "default".
  const dir = dirname(istioKubeconfigPath());
  const state = readState(dir);
  if (!state?.istio?.length) throw new Error(`the local cluster in ${dir} runs no istiod (start it with \`mesh cluster up\`)`);
  return state.istio;
}

/** The environment naming the local cluster with Istio to `mesh cluster` functions (addIstioRevision): its directory's name. */
export function istioClusterEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MESH_CLUSTER_NAME: basename(dirname(istioKubeconfigPath())) };
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

export function clusterCaPem(): string {
  const cluster = kubeConfig().getCurrentCluster();
  if (cluster?.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster?.caFile) return readFileSync(cluster.caFile, 'utf8');
  throw new Error('the test kubeconfig names no cluster CA');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(200);
  }
}

export async function createTestNamespace(prefix: string, kc: KubeConfig = kubeConfig()): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${suffix}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'mesh.dev/test': 'true' } } } });
  await waitUntil(`default ServiceAccount in ${name}`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true),
  );
  return name;
}

export async function deleteTestNamespace(name: string, kc: KubeConfig = kubeConfig()): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.deleteNamespace({ name }).catch(() => undefined);
}

/** Call inside describe(): a fresh namespace for the tests of that block. */
export function withNamespace(prefix: string, kc: () => KubeConfig = kubeConfig): { readonly name: string } {
  let current: string | undefined;
  beforeAll(async () => {
    current = await createTestNamespace(prefix, kc());
  });
  afterAll(async () => {
    if (current) await deleteTestNamespace(current, kc());
  });
  return {
    get name(): string {
      if (!current) throw new Error('withNamespace(): the namespace exists only inside tests and hooks');
      return current;
    },
  };
}
