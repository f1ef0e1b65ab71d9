// The local control plane (`mesh cluster`): etcd, kube-apiserver, controllers, kwok and a real istiod run as
// processes from cached binaries. Only the doors that run a local cluster (the CLI, the console) and the
// integration tests import it; it runs no Kubernetes client of its own.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, UserError } from '../errors';
import { ensureBinaries, ensureIstio } from './binaries';
import { adminKubeconfigYaml, componentSpecs, type ClusterPorts, type ComponentSpec } from './components';
import { httpsRequest, type TlsIdentity } from './http';
import {
  applyObjects, injectorConfigName, istiodCommand, istiodDeploymentEnv, istiodReady, istiodWorkDir, localIstioObjects, validatorConfigName,
  type IstiodInstance, type IstiodPorts,
} from './istio';
import { withLock } from './lock';
import { ensurePki, pkiPaths } from './pki';
import { freePorts, logFile, probe, runsBinary, runToCompletion, startDetached, stopProcess, waitFor } from './process';
import { convergeNodes, LOCAL_NODES, nodesReady } from './nodes';
import { kwokStagesYaml } from './stages';
import {
  addHolder, clusterDir, clusterName, liveHolders, readState, removeHolder, removeState, writeState, type ClusterState,
} from './state';
import {
  binaryPath, ISTIO_CANARY_RELEASE, ISTIO_RELEASE, istioBinaryPath, istioManifestPath, K8S_VERSION, type IstioRelease,
} from './versions';

/** The local cluster's node names (six, across three zones: see nodes.ts). */
export const LOCAL_NODE_NAMES = LOCAL_NODES.map((n) => n.name);
const NODES_READY = `reporting its ${LOCAL_NODES.length} nodes Ready`;
export const DEFAULT_READY_DELAY_MS = 500;
const COMPONENT_TIMEOUT_MS = 90_000;

export interface UpOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines (build output, component starts). */
  progress?: (line: string) => void;
  /** Pid of a process using the cluster (a test run); a cluster started for holders stops with the last one. */
  holder?: number;
  /** Run real Istio (istiod as the sidecar injector) on the cluster; default true. */
  istio?: boolean;
  /**
   * Also run a second, older Istio (ISTIO_CANARY_RELEASE) as the revision `canary` beside the default one — two
   * live injectors of different versions, as a team has in the middle of a revision-based upgrade.
   */
  canary?: boolean;
}

export interface UpResult {
  state: ClusterState;
  /** False when an already running cluster was reused. */
  started: boolean;
  seconds: number;
}

function readyDelayMs(env: NodeJS.ProcessEnv): number {
  const raw = env.MESH_KWOK_READY_DELAY_MS;
  if (raw === undefined || raw === '') return DEFAULT_READY_DELAY_MS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UserError(`MESH_KWOK_READY_DELAY_MS must be a number of milliseconds, got "${raw}"`);
  return value;
}

function adminTls(dir: string): TlsIdentity {
  const pki = pkiPaths(path.join(dir, 'pki'));
  return { ca: readFileSync(pki.caCert, 'utf8'), cert: readFileSync(pki.adminCert, 'utf8'), key: readFileSync(pki.adminKey, 'utf8') };
}

/** Every component of a recorded cluster is alive and the apiserver answers /readyz. */
async function isHealthy(dir: string, state: ClusterState): Promise<boolean> {
  if (!state.components.every((c) => runsBinary(c.pid, c.binary))) return false;
  try {
    return await probe(`${state.server}/readyz`, adminTls(dir));
  } catch {
    return false;
  }
}

/** All at once: each takes about 2 s to shut down gracefully, and nothing needs to outlive the others. */
async function stopComponents(state: ClusterState): Promise<void> {
  await Promise.all(state.components.map((component) => stopProcess(component.pid, component.binary)));
}

/** Starts the local control plane (building binaries first if needed); a no-op when it already runs. */
export async function clusterUp(options: UpOptions = {}): Promise<UpResult> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => undefined);
  const begin = Date.now();
  const name = clusterName(env);
  const dir = clusterDir(name, env);
  const withIstio = options.istio ?? true;
  const withCanary = withIstio && options.canary === true;
  await ensureBinaries(progress, env);
  if (withIstio) await ensureIstio(progress, env);
  if (withCanary) await ensureIstio(progress, env, ISTIO_CANARY_RELEASE);
  return withLock(`${dir}.lock`, `cluster "${name}"`, async () => {
    const existing = readState(dir);
    let state: ClusterState;
    let started = true;
    if (existing && (await isHealthy(dir, existing))) {
      state = existing;
      started = false;
      await convergeShape(dir, state, env, progress);
    } else if (existing) {
      // Heal, do not reset: what was deployed lives in etcd's data, which a fresh start would throw away.
      state = await healCluster(dir, existing, env, progress);
      await convergeShape(dir, state, env, progress);
    } else {
      state = await startCluster(name, dir, env, progress, options.holder !== undefined, withIstio);
    }
    if (withCanary && !state.istio?.some((i) => i.revision === CANARY_REVISION)) {
      await startIstiod(dir, state, env, progress, CANARY_REVISION, await renderCanaryManifest(env), undefined, ISTIO_CANARY_RELEASE);
      started = true;
    }
    if (options.holder !== undefined) addHolder(dir, options.holder);
    return { state, started, seconds: (Date.now() - begin) / 1000 };
  }, progress);
}

export const CANARY_REVISION = 'canary';

/** The canary release's profile rendered for revision `canary` by its own istioctl (offline, about a second). */
async function renderCanaryManifest(env: NodeJS.ProcessEnv): Promise<string> {
  const args = [
    'manifest', 'generate', '--set', `revision=${CANARY_REVISION}`,
    '--set', 'values.global.hub=docker.io/istio', '--set', `values.global.tag=${ISTIO_CANARY_RELEASE}.0`,
  ];
  const { stdout, code, stderr } = await runToCompletion(istioBinaryPath('istioctl', env, ISTIO_CANARY_RELEASE), args, { ...env, KUBECONFIG: '/dev/null' }, 300_000);
  if (code !== 0) throw new Error(`istioctl ${ISTIO_CANARY_RELEASE} manifest generate failed (exit ${code}): ${stderr.slice(-500)}`);
  return stdout;
}

async function startCluster(
  name: string, dir: string, env: NodeJS.ProcessEnv, progress: (line: string) => void, autoStop: boolean, withIstio: boolean,
): Promise<ClusterState> {
  // A fresh etcd each start: tests expect an empty cluster, and stale objects would outlive their PKI.
  for (const sub of ['etcd', 'logs', 'kcm-certs', 'scheduler-certs', 'apiserver-certs']) rmSync(path.join(dir, sub), { recursive: true, force: true });
  const logDir = path.join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const pki = ensurePki(path.join(dir, 'pki'));
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = await freePorts(5);
  const ports: ClusterPorts = { etcdClient, etcdPeer, apiserver, controllerManager, scheduler };
  const server = `https://127.0.0.1:${apiserver}`;
  const kubeconfig = path.join(dir, 'kubeconfig');
  const tls = adminTls(dir);
  writeFileSync(kubeconfig, adminKubeconfigYaml(server, tls.ca!, tls.cert!, tls.key!), { mode: 0o600 });
  const delay = readyDelayMs(env);
  const stagesFile = path.join(dir, 'kwok-stages.yaml');
  writeFileSync(stagesFile, stagesYaml(delay));

  const state: ClusterState = {
    name, server, kubeconfig, ports, components: [], startedAt: new Date().toISOString(), readyDelayMs: delay, autoStop, istio: [],
  };
  const specs = componentSpecs({ dataDir: dir, pki, kubeconfig, stagesFile, ports });
  const start = (specName: string) => {
    const spec = specs.find((s) => s.name === specName)!;
    progress(`starting ${spec.name}`);
    return launch(dir, state, env, spec, false);
  };
  try {
    const etcd = start('etcd');
    await waitFor(etcd.component, 'healthy', () => probe(`http://127.0.0.1:${etcdClient}/health`, {}), COMPONENT_TIMEOUT_MS);
    const api = start('kube-apiserver');
    await waitFor(api.component, 'ready (/readyz)', () => probe(api.healthUrl!, tls), COMPONENT_TIMEOUT_MS);
    const rest = ['kube-controller-manager', 'kube-scheduler', 'kwok'].map(start);
    await convergeNodes(server, tls, `v${K8S_VERSION}`);
    await Promise.all(
      rest.filter((r) => r.healthUrl).map((r) => waitFor(r.component, 'healthy', () => probe(r.healthUrl!, {}), COMPONENT_TIMEOUT_MS)),
    );
    const kwok = rest.find((r) => r.component.name === 'kwok')!.component;
    await waitFor(kwok, NODES_READY, () => nodesReady(server, tls), COMPONENT_TIMEOUT_MS);
    const kcm = rest.find((r) => r.component.name === 'kube-controller-manager')!.component;
    await waitFor(kcm, 'creating the default ServiceAccount', async () => {
      return (await httpsRequest(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)).status === 200;
    }, COMPONENT_TIMEOUT_MS);
    if (withIstio) await startIstiod(dir, state, env, progress, 'default', readFileSync(istioManifestPath(env), 'utf8'));
  } catch (error) {
    await stopComponents(state);
    removeState(dir);
    throw error;
  }
  writeState(dir, state);
  return state;
}

/** Starts one control-plane component and records it in the state (replacing a dead one of the same name). */
function launch(dir: string, state: ClusterState, env: NodeJS.ProcessEnv, spec: ComponentSpec, appendLog: boolean) {
  const binary = binaryPath(spec.binary, env);
  const log = logFile(path.join(dir, 'logs'), spec.name);
  const pid = startDetached(binary, spec.args, log, { ...env, KUBECONFIG: state.kubeconfig }, undefined, appendLog);
  const component = { name: spec.name, pid, binary, log };
  state.components = [...state.components.filter((c) => c.name !== spec.name), component];
  writeState(dir, state);
  return { component, healthUrl: spec.healthUrl };
}

const istiodComponentName = (revision: string) => (revision === 'default' ? 'istiod' : `istiod-${revision}`);

/**
 * Installs a rendered Istio manifest and starts its istiod (`pilot-discovery discovery`) as a component of the
 * cluster; resolves once istiod is ready and has patched its CA into the injector webhook configuration.
 */
async function startIstiod(
  dir: string, state: ClusterState, env: NodeJS.ProcessEnv, progress: (line: string) => void, revision: string, manifestYaml: string,
  previous?: IstiodPorts, release: IstioRelease = ISTIO_RELEASE,
): Promise<IstiodInstance> {
  const tls = adminTls(dir);
  const ports = previous ?? await (async () => {
    const [webhook, http, grpc, secureGrpc, monitoring, ctrlz] = await freePorts(6);
    return { webhook, http, grpc, secureGrpc, monitoring, ctrlz };
  })();
  // Kept so that healing restarts this revision from the same manifest.
  writeFileSync(istioManifestCopy(dir, revision), manifestYaml);
  const objects = localIstioObjects(manifestYaml, `https://127.0.0.1:${ports.webhook}`);
  const injectorConfig = injectorConfigName(objects);
  progress(`installing Istio (revision ${revision}): ${objects.length} objects`);
  await applyObjects(state.server, tls, objects);
  const injectPath = objects.find((o) => o.kind === 'MutatingWebhookConfiguration' && o.metadata.name === injectorConfig)!.webhooks[0].clientConfig.url as string;
  const instance: IstiodInstance = { revision, release, ports, injectUrl: injectPath, injectorConfig };
  const command = istiodCommand({
    kubeconfig: state.kubeconfig, revision, ports, injectorConfig, validatorConfig: validatorConfigName(objects), deploymentEnv: istiodDeploymentEnv(manifestYaml),
  });
  const componentName = istiodComponentName(revision);
  const binary = istioBinaryPath('pilot-discovery', env, release);
  const log = logFile(path.join(dir, 'logs'), componentName);
  progress(`starting ${componentName} (Istio ${release})`);
  const pid = startDetached(binary, command.args, log, { ...env, ...command.env }, istiodWorkDir(dir, revision), previous !== undefined);
  const component = { name: componentName, pid, binary, log };
  // A restarted istiod replaces its dead predecessor (which would otherwise make the cluster look unhealthy).
  state.components = [...state.components.filter((c) => c.name !== componentName), component];
  state.istio = [...(state.istio ?? []).filter((i) => i.revision !== revision), instance];
  writeState(dir, state);
  await waitFor(component, 'ready and injecting (CA in its webhook configuration, a dry-run pod injected)', () =>
    istiodReady(state.server, tls, instance, () => probe(`http://127.0.0.1:${ports.http}/ready`, {})), COMPONENT_TIMEOUT_MS);
  return instance;
}

/** Runs an idempotent step until it succeeds, again every second; after `timeoutMs` its last error stands. */
async function untilSucceeds<T>(step: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

const istioManifestCopy = (dir: string, revision: string) => path.join(dir, `istio-${revision}.yaml`);

/**
 * Restarts the components of a recorded cluster that are no longer running, with their recorded ports, data
 * and certificates, in dependency order; what runs is left alone. A component that cannot come back is named
 * with its log, and nothing is reset: a fresh, empty cluster only comes from `down` then `up`.
 */
async function healCluster(dir: string, state: ClusterState, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<ClusterState> {
  const tls = adminTls(dir);
  const specs = componentSpecs({
    dataDir: dir, pki: pkiPaths(path.join(dir, 'pki')), kubeconfig: state.kubeconfig, stagesFile: path.join(dir, 'kwok-stages.yaml'), ports: state.ports,
  });
  const dead = (name: string) => {
    const c = state.components.find((x) => x.name === name);
    return !c || !runsBinary(c.pid, c.binary);
  };
  const restart = (name: string) => {
    progress(`restarting ${name} (it was not running), with its data and port`);
    return launch(dir, state, env, specs.find((s) => s.name === name)!, true);
  };
  const fresh = 'run `mesh cluster down` then `mesh cluster up` for a fresh, empty cluster';
  try {
    const etcdRestarted = dead('etcd');
    if (etcdRestarted) {
      const etcd = restart('etcd');
      await waitFor(etcd.component, 'healthy', () => probe(`http://127.0.0.1:${state.ports.etcdClient}/health`, {}), COMPONENT_TIMEOUT_MS);
    }
    if (dead('kube-apiserver')) {
      const api = restart('kube-apiserver');
      await waitFor(api.component, 'ready (/readyz)', () => probe(api.healthUrl!, tls), COMPONENT_TIMEOUT_MS);
    } else if (etcdRestarted) {
      // A running API server reconnects to the new etcd in its own time, holding requests meanwhile: the nodes are
      // converged below only once its /readyz (which checks etcd) passes, not on a request that times out.
      const api = state.components.find((c) => c.name === 'kube-apiserver')!;
      const readyz = specs.find((s) => s.name === 'kube-apiserver')!.healthUrl!;
      await waitFor(api, 'ready (/readyz) with the restarted etcd', () => probe(readyz, tls), COMPONENT_TIMEOUT_MS);
    }
    // A kwok restarted here runs today's stages, for today's nodes (a cluster of an earlier shape converges).
    if (dead('kwok')) writeFileSync(path.join(dir, 'kwok-stages.yaml'), stagesYaml(state.readyDelayMs));
    // Retried: after etcd came back, /readyz passes before the API server's watch cache has caught up, and a list
    // of nodes waits for it (a consistent read from the cache) past one request's 5 s.
    await untilSucceeds(() => convergeNodes(state.server, tls, `v${K8S_VERSION}`), COMPONENT_TIMEOUT_MS);
    const rest = ['kube-controller-manager', 'kube-scheduler', 'kwok'].filter(dead).map(restart);
    await Promise.all(rest.filter((r) => r.healthUrl).map((r) => waitFor(r.component, 'healthy', () => probe(r.healthUrl!, {}), COMPONENT_TIMEOUT_MS)));
    const kwok = rest.find((r) => r.component.name === 'kwok');
    if (kwok) await waitFor(kwok.component, NODES_READY, () => nodesReady(state.server, tls), COMPONENT_TIMEOUT_MS);
    for (const instance of state.istio ?? []) {
      if (!dead(istiodComponentName(instance.revision))) continue;
      const manifest = existsSync(istioManifestCopy(dir, instance.revision)) ? readFileSync(istioManifestCopy(dir, instance.revision), 'utf8') : readFileSync(istioManifestPath(env), 'utf8');
      progress(`restarting istiod (revision ${instance.revision}), with its ports`);
      await startIstiod(dir, state, env, progress, instance.revision, manifest, instance.ports, instance.release ?? ISTIO_RELEASE);
    }
  } catch (error) {
    throw new UserError(`the local cluster "${state.name}" could not be healed: ${errorMessage(error)}\n(${fresh})`);
  }
  writeState(dir, state);
  return state;
}

/**
 * Adds an istiod of another revision (from a manifest rendered with `--set revision=<rev>`) to the running
 * cluster, e.g. a canary beside the default one. `down` stops it with the rest.
 */
export async function addIstioRevision(
  revision: string, manifestYaml: string, env: NodeJS.ProcessEnv = process.env, release: IstioRelease = ISTIO_RELEASE,
): Promise<IstiodInstance> {
  const name = clusterName(env);
  const dir = clusterDir(name, env);
  return withLock(`${dir}.lock`, `cluster "${name}"`, async () => {
    const state = readState(dir);
    if (!state) throw new UserError('the local cluster is not running; start it with `mesh cluster up`');
    const running = state.istio?.find((i) => i.revision === revision);
    const component = state.components.find((c) => c.name === istiodComponentName(revision));
    if (running && component && runsBinary(component.pid, component.binary)) return running;
    return startIstiod(dir, state, env, () => undefined, revision, manifestYaml, undefined, release);
  });
}

const stagesYaml = (readyDelayMs: number) => kwokStagesYaml({ readyDelayMs, kubeletVersion: `v${K8S_VERSION}` });

/**
 * Brings a running cluster started by an earlier mesh to today's shape, without a restart or losing what is
 * deployed: kwok's stages (restarting kwok when they changed) and the nodes (see convergeNodes). A no-op, one
 * list of nodes, when the cluster already has that shape.
 */
async function convergeShape(dir: string, state: ClusterState, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<void> {
  const tls = adminTls(dir);
  const stagesFile = path.join(dir, 'kwok-stages.yaml');
  const stages = stagesYaml(state.readyDelayMs);
  const kwok = state.components.find((c) => c.name === 'kwok');
  if (kwok && (!existsSync(stagesFile) || readFileSync(stagesFile, 'utf8') !== stages)) {
    writeFileSync(stagesFile, stages);
    progress('restarting kwok with the current node and pod stages');
    await stopProcess(kwok.pid, kwok.binary);
    const specs = componentSpecs({ dataDir: dir, pki: pkiPaths(path.join(dir, 'pki')), kubeconfig: state.kubeconfig, stagesFile, ports: state.ports });
    launch(dir, state, env, specs.find((s) => s.name === 'kwok')!, true);
  }
  const changes = await convergeNodes(state.server, tls, `v${K8S_VERSION}`);
  for (const change of changes) progress(change);
  const current = state.components.find((c) => c.name === 'kwok');
  if (current && changes.length > 0) await waitFor(current, NODES_READY, () => nodesReady(state.server, tls), COMPONENT_TIMEOUT_MS);
}

async function stopRecordedCluster(dir: string): Promise<boolean> {
  const state = readState(dir);
  if (!state) return false;
  await stopComponents(state);
  removeState(dir);
  return true;
}

/** Stops every component of the cluster. Returns false when nothing was running. */
export async function clusterDown(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const name = clusterName(env);
  const dir = clusterDir(name, env);
  return withLock(`${dir}.lock`, `cluster "${name}"`, () => stopRecordedCluster(dir));
}

/**
 * A test run is done with the cluster: stop it if it was started for test runs and nobody else uses it.
 * Under the cluster lock, so a run that is just joining (clusterUp adds its holder under the lock) is seen.
 */
export async function releaseCluster(holder: number, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const name = clusterName(env);
  const dir = clusterDir(name, env);
  return withLock(`${dir}.lock`, `cluster "${name}"`, async () => {
    removeHolder(dir, holder);
    if (!readState(dir)?.autoStop || liveHolders(dir).length > 0) return false;
    return stopRecordedCluster(dir);
  });
}

export interface ClusterStatus {
  running: boolean;
  state?: ClusterState;
  components: { name: string; pid: number; alive: boolean; log: string }[];
  holders: number[];
}

export async function clusterStatus(env: NodeJS.ProcessEnv = process.env): Promise<ClusterStatus> {
  const dir = clusterDir(clusterName(env), env);
  const state = readState(dir);
  if (!state) return { running: false, components: [], holders: [] };
  return {
    running: await isHealthy(dir, state),
    state,
    components: state.components.map((c) => ({ name: c.name, pid: c.pid, alive: runsBinary(c.pid, c.binary), log: c.log })),
    holders: liveHolders(dir),
  };
}

/** Kubeconfig path of the running local cluster, if one is recorded with all components alive (no network). */
export function localClusterKubeconfig(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const state = readState(clusterDir(clusterName(env), env));
  if (!state || !state.components.every((c) => runsBinary(c.pid, c.binary))) return undefined;
  return state.kubeconfig;
}

/** For `npm start` and the CLI when no KUBECONFIG is set: the local cluster, started (and built) if needed. */
export async function ensureLocalCluster(options: UpOptions = {}): Promise<{ kubeconfigPath: string }> {
  const { state } = await clusterUp(options);
  return { kubeconfigPath: state.kubeconfig };
}
