import { injectManifests, injectionSettings } from '../../src/inject';
import { startRollout } from '../../src/rollout';
import { resolveStages } from '../../src/rollout/resolve';

describe('mesh deploy --inject', () => {
  const settings = injectionSettings();
  const transform = (text: string, file: string) => injectManifests(text, file, settings).output;
  const state = startRollout({ app: 'guestbook', namespace: 'demo', inject: true, holder: 'me', command: 'mesh deploy guestbook --inject' });

  it('injects the sidecar into every guestbook Deployment and keeps the stages', () => {
    const { stages, problems } = resolveStages(state, transform);
    expect(problems).toEqual([]);
    expect(stages.map((s) => s.name)).toEqual(['backends', 'guestbook-service', 'guestbook-ui']);
    const deployments = stages.flatMap((s) => s.documents).filter((d) => d.object.kind === 'Deployment');
    expect(deployments).toHaveLength(6);
    for (const d of deployments) {
      const pod = (d.object.spec as any).template.spec;
      const names = [...(pod.initContainers ?? []), ...pod.containers].map((c: { name: string }) => c.name);
      expect(names).toContain('istio-proxy');
    }
  });
  it('refuses to run an injecting rollout without the injection engine', () => {
    expect(() => resolveStages(state)).toThrow(/--inject needs the injection engine/);
  });
});
