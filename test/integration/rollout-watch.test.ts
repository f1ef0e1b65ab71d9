import { createObject } from '../../src/kube/objects';
import { watchCollection } from '../../src/kube/watch';
import type { KubeObject } from '../../src/kube/types';
import { kubeConfig, waitUntil, withNamespace } from './setup/cluster';

const kc = kubeConfig();
const configMap = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: '1' } });

describe('watchCollection (the rollout engine waits with it)', () => {
  const ns = withNamespace('rollout-watch');

  it('relists after 410 Gone and keeps watching after the server ends the stream', async () => {
    await createObject(kc, configMap(ns.name, 'before'));
    let names: string[] = [];
    let calls = 0;
    // resourceVersion 1 is older than any watch cache: the server answers 410 Gone, and only a relist can
    // deliver "before"; timeoutSeconds 1 makes the server close every watch stream after a second.
    const watch = watchCollection(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name }, {
      resourceVersion: '1',
      timeoutSeconds: 1,
      onChange: (objects) => {
        calls += 1;
        names = objects.map((o) => o.metadata.name!).sort();
      },
    });
    try {
      await waitUntil('the relist to deliver "before"', async () => names.includes('before'), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await createObject(kc, configMap(ns.name, 'after'));
      await waitUntil('the resumed watch to deliver "after"', async () => names.includes('after'), 10_000);
      expect(names).toEqual(expect.arrayContaining(['after', 'before']));
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      watch.stop();
    }
  });
});
