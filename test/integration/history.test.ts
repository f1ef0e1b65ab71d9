// The app history on the real API server: one gzip-compressed Secret per revision in mesh-system, so an app of
// 1,200 ConfigMaps keeps its last 10 revisions (its object list alone was more than the 256 KiB a Lease's
// annotations hold); the history of an earlier mesh (a JSON list in the deployed Lease's annotation) is still
// shown and moved into Secrets by the next rollout; every outcome is recorded — a lost lock and an API server
// gone for good included — and what cannot be recorded is said, never swallowed.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { eventLines } from '../../src/cli/rollout-text';
import { createObject, getObject, listObjects, replaceObject } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { runRollout, startRollout, type RolloutEvent, type RolloutState } from '../../src/rollout';
import { leaseName } from '../../src/rollout/lock';
import { HISTORY_NAMESPACE, readHistory, recordRevision, revisionSecretName, rollbackTarget, type Revision } from '../../src/rollout/record';
import { meshBot } from './rbac-identity';
import { kubeConfig, READY_DELAY_ANNOTATION, withNamespace } from './setup/cluster';

const kc = kubeConfig();

const configMap = (i: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\n  labels: {app.kubernetes.io/part-of: shop}\ndata:\n  FEATURE_FLAGS: checkout=on,search=on,reviews=${i % 2 ? 'on' : 'off'}\n`;
const deployment = (name: string, delay = '0s') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n      annotations: {${READY_DELAY_ANNOTATION}: "${delay}"}\n    spec:\n      containers:\n      - name: ${name}\n        image: nginx:1.27\n`;

async function historySecrets(namespace: string, app: string): Promise<(KubeObject & { data: Record<string, string> })[]> {
  const list = await listObjects<KubeObject & { data: Record<string, string> }>(kc, {
    apiVersion: 'v1', kind: 'Secret', namespace: HISTORY_NAMESPACE, labelSelector: `mesh.dev/app=${app},mesh.dev/app-namespace=${namespace}`,
  });
  return list.items;
}

describe('app history in Secrets', () => {
  const ns = withNamespace('history');

  it('keeps the last 10 revisions of an app of 1,200 ConfigMaps and a Deployment, each in its own Secret', async () => {
    const files = [...Array.from({ length: 1200 }, (_, i) => ({ file: `cm-${i}.yaml`, text: configMap(i) })), { file: 'web.yaml', text: deployment('web') }];
    const objects = [
      ...Array.from({ length: 1200 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: `settings-${i}`, namespace: ns.name })),
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns.name },
    ];
    const base = startRollout({ app: 'big', files, namespace: ns.name, holder: 'jest', command: 'test' });
    for (let i = 1; i <= 12; i += 1) {
      const state: RolloutState = { ...base, id: `${base.id}-${i}` };
      expect(await recordRevision(kc, state, i === 12 ? 'failed' : 'succeeded', new Date(Date.UTC(2026, 11, 6, 10, i)).toISOString(), objects, 10, i === 12 ? 'deadline' : undefined)).toBe(i);
    }
    const secrets = await historySecrets(ns.name, 'big');
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => revisionSecretName(ns.name, 'big', i + 3)).sort());
    for (const secret of secrets) {
      expect(secret.type).toBe('mesh.dev/revision.v1');
      expect(Buffer.from(secret.data.revision!, 'base64').length).toBeLessThan(100 * 1024);
    }
    const history = await readHistory(kc, ns.name, 'big');
    expect(history.map((r) => `${r.revision} ${r.outcome}${r.reason ? ` ${r.reason}` : ''}`)).toEqual([
      '12 failed deadline', ...Array.from({ length: 9 }, (_, i) => `${11 - i} succeeded`),
    ]);
    expect(history[0]!.objects).toHaveLength(1201);
    // The files are kept, so a rollback can deploy the revision again.
    const { target } = rollbackTarget(history, undefined);
    expect(target.revision).toBe(11);
    expect(target.source).toMatchObject({ kind: 'manifests' });
    expect((target.source as { files: unknown[] }).files).toHaveLength(1201);
    // The same rollout recorded again (a repeated step) rewrites its revision instead of adding one.
    expect(await recordRevision(kc, { ...base, id: `${base.id}-12` }, 'failed', new Date().toISOString(), objects, 10, 'deadline')).toBe(12);
    expect(await historySecrets(ns.name, 'big')).toHaveLength(10);
  });

  it('shows the Lease-annotation history of an earlier mesh, and moves it into Secrets at the next rollout', async () => {
    const old = (revision: number, outcome: Revision['outcome']): Revision => ({
      revision, rolloutId: `old-${revision}`, outcome, at: `2026-11-0${revision}T10:00:00.000Z`, by: 'U0OLD', inject: false,
      source: { kind: 'catalog', app: 'guestbook' }, objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns.name }],
    });
    await createObject(kc, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: {
        name: 'mesh-deployed-legacy', namespace: ns.name, labels: { 'mesh.dev/deployed': 'true' },
        annotations: { 'mesh.dev/deployed-app': 'legacy', 'mesh.dev/deployed-by': 'U0OLD', 'mesh.dev/revisions': JSON.stringify([old(1, 'succeeded'), old(2, 'succeeded'), old(3, 'failed')]) },
      },
      spec: {},
    });
    expect((await readHistory(kc, ns.name, 'legacy')).map((r) => r.revision)).toEqual([3, 2, 1]);

    const state = startRollout({ app: 'legacy', files: [{ file: 'web.yaml', text: deployment('web') }], namespace: ns.name, holder: 'jest', command: 'test' });
    expect(await recordRevision(kc, state, 'failed', new Date().toISOString(), [], 10, 'stage')).toBe(4);
    expect((await historySecrets(ns.name, 'legacy')).map((s) => s.metadata.labels?.['mesh.dev/revision']).sort()).toEqual(['1', '2', '3', '4']);
    const history = await readHistory(kc, ns.name, 'legacy');
    expect(history.map((r) => `${r.revision} ${r.outcome} ${r.by}`)).toEqual(['4 failed jest', '3 failed U0OLD', '2 succeeded U0OLD', '1 succeeded U0OLD']);
    const lease = await getObject<KubeObject>(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'mesh-deployed-legacy', namespace: ns.name } });
    expect(lease!.metadata.annotations?.['mesh.dev/revisions']).toBeUndefined();
    // A failed rollout leaves the record of what is deployed as it was.
    expect(lease!.metadata.annotations).toMatchObject({ 'mesh.dev/deployed-app': 'legacy', 'mesh.dev/deployed-by': 'U0OLD' });
  });

  it('records a rollout whose lock was taken over after it applied something as failed (lock-lost)', async () => {
    const events: RolloutEvent[] = [];
    const state = startRollout({ app: 'stolen', files: [{ file: 'web.yaml', text: deployment('web', '3s') }], namespace: ns.name, holder: 'jest', command: 'test' });
    let stolen: Promise<void> | undefined;
    const final = await runRollout(state, {
      kc, stepBudgetMs: 500,
      emit: (e) => {
        events.push(e);
        if (e.type !== 'object-applied' || stolen) return;
        // Another rollout takes the lock over (as after a stale lease) while this one waits.
        stolen = (async () => {
          const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: leaseName('stolen'), namespace: ns.name } };
          const lease = (await getObject<KubeObject & { spec: Record<string, unknown> }>(kc, ref))!;
          await replaceObject(kc, { ...lease, spec: { ...lease.spec, holderIdentity: `${ns.name}.stolen.other` } });
        })();
      },
    });
    await stolen;
    expect(final.error?.reason).toBe('lock-lost');
    expect(events.some((e) => e.type === 'history-not-recorded')).toBe(false);
    const [latest] = await readHistory(kc, ns.name, 'stolen');
    expect(latest).toMatchObject({ revision: 1, outcome: 'failed', reason: 'lock-lost', rolloutId: state.id });
    expect(latest!.objects).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns.name }]);
  });

  it('with the API server gone for good after applying: the revision stays in the history (interrupted), and the user is told its end was not recorded', async () => {
    const server = new URL(kc.getCurrentCluster()!.server);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(server.port), server.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const through = new KubeConfig();
    through.loadFromClusterAndUser({ ...kc.getCurrentCluster()!, server: `https://127.0.0.1:${(proxy.address() as AddressInfo).port}` }, kc.getCurrentUser()!);
    const events: RolloutEvent[] = [];
    const state = startRollout({ app: 'gone', files: [{ file: 'web.yaml', text: deployment('web', '30s') }], namespace: ns.name, holder: 'jest', command: 'test' });
    let cut = false;
    try {
      const final = await runRollout(state, {
        kc: through, stepBudgetMs: 500, unreachableLimitMs: 3000,
        emit: (e) => {
          events.push(e);
          if (e.type !== 'object-applied' || cut) return;
          cut = true;
          // The way to the API server goes away for good: open connections drop, new ones are refused.
          proxy.close();
          for (const s of sockets) s.destroy();
        },
      });
      expect(final.error?.reason).toBe('unreachable');
    } finally {
      proxy.close();
      for (const s of sockets) s.destroy();
    }
    const notRecorded = events.find((e) => e.type === 'history-not-recorded')!;
    expect(notRecorded).toMatchObject({ outcome: 'failed' });
    expect(eventLines(notRecorded)[0]).toMatch(/^WARNING: the app's history \(mesh history, mesh rollback\) could not record this rollout as failed: /);
    // Written before anything was applied, the revision is there; with its lock gone (released by an admin) it reads as interrupted.
    expect((await readHistory(kc, ns.name, 'gone'))[0]).toMatchObject({ revision: 1, outcome: 'running', rolloutId: state.id });
    await kc.makeApiClient(CoordinationV1Api).deleteNamespacedLease({ name: leaseName('gone'), namespace: ns.name });
    expect((await readHistory(kc, ns.name, 'gone'))[0]).toMatchObject({ revision: 1, outcome: 'interrupted' });
  });

  it('as the bot: records its deploys in mesh-system; without the history Role the deploy still succeeds and says the history was not recorded', async () => {
    // The generated RBAC of the built-in registry in this namespace: guestbook's kinds and Leases (the app deployed here).
    const bot = await meshBot(kc, ns.name);
    try {
      const state = startRollout({ app: 'guestbook', files: [{ file: 'web.yaml', text: deployment('web') }], namespace: ns.name, holder: 'mesh-bot', command: 'test' });
      const final = await runRollout(state, { kc: bot.kc, emit: () => undefined });
      expect(final.phase).toBe('finished');
      expect((await readHistory(bot.kc, ns.name, 'guestbook')).map((r) => `${r.revision} ${r.outcome}`)).toEqual(['1 succeeded']);
      // The history Role's binding gone (an RBAC shrunk too far): the rollout goes on, and says so.
      await kc.makeApiClient(RbacAuthorizationV1Api).deleteNamespacedRoleBinding({ name: `mesh-bot-${ns.name}-history`, namespace: HISTORY_NAMESPACE });
      const events: RolloutEvent[] = [];
      const next = startRollout({ app: 'guestbook', files: [{ file: 'web.yaml', text: deployment('web') }], namespace: ns.name, holder: 'mesh-bot', command: 'test' });
      const again = await runRollout(next, { kc: bot.kc, emit: (e) => events.push(e) });
      expect(again.phase).toBe('finished');
      const lines = events.filter((e) => e.type === 'history-not-recorded').flatMap(eventLines);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines[0]).toMatch(/could not record this rollout.*forbidden/i);
    } finally {
      await bot.cleanup();
    }
  });
});
