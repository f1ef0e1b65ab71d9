import os from 'node:os';
import path from 'node:path';

/** Pinned control-plane versions; scripts/cluster/build.sh carries the same three lines (a unit test checks). */
export const ETCD_VERSION = '3.6.16';
export const K8S_VERSION = '1.34.4';
export const KWOK_VERSION = '0.7.0';

export const BINARY_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok'] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

/** Root of everything mesh caches per user: Go caches, built binaries, local cluster data. */
export function meshCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESH_CACHE_DIR) return env.MESH_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(xdg, 'mesh');
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
