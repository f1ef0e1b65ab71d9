import { UserError } from '../errors';
import type { CliIO } from './io';
import { ISTIO_RELEASE } from '../cluster/versions';
import { parseCommandArgs, refuseEmptyValues } from './args';

const USAGE = 'mesh cluster up [--no-istio|--canary]|down|status|kubeconfig';

/** `mesh cluster …`: the local control plane (etcd, kube-apiserver, kcm, scheduler, kwok) for tests and `npm start`. */
export async function run(args: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseCommandArgs('cluster', rest, { 'no-istio': { type: 'boolean', default: false }, canary: { type: 'boolean', default: false }, holder: { type: 'string' } });
  refuseEmptyValues('cluster', values);
  const holder = holderPid(values.holder);
  const cluster = await import('../cluster/cluster');
  switch (action) {
    case 'up': {
      const istio = !values['no-istio'];
      const canary = values.canary;
      if (canary && !istio) throw new UserError('--canary adds a second Istio revision; it cannot go with --no-istio');
      const result = await cluster.clusterUp({ env: io.env, holder, istio, canary, progress: (line) => io.stderr(`${line}\n`) });
      io.stderr(
        result.started
          ? `local cluster ready in ${result.seconds.toFixed(1)}s at ${result.state.server}\n`
          : `local cluster already running at ${result.state.server}\n`,
      );
      io.stdout(`${result.state.kubeconfig}\n`);
      return 0;
    }
    case 'down': {
      const stopped = await cluster.clusterDown(io.env);
      io.stderr(stopped ? 'local cluster stopped\n' : 'local cluster was not running\n');
      return 0;
    }
    case 'release': {
      if (holder === undefined) throw new UserError('mesh cluster release needs --holder <pid>');
      const stopped = await cluster.releaseCluster(holder, io.env);
      if (stopped) io.stderr('local cluster stopped (last test run released it)\n');
      return 0;
    }
    case 'status': {
      const status = await cluster.clusterStatus(io.env);
      if (!status.state) {
        io.stdout('local cluster: not running\n');
        return 1;
      }
      const lines = [
        `local cluster: ${status.running ? 'running' : 'NOT healthy'} at ${status.state.server} (since ${status.state.startedAt})`,
        `kubeconfig: ${status.state.kubeconfig}`,
        ...status.components.map((c) => `  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.alive ? 'running' : 'EXITED'}  ${c.log}`),
        ...(status.state.istio?.length
          ? status.state.istio.map((i) => `istio revision ${i.revision} (Istio ${i.release ?? ISTIO_RELEASE}): injector ${i.injectorConfig} → ${i.injectUrl}`)
          : ['istio: not installed (started with --no-istio)']),
        `test runs using it: ${status.holders.length ? status.holders.join(', ') : 'none'}${status.state.autoStop ? ' (stops when the last one ends)' : ''}`,
      ];
      io.stdout(`${lines.join('\n')}\n`);
      return status.running ? 0 : 1;
    }
    case 'kubeconfig': {
      const path = cluster.localClusterKubeconfig(io.env);
      if (!path) throw new UserError('the local cluster is not running; start it with `mesh cluster up`');
      io.stdout(`${path}\n`);
      return 0;
    }
    default:
      throw new UserError(`unknown action "${action ?? ''}"; usage: ${USAGE}`);
  }
}

/** `--holder <pid>`: the test run that uses the cluster (it stops when the last holder releases it). */
function holderPid(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const pid = Number(value);
  if (!Number.isInteger(pid) || pid <= 0) throw new UserError('--holder needs a process id');
  return pid;
}
