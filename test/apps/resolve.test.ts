import { builtinApps, builtinRegistry, componentsOf, resolveApp, resolveReference, type AppEntry, type AppSnapshot, type Registry } from '../../src/apps';
import { rolloutSourceOf } from '../../src/apps/rollout';
import { UserError } from '../../src/errors';
import { loadApp } from '../../src/rollout/catalog';

const deployment = (name: string, labels: Record<string, string>) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: ${JSON.stringify(labels)}\n  template:\n    metadata:\n      labels: ${JSON.stringify(labels)}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n`;
const service = (name: string, selector: Record<string, string>) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: ${JSON.stringify(selector)}\n  ports:\n  - port: 80\n`;

/** A registry with the guestbook and a "shop" app whose files are given (as a Git app would be). */
function withShop(files: Record<string, string>): { registry: Registry; load: (app: AppEntry) => Promise<AppSnapshot> } {
  const registry = builtinRegistry();
  const shop: AppEntry = { name: 'shop', source: { kind: 'git', repository: 'https://git.example/shop.git', ref: 'main', path: 'k8s' } };
  registry.apps.push(shop);
  const builtin = builtinApps();
  return {
    registry,
    load: async (app) =>
      app.name === 'shop'
        ? { app, files, revision: { repository: 'https://git.example/shop.git', ref: 'main', commit: 'a'.repeat(40), path: 'k8s' } }
        : builtin.load(app),
  };
}

describe('app and component references', () => {
  it('resolves helloworld to both versions of the guestbook helloworld and its Service', async () => {
    const { snapshot, component } = await resolveApp(builtinApps(), 'helloworld');
    expect(snapshot.app.name).toBe('guestbook');
    expect(component).toEqual({ name: 'helloworld', files: ['helloworld-service.yaml', 'helloworld-v1.yaml', 'helloworld-v2.yaml'] });
  });

  it('resolves a workload to its file and the Services that select its pods, and a file by its name', async () => {
    expect((await resolveApp(builtinApps(), 'helloworld-service-v1')).component!.files).toEqual(['helloworld-service.yaml', 'helloworld-v1.yaml']);
    expect((await resolveApp(builtinApps(), 'mysql')).component!.files).toEqual(['mysql.yaml']);
    expect((await resolveApp(builtinApps(), 'guestbook.redis')).component!.files).toEqual(['redis.yaml']);
  });

  it('an app name is the whole app', async () => {
    const resolved = await resolveApp(builtinApps(), 'guestbook');
    expect(resolved.component).toBeUndefined();
    expect(rolloutSourceOf(resolved)).toEqual({ source: { kind: 'catalog', app: 'guestbook' }, stageNames: ['backends', 'guestbook-service', 'guestbook-ui'] });
  });

  it('a component keeps the plan order and only its stages', async () => {
    const resolved = await resolveApp(builtinApps(), 'helloworld');
    expect(rolloutSourceOf(resolved).stageNames).toEqual(['backends']);
    const only = loadApp('guestbook', undefined, resolved.component!.files);
    expect(only.stages[0]!.documents.map((d) => d.object.metadata.name)).toEqual(['helloworld-service-v1', 'helloworld-service-v2', 'helloworld-service']);
  });

  it('lists the choices for a name in two apps, and <app>.<name> picks one', async () => {
    const { registry, load } = withShop({ 'redis.yaml': deployment('redis', { app: 'redis' }) });
    await expect(resolveReference(registry, 'redis', load)).rejects.toThrow(
      new UserError('"redis" is in 2 apps: guestbook.redis (redis.yaml), shop.redis (redis.yaml); name one as <app>.redis'),
    );
    const shop = await resolveReference(registry, 'shop.redis', load);
    expect(shop.snapshot.app.name).toBe('shop');
    expect(rolloutSourceOf(shop).source).toMatchObject({ kind: 'git', app: 'shop', commit: 'a'.repeat(40), only: ['redis.yaml'] });
  });

  it('suggests the closest app or component for an unknown name', async () => {
    const { registry, load } = withShop({ 'web.yaml': deployment('storefront', { app: 'storefront' }) });
    await expect(resolveReference(registry, 'hellowrld', load)).rejects.toThrow(/^no app or component named "hellowrld"; did you mean "helloworld"\? \(apps: guestbook, shop\)$/);
    await expect(resolveReference(registry, 'storefrnt', load)).rejects.toThrow(/did you mean "storefront"/);
    await expect(resolveReference(registry, 'shop.webb', load)).rejects.toThrow(/^app "shop" has no component "webb"; did you mean "shop.web"\?$/);
    await expect(resolveReference(registry, 'shp.web', load)).rejects.toThrow(/^no app named "shp"; did you mean "shop"\?/);
  });

  it('names an app that could not be read when nothing else matches', async () => {
    const registry = withShop({}).registry;
    const load = async (app: AppEntry) => {
      if (app.name === 'shop') throw new UserError('app shop: cannot reach git.example: ECONNREFUSED');
      return builtinApps().load(app);
    };
    await expect(resolveReference(registry, 'nothing', load)).rejects.toThrow(/app "shop" could not be read: app shop: cannot reach git.example: ECONNREFUSED$/);
    expect((await resolveReference(registry, 'helloworld', load)).component!.name).toBe('helloworld');
  });

  it('groups files by name prefix only when no file or object has that name', () => {
    const files = { 'api-v1.yaml': deployment('api-v1', { app: 'api', v: '1' }), 'api-v2.yaml': deployment('api-v2', { app: 'api', v: '2' }), 'api-svc.yaml': service('api', { app: 'api' }) };
    const { exact, groups } = componentsOf({ app: { name: 'x', source: { kind: 'git', repository: 'https://git.example/x.git', ref: 'main', path: '' } }, files });
    expect(exact.find((c) => c.name === 'api')!.files).toEqual(['api-svc.yaml']);
    expect(exact.find((c) => c.name === 'api-v1')!.files).toEqual(['api-svc.yaml', 'api-v1.yaml']);
    expect(groups.map((g) => g.name)).toEqual([]);
  });
});
