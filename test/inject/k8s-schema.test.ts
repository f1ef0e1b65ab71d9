// The typed schema of the engine (src/inject/k8s-schema.json) is generated from the Go types of k8s.io/api and
// openshift/api at the versions the pinned istio.io/istio requires (scripts/istio/gen-k8s-schema.sh); this checks
// that the committed file is what the generator gives. Needs Go and the modules (the module cache or the proxy).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import schema from '../../src/inject/k8s-schema.json';

const ROOT = path.resolve(__dirname, '../..');

describe('the generated Kubernetes schema', () => {
  it('covers every kind istioctl decodes', () => {
    expect(Object.keys(schema.kinds).sort()).toEqual(
      ['CronJob', 'DaemonSet', 'Deployment', 'DeploymentConfig', 'Job', 'List', 'Pod', 'ReplicaSet', 'ReplicationController', 'StatefulSet'],
    );
  });

  it('is what scripts/istio/gen-k8s-schema.sh gives from the pinned modules', () => {
    const check = spawnSync(path.join(ROOT, 'scripts/istio/gen-k8s-schema.sh'), ['--check'], { encoding: 'utf8' });
    expect(check.stderr.split('\n').filter((l) => !l.startsWith('go: downloading')).join('\n')).toBe('');
    expect(check.status).toBe(0);
  }, 300_000);
});
