import path from 'node:path';
import { meshCacheDir } from '../config';

/** Pinned control-plane versions; scripts/cluster/build.sh carries the same three lines (a unit test checks). */
export const ETCD_VERSION = '3.6.16';
export const K8S_VERSION = '1.34.4';
export const KWOK_VERSION = '0.7.0';

/**
 * Real Istio, built from the Go module istio.io/istio by scripts/istio/build.sh (same two lines there, checked by
 * a unit test). The module proxy serves istio.io/istio only as pseudo-versions; this one's VERSION file says 1.31.
 */
export const ISTIO_MODULE_VERSION = 'v0.0.0-20260827124520-eed52ebb66ad';
export const ISTIO_RELEASE = '1.31';
/**
 * A second, older Istio that the tests run as the `canary` revision beside the default one, so that injection is
 * checked against two versions (`scripts/istio/build.sh 1.30`; the same two lines there).
 */
export const ISTIO_CANARY_MODULE_VERSION = 'v0.0.0-20260826214018-9739e10eb9d7';
export const ISTIO_CANARY_RELEASE = '1.30';

export type IstioRelease = typeof ISTIO_RELEASE | typeof ISTIO_CANARY_RELEASE;

function istioModuleVersion(release: IstioRelease): string {
  return release === ISTIO_CANARY_RELEASE ? ISTIO_CANARY_MODULE_VERSION : ISTIO_MODULE_VERSION;
}

export const BINARY_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok'] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

/** Root of everything mesh caches per user: Go caches, built binaries, local cluster data. */
export function meshCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return meshCacheDir(env);
}

export function binaryCacheKey(): string {
  return `k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}`;
}

export function binDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(meshCacheRoot(env), binaryCacheKey(), 'bin');
}

export function binaryPath(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(binDir(env), name);
}

export const ISTIO_BINARY_NAMES = ['istioctl', 'pilot-discovery'] as const;
export type IstioBinaryName = (typeof ISTIO_BINARY_NAMES)[number];

/** Where scripts/istio/build.sh puts istioctl, pilot-discovery and the rendered default profile (manifest.yaml). */
export function istioDir(env: NodeJS.ProcessEnv = process.env, release: IstioRelease = ISTIO_RELEASE): string {
  const moduleVersion = istioModuleVersion(release);
  const commit = moduleVersion.slice(moduleVersion.lastIndexOf('-') + 1);
  return path.join(meshCacheRoot(env), `istio-${release}-${commit}`);
}

export function istioBinaryPath(name: IstioBinaryName, env: NodeJS.ProcessEnv = process.env, release: IstioRelease = ISTIO_RELEASE): string {
  return path.join(istioDir(env, release), 'bin', name);
}

/** `istioctl manifest generate` of the default profile, rendered once at build time. */
export function istioManifestPath(env: NodeJS.ProcessEnv = process.env, release: IstioRelease = ISTIO_RELEASE): string {
  return path.join(istioDir(env, release), 'manifest.yaml');
}
