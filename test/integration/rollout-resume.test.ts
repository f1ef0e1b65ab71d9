import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { listObjects } from '../../src/kube/objects';
import { kubeConfig, kubeconfigPath, withNamespace } from './setup/cluster';

const kc = kubeConfig();
const cli = path.join(__dirname, '../../bin/mesh.cjs');

function mesh(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exit };
}

describe('mesh deploy: killed mid-rollout, then run again', () => {
  const ns = withNamespace('rollout-resume');

  it('converges with no duplicate objects', async () => {
    const first = mesh(['deploy', 'guestbook', '-n', ns.name]);
    // Kill it once the first stage is done and the second is being applied.
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/stage 2\/3 guestbook-service/.test(first.output())) resolve();
      };
      first.child.stdout!.on('data', check);
      void first.exit.then(() => reject(new Error(`mesh deploy exited before stage 2:\n${first.output()}`)));
    });
    first.child.kill('SIGKILL');
    await first.exit;
    expect(first.output()).not.toMatch(/finished/);

    const second = mesh(['deploy', 'guestbook', '-n', ns.name]);
    const code = await second.exit;
    expect({ code, output: second.output() }).toMatchObject({ code: 0, output: expect.stringMatching(/finished in/) });

    const names = async (apiVersion: string, kind: string) =>
      (await listObjects(kc, { apiVersion, kind, namespace: ns.name })).items.map((o) => o.metadata.name).sort();
    expect(await names('apps/v1', 'Deployment')).toEqual([
      'guestbook-service',
      'guestbook-ui',
      'helloworld-service-v1',
      'helloworld-service-v2',
      'mysql',
      'redis',
    ]);
    expect(await names('v1', 'Service')).toEqual(['guestbook-service', 'guestbook-ui', 'helloworld-service', 'mysql', 'redis']);
    expect(await names('apps/v1', 'ReplicaSet')).toHaveLength(6);
    expect(await names('v1', 'Pod')).toHaveLength(6);
    // The lock is released; what remains is the record of what is deployed (src/rollout/record.ts).
    expect(await names('coordination.k8s.io/v1', 'Lease')).toEqual(['mesh-deployed-guestbook']);

    const status = mesh(['status', 'guestbook', '-n', ns.name]);
    expect(await status.exit).toBe(0);
    expect(status.output()).toMatch(/stage 3 guestbook-ui: ready/);
  });
});
