import { readFileSync } from 'node:fs';
import { namespaceAllowed, parseRegistry, registryFromEnv, scopeOf } from '../../src/apps';
import { checkTarget } from '../../src/apps/rollout';

describe('app registry (infra/apps.example.yaml format)', () => {
  it('parses the example: apps from Git with credentials references, EKS and kubeconfig clusters, the default', () => {
    const registry = parseRegistry(readFileSync('infra/apps.example.yaml', 'utf8'), 'infra/apps.example.yaml');
    expect(registry.apps.map((a) => a.name)).toEqual(['guestbook', 'shop']);
    expect(registry.apps[1]).toEqual({
      name: 'shop',
      source: {
        kind: 'git', repository: 'https://git.example.com/team/shop.git', ref: 'main', path: 'deploy/k8s',
        credentials: { username: 'x-access-token', token: { ssmParameter: '/mesh/dev/git/shop-token' } },
      },
      clusters: ['staging', 'prod'],
      namespaces: ['shop', 'shop-*'],
      clusterResources: [{ group: '', kind: 'Namespace' }],
      clusterRoles: ['view'],
    });
    expect(registry.clusters).toEqual([
      { name: 'prod', target: { kind: 'eks', clusterName: 'prod-eks', endpoint: expect.stringMatching(/^https:/), caData: expect.any(String), region: 'eu-west-1' } },
      { name: 'staging', target: { kind: 'context', context: 'staging-admin', kubeconfig: '~/.kube/staging.yaml' } },
    ]);
    expect(registry.defaultCluster).toBe('staging');
    const shop = registry.apps[1]!;
    expect(namespaceAllowed(shop, 'shop-eu')).toBe(true);
    expect(() => checkTarget(shop, 'default', 'prod')).toThrow('app shop may not go to namespace default (the registry allows shop, shop-*)');
    expect(() => checkTarget({ ...shop, clusters: ['staging'] }, 'shop', 'prod')).toThrow('app shop may not go to cluster prod (the registry allows staging)');
  });

  it('takes credentials over https, over http to a loopback Git server, and from MESH_GIT_* variables', () => {
    for (const repository of ['https://git.example.com/x.git', 'http://127.0.0.1:8080/x.git', 'http://localhost/x.git', 'http://[::1]:9/x.git']) {
      const registry = parseRegistry(`apps:\n  shop:\n    repository: ${repository}\n    credentials: {env: MESH_GIT_SHOP_TOKEN}\n`, 'R');
      expect(registry.apps[1]).toMatchObject({ source: { repository, credentials: { token: { env: 'MESH_GIT_SHOP_TOKEN' } } } });
    }
    // Without credentials a public repository may still be read over http.
    expect(parseRegistry('apps:\n  shop:\n    repository: http://git.example.com/x.git\n', 'R').apps[1]).toMatchObject({ source: { repository: 'http://git.example.com/x.git' } });
  });

  it('without configuration it is the built-in catalog', () => {
    expect(registryFromEnv({})).toEqual({ source: 'built-in', apps: [{ name: 'guestbook', source: { kind: 'builtin' } }], clusters: [] });
    expect(registryFromEnv({ MESH_APPS: 'apps:\n  x:\n    repository: https://h/x.git\n' }).apps[1]).toMatchObject({ name: 'x', source: { ref: 'main', path: '' } });
  });

  it('a Git app without limits may go to its own namespace on the default cluster only, and touch nothing cluster-scoped', () => {
    const text = 'defaultCluster: staging\nclusters:\n  staging: {context: s}\n  prod: {context: p}\napps:\n  shop:\n    repository: https://h/x.git\n';
    const shop = parseRegistry(text, 'R').apps.find((a) => a.name === 'shop')!;
    expect(shop).toMatchObject({ namespaces: ['shop'], clusters: ['staging'] });
    expect(() => checkTarget(shop, 'shop-x', 'staging')).toThrow('app shop may not go to namespace shop-x (the registry allows shop)');
    expect(() => checkTarget(shop, 'shop', 'prod')).toThrow('app shop may not go to cluster prod (the registry allows staging)');
    expect(() => checkTarget(shop, 'shop', 'staging')).not.toThrow();
    expect(scopeOf(shop, { source: 'R' })).toEqual({ owner: 'app shop (R)', clusterResources: [], clusterRoles: [] });
    // No clusters registered: the door's own cluster only (a command naming none).
    const alone = parseRegistry('apps:\n  shop:\n    repository: https://h/x.git\n', 'R').apps[1]!;
    expect(alone.clusters).toEqual([]);
    expect(() => checkTarget(alone, 'shop', undefined)).not.toThrow();
    // The built-in catalog is mesh's own namespaced manifests: every namespace and cluster, as before…
    expect(parseRegistry(text, 'R').apps[0]).toEqual({ name: 'guestbook', source: { kind: 'builtin' } });
    // …unless an entry without a repository limits it.
    const limited = parseRegistry(`${text}  guestbook:\n    namespaces: [demo]\n    clusters: [staging]\n`, 'R').apps[0]!;
    expect(limited).toEqual({ name: 'guestbook', source: { kind: 'builtin' }, namespaces: ['demo'], clusters: ['staging'] });
    expect(() => checkTarget(limited, 'shop', 'staging')).toThrow('app guestbook may not go to namespace shop (the registry allows demo)');
  });

  it.each([
    ['apps:\n  shop:\n    repository: https://h/x.git\n    path: ../etc\n', /^R:4: app "shop" path "..\/etc" must be relative, inside the repository/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    path: /etc\n', /^R:4: app "shop" path "\/etc" must be relative/],
    ['apps:\n  shop:\n    repository: file:///etc\n', /^R:3: app "shop" repository must be an http\(s\) URL/],
    ['apps:\n  shop:\n    repository: https://user:tok@h/x.git\n', /^R:3: app "shop" repository must not carry credentials/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    ref: "a..b"\n', /^R:4: app "shop" ref "a..b" is not a branch, tag or commit/],
    ['apps:\n  guestbook:\n    repository: https://h/x.git\n', /^R:2: app "guestbook" is already defined/],
    ['apps:\n  guestbook:\n    namespaces: [demo]\n    path: k8s\n', /^R:4: app "guestbook" is built-in: its entry may only limit it \(clusters, namespaces, clusterResources, clusterRoles\), not "path"/],
    ['apps:\n  Shop:\n    repository: https://h/x.git\n', /^R:2: "Shop" is not a valid app name/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    token: abc\n', /^R:4: app "shop" has unknown key "token"/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    credentials: {ssmParameter: a, env: B}\n', /^R:4: app "shop" credentials need exactly one of/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusters: [prod]\n', /^R: app "shop" names cluster "prod", which is not under clusters/],
    ['defaultCluster: prod\n', /^R: defaultCluster "prod" is not under clusters/],
    ['clusters:\n  prod:\n    eks: {name: p, endpoint: http://x, caData: Y}\n', /^R:3: cluster "prod" eks.endpoint must be an https URL/],
    ['clusters:\n  prod:\n    url: x\n', /^R:3: cluster "prod" needs exactly one of "eks" \(Lambda\) or "context"/],
    ['apps:\n  shop: [\n', /^R:\d+: invalid YAML/],
    ['repos: {}\n', /^R:1: unknown registry key "repos"/],
    // A token over plain http travels in clear text (loopback aside: the tests' Git server).
    ['apps:\n  shop:\n    repository: http://git.example.com/x.git\n    credentials: {ssmParameter: /t}\n', /^R:3: app "shop" sends its credentials over http:\/\/ to git\.example\.com, in clear text; use an https:\/\/ repository URL$/],
    // credentials.env names only MESH_GIT_* variables: no other secret of the worker is sent as a password.
    ['apps:\n  shop:\n    repository: https://h/x.git\n    credentials:\n      env: AWS_SECRET_ACCESS_KEY\n', /^R:5: app "shop" credentials.env "AWS_SECRET_ACCESS_KEY" is not allowed: a Git token may only come from a MESH_GIT_<NAME> variable/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    credentials: {env: SLACK_SIGNING_SECRET}\n', /^R:4: app "shop" credentials.env "SLACK_SIGNING_SECRET" is not allowed/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    credentials: {env: MESH_GIT_CACHE_DIR}\n', /^R:4: app "shop" credentials.env "MESH_GIT_CACHE_DIR" is a mesh setting, not a token/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusterResources: Namespace\n', /^R:4: app "shop" clusterResources must be a list of \{group, kind\}$/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusterResources:\n      - Namespace\n', /^R:5: app "shop" clusterResources entries must be mappings \{group, kind\}/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusterResources:\n      - {kind: Namespace}\n', /^R:5: app "shop" clusterResources entry needs group: an API group \("" for the core group/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusterResources:\n      - {group: "", kind: namespace}\n', /^R:5: app "shop" clusterResources entry needs kind: a kind such as Namespace/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusterResources:\n      - {group: "", kind: Namespace, verbs: [get]}\n', /^R:5: app "shop" clusterResources entry has unknown key "verbs"/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusterResources:\n      - {group: "", kind: Namespace}\n      - {group: admissionregistration.k8s.io, kind: MutatingWebhookConfiguration}\n', /^R:6: app "shop" clusterResources lists admissionregistration.k8s.io\/MutatingWebhookConfiguration, which no app may apply/],
    ['apps:\n  shop:\n    repository: https://h/x.git\n    clusterRoles: [View]\n', /^R:4: app "shop" clusterRoles must be a list of names/],
  ])('refuses %j with file and line', (text, expected) => {
    expect(() => parseRegistry(text, 'R')).toThrow(expected);
  });
});

describe('mesh apps (CLI)', () => {
  it('lists the registry: the built-in guestbook, Git apps with repository, path and ref, the clusters', async () => {
    const { runCli } = await import('../support/run-cli');
    const { code, stdout } = await runCli(['apps'], { env: { MESH_APPS_FILE: 'infra/apps.example.yaml' }, cwd: process.cwd() });
    expect(code).toBe(0);
    expect(stdout).toContain('2 app(s) from infra/apps.example.yaml');
    expect(stdout).toMatch(/ {2}guestbook +built-in\n/);
    expect(stdout).toMatch(/ {2}shop +https:\/\/git\.example\.com\/team\/shop\.git deploy\/k8s\/ @ main {2}\(clusters staging, prod; namespaces shop, shop-\*; cluster-scoped Namespace; binds ClusterRoles view\)\n/);
    expect(stdout).toContain('cluster staging (default): context staging-admin in ~/.kube/staging.yaml');
    const broken = await runCli(['apps'], { env: { MESH_APPS: 'apps: [' }, cwd: process.cwd() });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^mesh apps: MESH_APPS:1: invalid YAML/);
  });
});
