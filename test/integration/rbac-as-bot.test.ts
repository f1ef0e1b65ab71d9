import { deleteObject, getObject, kubeRequest } from '../../src/kube';
import { disable, enable, restart, status } from '../../src/autoinject';
import { runRollout, startRollout, type RolloutEvent } from '../../src/rollout';
import { meshBot, type MeshBot } from './rbac-identity';
import { kubeConfig, withNamespace } from './setup/cluster';

// The real engines, authenticated only as the mesh bot (infra/rbac/mesh-bot.yaml bound to a ServiceAccount):
// whatever deploy and autoinject need must be granted, or these fail with a 403.

const admin = kubeConfig();

describe('mesh as the bot identity', () => {
  const home = withNamespace('rbac-bot');
  const target = `rbac-bot-app-${Date.now().toString(36)}`;
  let bot: MeshBot;

  beforeAll(async () => {
    bot = await meshBot(admin, home.name);
  });

  afterAll(async () => {
    await bot?.cleanup();
    await deleteObject(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: target } }).catch(() => undefined);
  });

  it('deploys guestbook into a namespace it creates itself', async () => {
    const events: RolloutEvent[] = [];
    const state = startRollout({ app: 'guestbook', namespace: target, holder: 'mesh-bot', command: 'deploy guestbook' });
    const final = await runRollout(state, { kc: bot.kc, emit: (e) => events.push(e) });
    expect({ phase: final.phase, error: final.error }).toEqual({ phase: 'finished', error: undefined });
    expect(await getObject(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: target } })).toBeDefined();
  });

  it('runs autoinject status, enable, disable and restart on it', async () => {
    expect((await status(bot.kc, target)).ok).toBe(true);
    // Whether an injector is installed depends on other suites; any answer but a 403 is fine here.
    expect(['enabled', 'already-enabled', 'failed']).toContain((await enable(bot.kc, target)).outcome);
    await kubeRequest(admin, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${target}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'istio-injection': 'enabled' } } },
    });
    const disabled = await disable(bot.kc, target);
    expect({ outcome: disabled.outcome, labels: disabled.labels }).toEqual({ outcome: 'disabled', labels: {} });
    const restarted = await restart(bot.kc, target, [{ kind: 'Deployment', name: 'guestbook-ui' }]);
    expect(restarted).toMatchObject({ restarted: [{ kind: 'Deployment', name: 'guestbook-ui' }], failed: [] });
  });
});
