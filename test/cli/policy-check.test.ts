// `mesh policy check`: the policy read with the app registry.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { globContains, globsOverlap } from '../../src/cli/policy-check';
import { runCli } from '../support/run-cli';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-policy-check-'));
const file = (name: string, text: string) => {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
};
const check = (policy: string, apps: string) => runCli(['policy', 'check', '--policy', file('policy.yaml', policy), '--apps', file('apps.yaml', apps)], { env: {}, cwd: dir });

const REGISTRY = `defaultCluster: staging
clusters:
  staging: {context: s}
  prod: {context: p}
apps:
  shop:
    repository: https://git.example/shop.git
    namespaces: [shop, "shop-*"]
    clusters: [staging]
`;

describe('mesh policy check', () => {
  it('reads the shipped examples together: only the platform rule, wider than the registry on purpose, is reported', async () => {
    const { code, stdout } = await runCli(['policy', 'check', '--policy', 'infra/policy.example.yaml', '--apps', 'infra/apps.example.yaml'], { env: {}, cwd: process.cwd() });
    expect(stdout).toMatch(/^infra\/policy.example.yaml:\d+: rule "platform team deploys anywhere": grants status, inject, plan, history, inject-apply, deploy, rollback on namespaces "\*", more than its apps may go to \(shop: namespaces shop, shop-\*; clusters staging, prod\)\n1 finding\(s\) in infra\/policy.example.yaml against infra\/apps.example.yaml\n$/);
    expect(code).toBe(1);
    const withoutIt = await runCli(['policy', 'check', '--apps', 'infra/apps.example.yaml'], { env: { MESH_POLICY: 'rules:\n  - {channels: [C0SHOPOPS], permissions: [deploy], namespaces: ["shop-*"]}\n' }, cwd: process.cwd() });
    expect(withoutIt.stdout).toBe('MESH_POLICY: 1 rule(s) and 0 protected entr(y/ies) checked against infra/apps.example.yaml: no findings\n');
    expect(withoutIt.code).toBe(0);
  });

  it('reports rules that can never match and rules that grant more than the registry allows, with file and line; exit 1', async () => {
    const policy = [
      'rules:',
      '  - {name: ok, users: [U0A], permissions: [deploy], namespaces: ["shop-*"], apps: [shop]}',
      '  - {name: wide, users: [U0A], permissions: [deploy], namespaces: ["*"], apps: [shop]}',
      '  - {name: prod too, users: [U0A], permissions: [deploy], namespaces: [shop], apps: [shop], clusters: [staging, prod]}',
      '  - {name: typo, users: [U0A], permissions: [deploy], namespaces: [shop], clusters: [staging, prd], apps: [shoop]}',
      '  - {name: nowhere, users: [U0A], permissions: [deploy], namespaces: [blog], apps: [shop]}',
      '  - {name: toggles, users: [U0A], permissions: [autoinject], namespaces: [shop], apps: [shop]}',
      'protected:',
      '  - {namespaces: [shop], clusters: [production], approvers: {users: [U0B]}}',
      '',
    ].join('\n');
    const { code, stdout } = await check(policy, REGISTRY);
    const p = path.join(dir, 'policy.yaml');
    const a = path.join(dir, 'apps.yaml');
    expect(stdout.split('\n')).toEqual([
      `${p}:3: rule "wide": grants deploy on namespaces "*", more than its apps may go to (shop: namespaces shop, shop-*; clusters staging)`,
      `${p}:4: rule "prod too": grants deploy on cluster "prod", where none of its apps may go (shop: namespaces shop, shop-*; clusters staging)`,
      `${p}:5: rule "typo": names cluster "prd", which ${a} does not register, so it never matches there`,
      `${p}:5: rule "typo": names app "shoop", which ${a} does not register, so it never matches it`,
      `${p}:5: rule "typo": deploy can never match: no app it covers may go to namespaces shop on staging, prd (no registered app)`,
      `${p}:6: rule "nowhere": deploy can never match: no app it covers may go to namespaces blog on staging (shop: namespaces shop, shop-*; clusters staging)`,
      `${p}:7: rule "toggles": grants only autoinject, which act on a whole namespace, while naming apps: it never matches`,
      `${p}:9: protected entry "protected entry 1": names cluster "production", which ${a} does not register (on a cluster without a registry name it refuses every change to its namespaces)`,
      `8 finding(s) in ${p} against ${a}`,
      '',
    ]);
    expect(code).toBe(1);
  });

  it('a rule without clusters covers the default cluster only, so an app kept off it is never reached', async () => {
    const { stdout } = await check('rules:\n  - {name: r, users: [U0A], permissions: [deploy], namespaces: [shop], apps: [shop]}\n', REGISTRY.replace('clusters: [staging]', 'clusters: [prod]'));
    expect(stdout).toContain('rule "r": deploy can never match: no app it covers may go to namespaces shop on staging (shop: namespaces shop, shop-*; clusters prod)');
  });

  it('bad input is one line naming file and line, exit 1', async () => {
    const broken = await check('rules:\n  - {users: [U0A], permissions: [deploy], namespaces: [a], clusters: [Prod]}\n', REGISTRY);
    expect(broken.stderr).toBe(`mesh policy: ${path.join(dir, 'policy.yaml')}:2: rule 1 clusters has "Prod", expected a registered cluster name or "*"\n`);
    expect(broken.code).toBe(1);
    const badApps = await check('rules: []\n', 'apps:\n  shop:\n    repository: https://h/x.git\n    clusterResources: [Namespace]\n');
    expect(badApps.stderr).toMatch(/^mesh policy: .*apps\.yaml:4: app "shop" clusterResources entries must be mappings/);
    expect((await runCli(['policy', 'lint'], { env: {}, cwd: dir })).stderr).toBe('mesh policy: usage: mesh policy check [--policy <file>] [--apps <file>]\n');
    expect((await runCli(['policy', 'check'], { env: {}, cwd: dir })).stderr).toMatch(/^mesh policy: no policy to check: give --policy <file>/);
  });

  it('compares namespace patterns', () => {
    expect(globsOverlap('shop-*', '*-eu')).toBe(true);
    expect(globsOverlap('shop-*', 'blog')).toBe(false);
    expect(globContains('shop-*', 'shop-eu-*')).toBe(true);
    expect(globContains('shop-*', '*')).toBe(false);
    expect(globContains('*', 'shop')).toBe(true);
  });
});
