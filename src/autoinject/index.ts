/**
 * src/autoinject: namespace auto-injection — labels (labels.ts), the injectors a namespace would call
 * (injectors.ts), sidecar coverage and drift (coverage.ts, drift.ts, pure), the dry-run probe and the cluster
 * reads (probe.ts, cluster.ts), reports (render.ts). Of src/webhook it uses the selectors and certificate checks;
 * it never injects itself (the cluster's own injector answers the probe).
 *
 * Namespace auto-injection, the programmatic API behind `mesh autoinject` and `/mesh autoinject`: every
 * function returns a structured report that each door renders its own way (text, Slack blocks).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { NAMESPACE_INJECTION_LABEL, REVISION_LABEL } from '../istio/vocabulary';
import { hasSidecar, podsByWorkload, sidecarCoverage, type Coverage, type WorkloadRef } from './coverage';
import { workloadDrift, type WorkloadDrift } from './drift';
import { expectedCalls, injectorHealth, injectorsForRevision, type InjectorConfig, type InjectorHealth } from './injectors';
import { planEnable, selectedRevision } from './labels';
import { classifyProbeError, probePod, type ProbeFailure } from './probe';
import {
  dryRunProbe,
  dryRunWorkloadPod,
  listInjectorConfigs,
  listPodsAndReplicaSets,
  patchNamespaceLabels,
  readNamespace,
  readOrCreateNamespace,
  restartWorkload,
  serviceExists,
} from './cluster';
import { errorMessage } from '../errors';
import { kindSlashName } from '../object-name';

export type { WorkloadRef, WorkloadCoverage, Coverage } from './coverage';
export type { InjectorHealth } from './injectors';
export type { WorkloadDrift, SidecarIdentity } from './drift';

export interface ProbeResult {
  injected: boolean;
  failure?: ProbeFailure;
  explanation: string;
  /** `configuration/webhook` entries the API server should have called for the probe pod. */
  expectedWebhooks: string[];
}

export interface AutoinjectReport {
  action: 'enable' | 'disable' | 'status';
  namespace: string;
  outcome: 'enabled' | 'already-enabled' | 'conflict' | 'failed' | 'disabled' | 'already-disabled' | 'status';
  /** True when the command did what was asked (status: always true). */
  ok: boolean;
  /** Whether pods created now in the namespace get the sidecar (as far as labels and the probe show). */
  enabled: boolean;
  summary: string;
  details: string[];
  labels: { [NAMESPACE_INJECTION_LABEL]?: string; [REVISION_LABEL]?: string };
  revision?: string;
  injectors: InjectorHealth[];
  probe?: ProbeResult;
  coverage: Coverage;
  /** `Kind/name` of running workloads whose pods lack (enable/status) or still carry (disable) the sidecar. */
  missingSidecar: string[];
  /** Workloads a restart would fix (the Slack Restart button, `--restart`). */
  restartable: WorkloadRef[];
  /** status: per workload with sidecars, whether they match what the injector would inject now. */
  drift?: WorkloadDrift[];
}

export interface AutoinjectOptions {
  /** Istio revision; undefined = the default revision with the classic istio-injection=enabled label. */
  revision?: string;
  now?: Date;
}

function injectionLabels(labels: Record<string, string>): AutoinjectReport['labels'] {
  const picked: AutoinjectReport['labels'] = {};
  if (labels[NAMESPACE_INJECTION_LABEL] !== undefined) picked[NAMESPACE_INJECTION_LABEL] = labels[NAMESPACE_INJECTION_LABEL];
  if (labels[REVISION_LABEL] !== undefined) picked[REVISION_LABEL] = labels[REVISION_LABEL];
  return picked;
}

async function coverageOf(kc: KubeConfig, namespace: string): Promise<Coverage> {
  const { pods, replicaSets } = await listPodsAndReplicaSets(kc, namespace);
  return sidecarCoverage(pods, replicaSets);
}

function lacking(coverage: Coverage, wantSidecar: boolean): WorkloadRef[] {
  return coverage.workloads
    .filter((w) => (wantSidecar ? w.withSidecar < w.pods : w.withSidecar > 0))
    .map(({ kind, name }) => ({ kind, name }));
}

async function healthOf(kc: KubeConfig, configs: InjectorConfig[], now: Date): Promise<InjectorHealth[]> {
  return Promise.all(
    configs.map(async (config) => {
      const health = injectorHealth(config, now);
      const service = config.webhooks?.find((w) => w.clientConfig?.service)?.clientConfig?.service;
      if (service && !(await serviceExists(kc, service.namespace, service.name))) {
        health.problems.push(`service ${service.namespace}/${service.name} does not exist`);
        health.usable = false;
      }
      return health;
    }),
  );
}

/** Runs the dry-run probe and explains a pod that came back without istio-proxy. */
// The API server matches webhooks' namespaceSelector against its namespace informer, which can lag a label
// just written (seen on a busy machine: the first dry run after labelling is not sent to the webhook). So a
// probe right after labelling that merely came back uninjected is repeated for a few seconds.
const LABEL_PROPAGATION_MS = 5000;
const LABEL_PROPAGATION_POLL_MS = 250;

async function probeAfterLabelling(
  kc: KubeConfig, namespace: string, namespaceLabels: Record<string, string>, configs: InjectorConfig[], justLabelled: boolean,
): Promise<ProbeResult> {
  const deadline = Date.now() + (justLabelled ? LABEL_PROPAGATION_MS : 0);
  for (;;) {
    const result = await probe(kc, namespace, namespaceLabels, configs);
    if (result.injected || result.failure !== 'not-injected' || Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, LABEL_PROPAGATION_POLL_MS));
  }
}

async function probe(kc: KubeConfig, namespace: string, namespaceLabels: Record<string, string>, configs: InjectorConfig[]): Promise<ProbeResult> {
  const podLabels = (probePod().metadata as { labels: Record<string, string> }).labels;
  const expectedWebhooks = expectedCalls(configs, namespaceLabels, podLabels);
  const outcome = await dryRunProbe(kc, namespace);
  if (!outcome.created) {
    const { kind, explanation } = classifyProbeError(outcome.message);
    return { injected: false, failure: kind, explanation, expectedWebhooks };
  }
  if (outcome.injected) {
    return { injected: true, explanation: 'a dry-run probe pod came back with istio-proxy injected', expectedWebhooks };
  }
  if (expectedWebhooks.length === 0) {
    return {
      injected: false,
      failure: 'not-matched',
      explanation: 'no injector webhook matched the probe pod: no MutatingWebhookConfiguration selects this namespace with its labels',
      expectedWebhooks,
    };
  }
  return {
    injected: false,
    failure: 'not-injected',
    explanation:
      `the probe pod came back without istio-proxy although ${expectedWebhooks.join(', ')} should have been called: the webhook ` +
      `declined to inject, or it failed and its failurePolicy Ignore let the pod through`,
    expectedWebhooks,
  };
}

function report(base: Omit<AutoinjectReport, 'missingSidecar' | 'restartable'>, wantSidecar: boolean): AutoinjectReport {
  const restartable = restartTargets(base.coverage, wantSidecar, base.drift ?? []);
  return { ...base, missingSidecar: lacking(base.coverage, wantSidecar).map((w) => `${kindSlashName(w)}`), restartable };
}

/** What a restart would fix: restartable workloads whose pods lack (or still carry) the sidecar, or drifted. */
function restartTargets(coverage: Coverage, wantSidecar: boolean, drift: WorkloadDrift[]): WorkloadRef[] {
  const wanted = [...lacking(coverage, wantSidecar), ...drift.filter((d) => d.drifted > 0).map(({ kind, name }) => ({ kind, name }))];
  return [...new Map(wanted.map((w) => [`${kindSlashName(w)}`, w])).values()]
    .filter((w) => coverage.workloads.find((c) => c.kind === w.kind && c.name === w.name)?.restartable);
}

export async function enable(kc: KubeConfig, namespace: string, options: AutoinjectOptions = {}): Promise<AutoinjectReport> {
  const now = options.now ?? new Date();
  // The workshop's order is "enable injection, then deploy": a namespace that does not exist yet is created,
  // so that everything deployed into it later is injected from its first pod.
  const { namespace: ns, created } = await readOrCreateNamespace(kc, namespace);
  const labels = ns.metadata.labels ?? {};
  const plan = planEnable(namespace, labels, options.revision);
  const revision = options.revision ?? 'default';
  const allConfigs = await listInjectorConfigs(kc);
  const configs = injectorsForRevision(allConfigs, revision);
  const injectors = await healthOf(kc, configs, now);
  const base = { action: 'enable' as const, namespace, revision, injectors, labels: injectionLabels(labels) };

  if (plan.kind === 'conflict') {
    const coverage = await coverageOf(kc, namespace);
    return report({ ...base, outcome: 'conflict', ok: false, enabled: false, summary: plan.explanation, details: [], coverage }, true);
  }
  if (configs.length === 0) {
    const coverage = await coverageOf(kc, namespace);
    const summary =
      `no injector webhook for revision ${revision}: no MutatingWebhookConfiguration labelled ${REVISION_LABEL}=${revision} with ` +
      `*.sidecar-injector.istio.io webhooks. Install istiod, or mesh's own injector with \`mesh webhook install\``;
    return report({ ...base, outcome: 'failed', ok: false, enabled: false, summary, details: ['namespace labels left unchanged'], coverage }, true);
  }

  // Unusable-looking injectors are still probed: the dry run is the proof either way (their problems are in
  // `injectors` for the doors to show).
  const details: string[] = created ? [`created namespace ${namespace} (it did not exist)`] : [];

  const newLabels = { ...labels };
  if (plan.kind === 'set') {
    await patchNamespaceLabels(kc, namespace, { [plan.key]: plan.value });
    newLabels[plan.key] = plan.value;
  }
  const result = await probeAfterLabelling(kc, namespace, newLabels, configs, plan.kind === 'set');
  if (!result.injected) {
    if (plan.kind === 'set') {
      await patchNamespaceLabels(kc, namespace, { [plan.key]: null });
      details.push(`rolled back: removed label ${plan.key}=${plan.value} again${created ? ' (the new namespace is left empty and unlabelled)' : ''}`);
    } else {
      details.push('labels were already in place and are left unchanged');
    }
    const coverage = await coverageOf(kc, namespace);
    return report(
      {
        ...base,
        outcome: 'failed',
        ok: false,
        enabled: false,
        summary: `auto-injection for ${namespace} does not work: ${result.explanation}`,
        details,
        probe: result,
        coverage,
      },
      true,
    );
  }
  const coverage = await coverageOf(kc, namespace);
  details.unshift(plan.explanation, result.explanation);
  const missing = lacking(coverage, true);
  const summary =
    `auto-injection is on for ${namespace}` +
    (missing.length > 0 ? `; ${missing.length} running workload(s) lack the sidecar until restarted` : '');
  return report(
    {
      ...base,
      labels: injectionLabels(newLabels),
      outcome: plan.kind === 'set' ? 'enabled' : 'already-enabled',
      ok: true,
      enabled: true,
      summary,
      details,
      probe: result,
      coverage,
    },
    true,
  );
}

export async function disable(kc: KubeConfig, namespace: string, options: AutoinjectOptions = {}): Promise<AutoinjectReport> {
  const now = options.now ?? new Date();
  const ns = await readNamespace(kc, namespace);
  const labels = ns.metadata.labels ?? {};
  const toRemove = [NAMESPACE_INJECTION_LABEL, REVISION_LABEL].filter((key) => key in labels && !(key === NAMESPACE_INJECTION_LABEL && labels[key] === 'disabled'));
  if (toRemove.length > 0) await patchNamespaceLabels(kc, namespace, Object.fromEntries(toRemove.map((k) => [k, null])));
  const remaining = Object.fromEntries(Object.entries(labels).filter(([k]) => !toRemove.includes(k)));
  const injectors = await healthOf(kc, injectorsForRevision(await listInjectorConfigs(kc), options.revision ?? 'default'), now);
  const coverage = await coverageOf(kc, namespace);
  const still = lacking(coverage, false);
  const summary =
    (toRemove.length > 0 ? `auto-injection is off for ${namespace} (removed ${toRemove.join(', ')})` : `auto-injection was already off for ${namespace}`) +
    (still.length > 0 ? `; ${still.length} running workload(s) keep the sidecar until restarted` : '');
  return report(
    {
      action: 'disable',
      namespace,
      revision: options.revision,
      outcome: toRemove.length > 0 ? 'disabled' : 'already-disabled',
      ok: true,
      enabled: false,
      summary,
      details: [],
      labels: injectionLabels(remaining),
      injectors,
      coverage,
    },
    false,
  );
}

export async function status(kc: KubeConfig, namespace: string, options: AutoinjectOptions = {}): Promise<AutoinjectReport> {
  const now = options.now ?? new Date();
  const ns = await readNamespace(kc, namespace);
  const labels = ns.metadata.labels ?? {};
  const revision = options.revision ?? selectedRevision(labels) ?? 'default';
  const configs = injectorsForRevision(await listInjectorConfigs(kc), revision);
  const injectors = await healthOf(kc, configs, now);
  const labelled = selectedRevision(labels) !== undefined;
  // Only a labelled namespace is probed: the probe of an unlabelled one tells nothing new.
  const probed = labelled && configs.length > 0 ? await probe(kc, namespace, labels, configs) : undefined;
  const { pods, replicaSets } = await listPodsAndReplicaSets(kc, namespace);
  const coverage = sidecarCoverage(pods, replicaSets);
  const enabled = probed?.injected === true;
  // Drift only means something where the injector answers: against what it would inject now.
  const drift = enabled ? await driftOf(kc, namespace, podsByWorkload(pods, replicaSets)) : [];
  const drifted = drift.filter((d) => d.drifted > 0);
  const details = [
    labelled ? `labels: ${Object.entries(injectionLabels(labels)).map(([k, v]) => `${k}=${v}`).join(', ')}` : 'no injection label',
    ...injectors.map((i) => `injector ${i.name} (${i.managedBy}, ${i.target}): ${i.usable ? 'healthy' : i.problems.join('; ')}`),
    ...(probed ? [probed.explanation] : []),
    `sidecar coverage: ${coverage.withSidecar} of ${coverage.pods} running pods`,
    ...(enabled ? [`sidecar drift: ${drifted.length} of ${drift.length} injected workload(s) differ from what the injector gives now`] : []),
    ...drift.map((d) => `  ${kindSlashName(d)}: ${d.drifted > 0 ? `NEEDS RESTART, ${d.drifted} of ${d.pods} pod(s) ${d.reason}` : `current (${d.expected.image}, template ${d.expected.fingerprint})`}`),
  ];
  const state = enabled ? 'on' : labelled ? 'labelled but NOT working' : 'off';
  return report(
    {
      action: 'status',
      namespace,
      revision,
      outcome: 'status',
      ok: true,
      enabled,
      summary: `auto-injection for ${namespace} is ${state}; ${coverage.withSidecar} of ${coverage.pods} pods have the sidecar` +
        (drifted.length > 0 ? `; ${drifted.length} workload(s) run an outdated sidecar` : ''),
      details,
      labels: injectionLabels(labels),
      injectors,
      probe: probed,
      coverage,
      ...(enabled ? { drift } : {}),
    },
    labelled,
  );
}

/** Each restartable workload with sidecars, compared with a dry-run injection of its pod template. */
async function driftOf(
  kc: KubeConfig, namespace: string, groups: ReturnType<typeof podsByWorkload>,
): Promise<WorkloadDrift[]> {
  const results = await Promise.all([...groups.values()].map(async ({ workload, pods }) => {
    const sample = pods.find(hasSidecar);
    if (!sample) return undefined;
    const expected = await dryRunWorkloadPod(kc, namespace, workload.kind, workload.name, sample);
    return expected ? workloadDrift(workload, pods, expected) : undefined;
  }));
  return results.filter((d): d is WorkloadDrift => d !== undefined).sort((a, b) => `${kindSlashName(a)}`.localeCompare(`${kindSlashName(b)}`));
}

export interface RestartReport {
  namespace: string;
  restarted: WorkloadRef[];
  failed: { workload: WorkloadRef; error: string }[];
}

/**
 * `kubectl rollout restart` of the given workloads, or (none given) of every restartable workload whose
 * pods disagree with the namespace's injection state.
 */
export async function restart(kc: KubeConfig, namespace: string, workloads?: WorkloadRef[], options: { now?: Date } = {}): Promise<RestartReport> {
  let targets = workloads;
  if (!targets) {
    const ns = await readNamespace(kc, namespace);
    const wantSidecar = selectedRevision(ns.metadata.labels ?? {}) !== undefined;
    const { pods, replicaSets } = await listPodsAndReplicaSets(kc, namespace);
    const coverage = sidecarCoverage(pods, replicaSets);
    // Pods without the sidecar, and pods whose sidecar is not what the injector gives now (drift).
    const drift = wantSidecar ? await driftOf(kc, namespace, podsByWorkload(pods, replicaSets)) : [];
    targets = restartTargets(coverage, wantSidecar, drift);
  }
  const result: RestartReport = { namespace, restarted: [], failed: [] };
  for (const workload of targets) {
    try {
      await restartWorkload(kc, namespace, workload.kind, workload.name, options.now ?? new Date());
      result.restarted.push(workload);
    } catch (error) {
      result.failed.push({ workload, error: errorMessage(error) });
    }
  }
  return result;
}
