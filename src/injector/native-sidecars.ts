/**
 * Native or classic sidecars, decided as the revision's istiod decides them, for the injections mesh renders itself
 * while a cluster is there (the revision's ConfigMaps, or the built-in templates when the cluster has no Istio for
 * it). Through the webhook istiod decides itself. Istio 1.30 and 1.31 read ENABLE_NATIVE_SIDECARS from istiod's
 * environment ("true", "false" or "auto", "auto" when unset, anything else "false": pilot/pkg/features/pilot.go),
 * and in auto mode DetectNativeSidecar (pkg/kube/inject/webhook.go) asks the nodes: the pod's own node when it is
 * bound to one that exists, else every node's kubelet must be 1.33 or newer.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { nativeSidecarsSupported } from '../inject';
import type { JsonObject } from '../json-object';
import { kubeletVersions } from '../kube/nodes';
import { listObjectsWithin } from '../kube/objects';
import type { KubeObject } from '../kube/types';
import { REVISION_LABEL } from '../istio/vocabulary';

export type NativeSidecarMode = 'enabled' | 'disabled' | 'auto';

/** What the engine needs: the cluster-wide choice, and in auto mode each node's kubelet for pods bound to one. */
export interface NativeSidecarChoice {
  nativeSidecars: boolean;
  nodeKubeletVersions?: Record<string, string>;
}

const ENV = 'ENABLE_NATIVE_SIDECARS';

/** major.minor of an Istio image tag or chart `global.tag` ("1.31.0", "1.30.2-distroless"); undefined for "latest" and the like. */
function releaseOf(tag: unknown): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(String(tag ?? ''));
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Before 1.27 native sidecars were a plain boolean, off by default (the 1.25/1.26 compatibility profiles set it "false" again). */
const beforeAuto = (release: [number, number] | undefined) => release !== undefined && release[0] === 1 && release[1] < 27;

/** How a release's istiod reads ENABLE_NATIVE_SIDECARS; `value` undefined: the variable is not set. An unknown release reads as the newest. */
export function nativeSidecarMode(value: string | undefined, tag?: unknown): NativeSidecarMode {
  const release = releaseOf(tag);
  if (beforeAuto(release)) {
    // Go's strconv.ParseBool; a value it cannot parse leaves the default, false.
    return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value) ? 'enabled' : 'disabled';
  }
  if (value === undefined || value === 'auto') return 'auto';
  return value === 'true' ? 'enabled' : 'disabled';
}

/** The mode decided: enabled or disabled as such; auto asks the nodes (none answering: classic, as istiod without a node client). */
export async function decideNativeSidecars(kc: KubeConfig, mode: NativeSidecarMode, timeoutMs?: number): Promise<NativeSidecarChoice> {
  if (mode !== 'auto') return { nativeSidecars: mode === 'enabled' };
  const versions = await kubeletVersions(kc, timeoutMs);
  if (versions === undefined) return { nativeSidecars: false };
  return { nativeSidecars: nativeSidecarsSupported(Object.values(versions)), nodeKubeletVersions: versions };
}

interface EnvVar {
  name?: string;
  value?: string;
  valueFrom?: JsonObject;
}
type Deployment = KubeObject & { spec?: { template?: { spec?: { containers?: { name?: string; image?: string; env?: EnvVar[] }[] } } } };

/**
 * The revision's istiod container (the chart's Deployment `istiod[-<rev>]`, labelled app=istiod and istio.io/rev), if
 * mesh may read it in time; otherwise the ConfigMap's values are the next best witness.
 */
async function istiodContainer(kc: KubeConfig, namespace: string, revision: string, timeoutMs = 3000) {
  const list = await listObjectsWithin<Deployment>(
    kc, { apiVersion: 'apps/v1', kind: 'Deployment', namespace, labelSelector: `app=istiod,${REVISION_LABEL}=${revision}` }, timeoutMs,
  );
  const containers = list?.items[0]?.spec?.template?.spec?.containers ?? [];
  return containers.find((c) => c.name === 'discovery') ?? containers[0];
}

/**
 * What the revision's istiod decides: ENABLE_NATIVE_SIDECARS from its Deployment's environment, else the chart values'
 * `pilot.env` (what the chart renders into that environment, as the compatibility profiles do), else the release's
 * default; the release from istiod's image, else the values' `global.tag`.
 */
export async function revisionNativeSidecars(
  kc: KubeConfig, where: { namespace: string; revision: string; values?: JsonObject; timeoutMs?: number },
): Promise<NativeSidecarChoice> {
  const container = await istiodContainer(kc, where.namespace, where.revision, where.timeoutMs);
  // The last entry of a name wins in a container's environment; one read from elsewhere (valueFrom) cannot be known here.
  const fromDeployment = (container?.env ?? []).filter((e) => e.name === ENV && e.valueFrom === undefined).at(-1);
  const fromValues = where.values?.pilot?.env?.[ENV];
  const value = fromDeployment ? (fromDeployment.value ?? '') : fromValues !== undefined && fromValues !== null ? String(fromValues) : undefined;
  const tag = container?.image?.split('@')[0]?.split('/').at(-1)?.split(':')[1] ?? where.values?.global?.tag;
  return decideNativeSidecars(kc, nativeSidecarMode(value, tag), where.timeoutMs);
}
