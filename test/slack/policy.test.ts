import { readFileSync } from 'node:fs';
import path from 'node:path';
import { authorize, consolePolicy, DEFAULT_POLICY, type Requester } from '../../src/slack/policy';
import { grantRefusal } from '../../src/jobs/job';
import { parsePolicy } from '../../src/slack/policy-file';
import { auditLine } from '../../src/slack/audit';
import type { Permission } from '../../src/command/permissions';

const example = parsePolicy(readFileSync(path.join(__dirname, '../../infra/policy.example.yaml'), 'utf8'), 'infra/policy.example.yaml');

const platform: Requester = { userId: 'U0ALICE', channelId: 'C0RANDOM', userGroups: ['S0PLATFORM'] };
const shopChannel: Requester = { userId: 'U0BOB', channelId: 'C0SHOPOPS' };
const onCall: Requester = { userId: 'U0ONCALL1', channelId: 'C0RANDOM' };
const stranger: Requester = { userId: 'U0EVE', channelId: 'C0RANDOM' };

describe('authorization policy', () => {
  it.each<[string, Requester, Permission, string | undefined, boolean]>([
    ['help is open', stranger, 'help', undefined, true],
    ['status is open', stranger, 'status', 'prod', true],
    ['inject preview is open', stranger, 'inject', 'prod', true],
    ['autoinject status is open', stranger, 'autoinject-status', 'prod', true],
    ['deploy is denied by default', stranger, 'deploy', 'shop', false],
    ['inject --apply is denied by default', stranger, 'inject-apply', 'shop', false],
    ['cancel is denied by default', stranger, 'cancel', 'shop', false],
    ['autoinject is denied by default', stranger, 'autoinject', 'shop', false],
    ['restart is denied by default', stranger, 'restart', 'shop', false],
    ['user group grants everything', platform, 'deploy', 'prod', true],
    ['user group grants cancel of an unknown namespace', platform, 'cancel', undefined, true],
    ['channel grants deploy in its namespaces', shopChannel, 'deploy', 'shop', true],
    ['channel grants by glob', shopChannel, 'deploy', 'shop-eu', true],
    ['channel does not grant other namespaces', shopChannel, 'deploy', 'prod', false],
    ['channel does not grant autoinject', shopChannel, 'autoinject', 'shop', false],
    ['channel rule does not cover unknown namespace', shopChannel, 'cancel', undefined, false],
    ['the same user elsewhere is not the channel', { ...shopChannel, channelId: 'C0OTHER' }, 'deploy', 'shop', false],
    ['user grants autoinject', onCall, 'autoinject', 'prod', true],
    ['user rule does not grant deploy', onCall, 'deploy', 'prod', false],
    ['unresolved groups grant nothing', { userId: 'U0ALICE', channelId: 'C0RANDOM' }, 'deploy', 'prod', false],
  ])('%s', (_label, who, permission, namespace, allowed) => {
    expect(authorize(example, who, permission, namespace).allowed).toBe(allowed);
  });

  it('says which permission is missing', () => {
    const decision = authorize(DEFAULT_POLICY, stranger, 'deploy', 'shop');
    expect(decision).toMatchObject({ allowed: false, missing: 'deploy on namespace "shop"' });
    if (!decision.allowed) expect(decision.message).toMatch(/need the "deploy" permission on namespace "shop".*<@U0EVE>/);
  });

  describe('clusters and apps', () => {
    const grants = parsePolicy(
      [
        'rules:',
        '  - {name: shop team, users: [U0BOB], permissions: ["*"], namespaces: ["shop-*"]}',
        '  - {name: shop on staging, users: [U0CAROL], permissions: [deploy], namespaces: ["shop-*"], clusters: [staging]}',
        '  - {name: shop app only, users: [U0DAN], permissions: [deploy, autoinject], namespaces: ["*"], apps: [shop]}',
        '  - {name: anywhere, users: [U0ERIN], permissions: [deploy], namespaces: ["*"], clusters: ["*"]}',
      ].join('\n'),
      'p.yaml',
    );
    const as = (userId: string): Requester => ({ userId, channelId: 'C0X' });

    it('a grant for shop-* without clusters does not allow --cluster prod: it covers the default cluster only', () => {
      // The front door does not know the registry's default cluster; the rule travels with the job, which does.
      const decision = authorize(grants, as('U0BOB'), 'deploy', 'shop-x', { cluster: 'prod' });
      expect(decision).toMatchObject({ allowed: true, grants: [{ rule: 'shop team', clusters: [], apps: [] }] });
      const job = { text: 'deploy shop -n shop-x --cluster prod', grants: decision.allowed ? decision.grants : [] };
      expect(grantRefusal(job, 'prod', 'staging', 'shop')).toBe(
        'Denied: no policy rule grants `deploy shop -n shop-x --cluster prod` for app shop on cluster prod ("shop team" covers the default cluster only); nothing was changed',
      );
      expect(grantRefusal(job, 'staging', 'staging', 'shop')).toBeUndefined();
      // No registry clusters: the door's own cluster is the default one.
      expect(grantRefusal(job, undefined, undefined, 'shop')).toBeUndefined();
    });

    it('a rule naming clusters grants those only; "*" grants every cluster', () => {
      expect(authorize(grants, as('U0CAROL'), 'deploy', 'shop-x', { cluster: 'prod' })).toMatchObject({ allowed: false, missing: 'deploy on namespace "shop-x" on cluster "prod"' });
      const decision = authorize(grants, as('U0CAROL'), 'deploy', 'shop-x');
      // Naming no cluster, on a registry whose default is prod: not staging, so refused by the job.
      expect(grantRefusal({ text: 'deploy shop -n shop-x', grants: decision.allowed ? decision.grants : [] }, 'prod', 'prod', 'shop')).toMatch(/"shop on staging" covers clusters staging/);
      expect(authorize(grants, as('U0CAROL'), 'deploy', 'shop-x', { cluster: 'staging' }).allowed).toBe(true);
      expect(authorize(grants, as('U0ERIN'), 'deploy', 'kube-system', { cluster: 'prod' }).allowed).toBe(true);
    });

    it('a rule naming apps travels with the job (the job resolves the app) and grants nothing on a whole namespace', () => {
      const decision = authorize(grants, as('U0DAN'), 'deploy', 'blog');
      expect(decision).toMatchObject({ allowed: true, grants: [{ rule: 'shop app only', apps: ['shop'] }] });
      const job = { text: 'deploy blog -n blog', grants: decision.allowed ? decision.grants : [] };
      expect(grantRefusal(job, undefined, undefined, 'blog')).toMatch(/for app blog on the door's own cluster \("shop app only" covers the default cluster only and apps shop\)/);
      expect(grantRefusal(job, undefined, undefined, 'shop')).toBeUndefined();
      expect(authorize(grants, as('U0DAN'), 'autoinject', 'blog', { noApp: true }).allowed).toBe(false);
    });

    it.each([
      ['rules:\n  - users: [U1X]\n    permissions: [deploy]\n    namespaces: [a]\n    clusters: [Prod]\n', /^p\.yaml:5: rule 1 clusters has "Prod", expected a registered cluster name or "\*"$/],
      ['rules:\n  - users: [U1X]\n    permissions: [deploy]\n    namespaces: [a]\n    apps: shop\n', /^p\.yaml:5: rule 1 apps must be a list of strings$/],
    ])('rejects a bad entry with file and line: %j', (text, pattern) => {
      expect(() => parsePolicy(text, 'p.yaml')).toThrow(pattern);
    });
  });

  it('restricted read-only needs a rule', () => {
    const restricted = parsePolicy('readOnly: restricted\nrules: []\n', 'p.yaml');
    expect(authorize(restricted, stranger, 'status', 'shop').allowed).toBe(false);
    expect(authorize(restricted, stranger, 'help', undefined).allowed).toBe(true);
  });

  it('the console policy grants the console user everything', () => {
    expect(authorize(consolePolicy('U0CONSOLE'), { userId: 'U0CONSOLE', channelId: 'C1' }, 'deploy', 'x').allowed).toBe(true);
  });

  it.each([
    ['readOnly: maybe\n', /^p\.yaml:1: readOnly must be "open" or "restricted"$/],
    ['rules:\n  - users: [U1X]\n    permissions: [deploy]\n    namespaces: ["*"]\n  - permissions: [deploy]\n    namespaces: [a]\n', /^p\.yaml:5: rule 2 names no users, userGroups or channels/],
    ['rules:\n  - users: [U1X]\n    permissions: [deploi]\n    namespaces: [a]\n', /^p\.yaml:3: rule 1 permissions has "deploi"/],
    ['rules:\n  - users: [alice]\n    permissions: [deploy]\n    namespaces: [a]\n', /^p\.yaml:2: .*Slack user id/],
    ['rules:\n  - users: [U1X]\n    permisions: [deploy]\n', /^p\.yaml:3: rule 1 has unknown key "permisions"/],
    ['rule: []\n', /^p\.yaml:1: unknown policy key "rule"/],
    ['rules: [\n', /^p\.yaml:\d+: invalid YAML/],
  ])('rejects a bad policy with file and line: %j', (text, pattern) => {
    expect(() => parsePolicy(text, 'p.yaml')).toThrow(pattern);
  });

  it('writes one JSON audit line', () => {
    const line = auditLine(
      { user: 'U1', channel: 'C1', source: 'command', command: 'deploy guestbook', permission: 'deploy', namespace: 'shop', decision: 'deny', outcome: 'denied', durationMs: 3 },
      new Date('2026-11-24T20:00:00Z'),
    );
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      type: 'mesh.audit', time: '2026-11-24T20:00:00.000Z', user: 'U1', channel: 'C1', source: 'command', command: 'deploy guestbook',
      permission: 'deploy', namespace: 'shop', decision: 'deny', outcome: 'denied', durationMs: 3,
    });
  });
});
