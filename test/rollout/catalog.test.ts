import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { listApps, loadApp } from '../../src/rollout/catalog';
import { embeddedApps, embeddedDocuments } from '../../src/rollout/catalog/embedded';
import { parseManifestDocuments } from '../../src/rollout/manifests';
import { stagesFromSyncWaves } from '../../src/rollout/plan';
import { UserError } from '../../src/errors';
import type { JsonObject } from '../../src/json-object';

const appsDir = path.join(__dirname, '../../infra/apps');

describe('app catalog', () => {
  it('embeds exactly the files under infra/apps (run `node scripts/catalog.mjs` after editing them)', () => {
    for (const app of readdirSync(appsDir)) {
      const files = readdirSync(path.join(appsDir, app)).filter((f) => /\.ya?ml$/.test(f));
      expect(Object.keys(embeddedApps[app] ?? {}).sort()).toEqual(files.sort());
      for (const file of files) {
        const text = readFileSync(path.join(appsDir, app, file), 'utf8');
        expect(embeddedApps[app]![file]).toBe(text);
        if (file !== 'plan.yaml') expect(embeddedDocuments[app]![file]).toEqual(parseManifestDocuments(text, file));
      }
    }
    expect(Object.keys(embeddedApps).sort()).toEqual(readdirSync(appsDir).sort());
  });

  it('plans the guestbook in the workshop order: backends, guestbook-service, guestbook-ui', () => {
    const plan = loadApp('guestbook');
    expect(listApps()).toContain('guestbook');
    expect(plan.stages.map((s) => s.name)).toEqual(['backends', 'guestbook-service', 'guestbook-ui']);
    expect(plan.stages.map((s) => s.documents.map((d) => `${d.object.kind}/${d.object.metadata.name}`))).toEqual([
      [
        'Deployment/mysql',
        'Service/mysql',
        'Deployment/redis',
        'Service/redis',
        'Deployment/helloworld-service-v1',
        'Deployment/helloworld-service-v2',
        'Service/helloworld-service',
      ],
      ['Deployment/guestbook-service', 'Service/guestbook-service'],
      ['Deployment/guestbook-ui', 'Service/guestbook-ui'],
    ]);
  });

  it('guestbook manifests are modern: apps/v1 with matching selectors, probes, no PVC', () => {
    const docs = loadApp('guestbook').stages.flatMap((s) => s.documents.map((d) => d.object));
    const deployments = docs.filter((o) => o.kind === 'Deployment');
    expect(deployments).toHaveLength(6);
    for (const d of deployments) {
      const spec = d.spec as JsonObject;
      expect(d.apiVersion).toBe('apps/v1');
      for (const [k, v] of Object.entries(spec.selector.matchLabels)) expect(spec.template.metadata.labels[k]).toBe(v);
      expect(spec.template.metadata.labels.app).toBeTruthy();
      expect(spec.template.metadata.labels.version).toBeTruthy();
      const probe = spec.template.spec.containers[0].readinessProbe;
      if (d.metadata.name === 'mysql') expect(probe.tcpSocket.port).toBe(3306);
      else if (d.metadata.name === 'redis') expect(probe.tcpSocket.port).toBe(6379);
      else expect(probe.httpGet).toEqual({ path: '/health', port: 8080 });
    }
    expect(docs.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    const helloworld = docs.find((o) => o.kind === 'Service' && o.metadata.name === 'helloworld-service')!;
    const v1 = deployments.find((d) => d.metadata.name === 'helloworld-service-v1')!.spec as JsonObject;
    const v2 = deployments.find((d) => d.metadata.name === 'helloworld-service-v2')!.spec as JsonObject;
    for (const pod of [v1, v2]) {
      for (const [k, v] of Object.entries((helloworld.spec as JsonObject).selector)) expect(pod.template.metadata.labels[k]).toBe(v);
    }
    expect([v1.template.metadata.labels.version, v2.template.metadata.labels.version]).toEqual(['1.0', '2.0']);
  });

  it('unknown apps list the catalog with a did-you-mean', () => {
    expect(() => loadApp('gestbook')).toThrow(new UserError('no app named "gestbook"; did you mean "guestbook"? (apps: guestbook)'));
    expect(() => loadApp('nothing-like-it')).toThrow(/^no app named "nothing-like-it" \(apps: guestbook\)$/);
  });

  it.each(['../guestbook', '/etc/passwd', 'guestbook/plan.yaml', 'Guestbook', '.', ''])('rejects the path-like name %p', (name) => {
    expect(() => loadApp(name)).toThrow(/is not an app name .*never paths/);
  });
});

describe('manifest parsing and sync waves', () => {
  it('rejects duplicate keys with file and line', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n';
    expect(() => parseManifestDocuments(text, 'dup.yaml')).toThrow(/^dup\.yaml:5: /);
  });
  it('rejects documents that are not Kubernetes objects', () => {
    expect(() => parseManifestDocuments('---\nfoo: 1\n', 'x.yaml')).toThrow('x.yaml:2: not a Kubernetes object (apiVersion and kind are required)');
  });
  it('stages by argocd.argoproj.io/sync-wave, absent = wave 0; one stage when nobody annotates', () => {
    const doc = (name: string, wave?: string) =>
      `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${wave === undefined ? '' : `  annotations:\n    argocd.argoproj.io/sync-wave: "${wave}"\n`}`;
    const docs = parseManifestDocuments([doc('a', '2'), doc('b'), doc('c', '-1'), doc('d', '2')].join(''), 'w.yaml');
    expect(docs.map((d) => d.line)).toEqual([2, 9, 14, 21]);
    const stages = stagesFromSyncWaves(docs);
    expect(stages.map((s) => [s.name, s.documents.map((d) => d.object.metadata.name)])).toEqual([
      ['wave -1', ['c']],
      ['wave 0', ['b']],
      ['wave 2', ['a', 'd']],
    ]);
    expect(stagesFromSyncWaves(parseManifestDocuments(doc('first') + doc('second'), 'p.yaml')).map((s) => s.name)).toEqual(['all']);
    expect(() => stagesFromSyncWaves(parseManifestDocuments(doc('z', 'soon'), 'bad.yaml'))).toThrow(/bad\.yaml:2: .*integer/);
  });
});
