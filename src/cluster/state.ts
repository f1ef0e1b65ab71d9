import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterPorts } from './components';
import type { IstiodInstance } from './istio';
import { UserError } from '../errors';
import { isAlive } from './lock';
import { meshCacheRoot } from './versions';

/** What `up` records about a running cluster, in <cluster dir>/state.json. */
export interface ClusterState {
  name: string;
  server: string;
  kubeconfig: string;
  ports: ClusterPorts;
  /** component name → pid and binary path, in start order. */
  components: { name: string; pid: number; binary: string; log: string }[];
  startedAt: string;
  readyDelayMs: number;
  /** Started on behalf of test runs (holders): the last holder to release it stops it. */
  autoStop: boolean;
  /** The istiods running on the cluster (none for `mesh cluster up --no-istio`). */
  istio?: IstiodInstance[];
}

export function clusterName(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.MESH_CLUSTER_NAME || 'default';
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) throw new UserError(`MESH_CLUSTER_NAME "${name}" must be lowercase letters, digits and dashes`);
  return name;
}

export function clusterDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(meshCacheRoot(env), 'cluster', name);
}

const stateFile = (dir: string) => path.join(dir, 'state.json');
const holdersDir = (dir: string) => path.join(dir, 'holders');

export function readState(dir: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function writeState(dir: string, state: ClusterState): void {
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2) + '\n');
}

export function removeState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

/** Processes (test runs) currently using the cluster; dead ones are pruned. */
export function liveHolders(dir: string): number[] {
  if (!existsSync(holdersDir(dir))) return [];
  const live: number[] = [];
  for (const entry of readdirSync(holdersDir(dir))) {
    const pid = Number(entry);
    if (isAlive(pid)) live.push(pid);
    else rmSync(path.join(holdersDir(dir), entry), { force: true });
  }
  return live;
}

export function addHolder(dir: string, pid: number): void {
  mkdirSync(holdersDir(dir), { recursive: true });
  writeFileSync(path.join(holdersDir(dir), String(pid)), '');
}

export function removeHolder(dir: string, pid: number): void {
  rmSync(path.join(holdersDir(dir), String(pid)), { force: true });
}
