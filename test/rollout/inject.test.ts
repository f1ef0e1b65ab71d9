import { startRollout } from '../../src/rollout';
import { resolveStages } from '../../src/rollout/resolve';
import type { JsonObject } from '../../src/json-object';

describe('mesh deploy --inject', () => {
  const state = startRollout({ app: 'guestbook', namespace: 'demo', inject: true, holder: 'me', command: 'mesh deploy guestbook --inject' });

  it('injects the sidecar into every guestbook Deployment and keeps the stages', async () => {
    const { stages, problems } = await resolveStages(state);
    expect(problems).toEqual([]);
    expect(stages.map((s) => s.name)).toEqual(['backends', 'guestbook-service', 'guestbook-ui']);
    const deployments = stages.flatMap((s) => s.documents).filter((d) => d.object.kind === 'Deployment');
    expect(deployments).toHaveLength(6);
    for (const d of deployments) {
      const pod = (d.object.spec as JsonObject).template.spec;
      const names = [...(pod.initContainers ?? []), ...pod.containers].map((c: { name: string }) => c.name);
      expect(names).toContain('istio-proxy');
    }
  });
  it('leaves the manifests alone without --inject', async () => {
    const plain = startRollout({ app: 'guestbook', namespace: 'demo', holder: 'me', command: 'mesh deploy guestbook' });
    const pods = (await resolveStages(plain)).stages.flatMap((s) => s.documents).filter((d) => d.object.kind === 'Deployment');
    for (const d of pods) expect(JSON.stringify(d.object)).not.toContain('istio-proxy');
  });
});
