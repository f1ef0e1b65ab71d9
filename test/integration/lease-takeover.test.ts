// Scenario 7 of the fault suite: a rollout Lease held by a process that died on another host. Its pid cannot be
// checked from here, so only time frees it: it is taken over once stale (not renewed for its duration), never
// before; a live holder that keeps renewing keeps it, and the one refused is told who holds the rollout.
import { createObject, getObject } from '../../src/kube/objects';
import { acquireLock, checkLock, leaseName, microTime, readLock } from '../../src/rollout/lock';
import { kubeConfig, withNamespace } from './setup/cluster';

const kc = kubeConfig();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LEASE_SECONDS = 3;

describe('scenario 7: a rollout Lease whose holder died on another host', () => {
  const ns = withNamespace('lease-takeover');

  it('is refused (naming the holder) while fresh and taken over only once stale', async () => {
    const acquired = Date.now();
    // What a worker on another machine leaves behind when it dies mid-rollout: a Lease it no longer renews.
    await createObject(kc, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: leaseName('shop'),
        namespace: ns.name,
        annotations: { 'mesh.dev/holder': 'Slack user U0DEAD', 'mesh.dev/command': '/mesh deploy shop', 'mesh.dev/process': 'ip-10-0-3-7.ec2.internal/4242' },
      },
      spec: { holderIdentity: `${ns.name}.shop.dead`, leaseDurationSeconds: LEASE_SECONDS, acquireTime: microTime(acquired), renewTime: microTime(acquired), leaseTransitions: 0 },
    });
    const me = { rolloutId: `${ns.name}.shop.next`, holder: 'Slack user U0NEXT', command: '/mesh deploy shop' };

    const early = await acquireLock(kc, ns.name, 'shop', me, 60);
    expect(Date.now() - acquired).toBeLessThan(LEASE_SECONDS * 1000);
    expect(early).toMatchObject({ acquired: false, heldBy: { holder: 'Slack user U0DEAD', command: '/mesh deploy shop', process: 'ip-10-0-3-7.ec2.internal/4242' } });

    // One second before it is stale: still refused.
    await sleep(Math.max(0, acquired + (LEASE_SECONDS - 1) * 1000 - Date.now()));
    expect(await acquireLock(kc, ns.name, 'shop', me, 60)).toMatchObject({ acquired: false });

    await sleep(Math.max(0, acquired + LEASE_SECONDS * 1000 + 1100 - Date.now()));
    const late = await acquireLock(kc, ns.name, 'shop', me, 60);
    expect(late).toMatchObject({ acquired: true, tookOverFrom: { holder: 'Slack user U0DEAD' } });
    const lease = await getObject<{ spec: { holderIdentity: string; leaseTransitions: number } } & Parameters<typeof createObject>[1]>(kc, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: leaseName('shop'), namespace: ns.name },
    });
    expect(lease!.spec).toMatchObject({ holderIdentity: me.rolloutId, leaseTransitions: 1 });
  });

  it('stays with a live holder that renews it, however long the rollout takes', async () => {
    const holder = { rolloutId: `${ns.name}.cart.live`, holder: 'Slack user U0LIVE', command: '/mesh deploy cart' };
    const other = { rolloutId: `${ns.name}.cart.other`, holder: 'Slack user U0OTHER', command: '/mesh deploy cart' };
    expect(await acquireLock(kc, ns.name, 'cart', holder, LEASE_SECONDS)).toMatchObject({ acquired: true });
    // The holder steps every second (renewing once a third of the lease has passed) for three lease durations;
    // the other caller keeps trying and is refused every time.
    for (let i = 0; i < LEASE_SECONDS * 3; i += 1) {
      await sleep(1000);
      expect(await checkLock(kc, ns.name, 'cart', holder.rolloutId)).toMatchObject({ held: true });
      expect(await acquireLock(kc, ns.name, 'cart', other, LEASE_SECONDS)).toMatchObject({ acquired: false, heldBy: { holder: 'Slack user U0LIVE' } });
    }
    expect(await readLock(kc, ns.name, 'cart')).toMatchObject({ rolloutId: holder.rolloutId });
  });
});
