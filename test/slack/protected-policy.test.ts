// The policy's protected namespaces (two-person rule): parsing with file:line errors, matching by namespace
// glob and cluster, and who counts as an approver.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { protectionFor } from '../../src/jobs/job';
import { isApprover, protectionsOf } from '../../src/slack/policy';
import { parsePolicy, parseValidity } from '../../src/slack/policy-file';

const example = parsePolicy(readFileSync(path.join(__dirname, '../../infra/policy.example.yaml'), 'utf8'), 'infra/policy.example.yaml');

const policy = (protectedYaml: string) => parsePolicy(`rules: []\nprotected:\n${protectedYaml}`, 'policy.yaml');

describe('protected namespaces in the policy', () => {
  it('reads the example: namespaces by glob, limited to cluster prod, approvers, count and validity', () => {
    const [rule] = example.protected!;
    expect(rule).toEqual({
      name: 'production needs a second person', namespaces: ['prod', 'prod-*'], clusters: ['prod'], apps: [],
      approvers: { users: ['U0ONCALL1'], userGroups: ['S0PLATFORM'] }, approvals: 1, validForMs: 30 * 60_000, line: expect.any(Number),
    });
    expect(protectionsOf(example, 'prod-eu')).toHaveLength(1);
    expect(protectionsOf(example, 'shop')).toHaveLength(0);
    expect(protectionFor(protectionsOf(example, 'prod'), 'prod', 'shop')).toEqual({ kind: 'protected', rule });
    expect(protectionFor(protectionsOf(example, 'prod'), 'staging', 'shop')).toEqual({ kind: 'none' });
  });

  it('fails closed: an entry naming clusters cannot tell whether a cluster without a registry name is one, so it refuses', () => {
    // The serverless.yml default: the worker's own EKS cluster, no registry clusters — this used to deploy unapproved.
    expect(protectionFor(protectionsOf(example, 'prod'), undefined, 'shop')).toEqual({
      kind: 'unknown',
      reason: 'protected entry "production needs a second person" names clusters prod, and this cluster has no name in the app registry, so mesh cannot tell whether it is protected',
    });
  });

  it('an entry naming no clusters protects the namespace on every cluster, the door own one included', () => {
    const p = policy('  - {namespaces: [live], approvers: {users: [U0BOB]}}\n');
    expect(protectionFor(protectionsOf(p, 'live'), undefined, 'shop')).toMatchObject({ kind: 'protected', rule: { approvals: 1, validForMs: 3_600_000 } });
    expect(protectionFor(protectionsOf(p, 'live'), 'any', 'shop').kind).toBe('protected');
  });

  it('an entry naming apps protects those apps, and every command on the whole namespace (autoinject, Restart)', () => {
    const p = policy('  - {namespaces: [live], apps: [shop], approvers: {users: [U0BOB]}}\n');
    expect(protectionFor(protectionsOf(p, 'live'), 'one', 'shop').kind).toBe('protected');
    expect(protectionFor(protectionsOf(p, 'live'), 'one', 'blog').kind).toBe('none');
    expect(protectionFor(protectionsOf(p, 'live'), 'one', undefined).kind).toBe('protected');
  });

  it('approvers are the listed users and members of the listed groups, nobody else', () => {
    const [rule] = example.protected!;
    expect(isApprover(rule!, { userId: 'U0ONCALL1' })).toBe(true);
    expect(isApprover(rule!, { userId: 'U0ALICE', userGroups: ['S0PLATFORM'] })).toBe(true);
    expect(isApprover(rule!, { userId: 'U0ALICE', userGroups: ['S0OTHER'] })).toBe(false);
    expect(isApprover(rule!, { userId: 'U0EVE' })).toBe(false);
  });

  it.each([
    ['  - {namespaces: [prod]}\n', 'policy.yaml:3: protected entry 1 needs approvers'],
    ['  - {namespaces: [prod], approvers: {users: []}}\n', 'names no approvers'],
    ['  - {approvers: {users: [U0BOB]}}\n', 'protected entry 1 lists no namespaces'],
    ['  - {namespaces: [prod], approvers: {users: [U0BOB]}, approvals: 2}\n', 'needs 2 approvals but names only 1 approver(s)'],
    ['  - {namespaces: [prod], approvers: {users: [U0BOB]}, approvals: 0}\n', 'approvals must be a whole number from 1 to 10'],
    ['  - {namespaces: [prod], approvers: {users: [U0BOB]}, validFor: soon}\n', 'validFor must be a duration such as 30m'],
    ['  - {namespaces: [prod], approvers: {users: [U0BOB]}, validFor: 8d}\n', 'at most 7d'],
    ['  - {namespaces: [prod], approvers: {users: [bob]}}\n', 'approvers.users has "bob", expected a Slack user id'],
    ['  - {namespaces: [prod], approvers: {people: [U0BOB]}}\n', 'approvers has unknown key "people"'],
    ['  - {namespaces: [Prod], approvers: {users: [U0BOB]}}\n', 'namespaces has "Prod"'],
    ['  - {namespaces: [prod], clusters: [Prod_1], approvers: {users: [U0BOB]}}\n', 'clusters has "Prod_1"'],
    ['  - {namespaces: [prod], approvers: {users: [U0BOB]}, who: me}\n', 'protected entry 1 has unknown key "who"'],
    ['  - {namespaces: [prod], apps: [Shop], approvers: {users: [U0BOB]}}\n', 'protected entry 1 apps has "Shop", expected an app name'],
    ['  prod\n', 'policy.yaml:3: protected must be a list'],
    ['  - prod\n', 'policy.yaml:3: protected entry 1 must be a mapping'],
  ])('refuses %j with one line naming the file and line', (yaml, message) => {
    let error: Error | undefined;
    try {
      policy(yaml);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message).toMatch(/^policy\.yaml:\d+: /);
    expect(error?.message).not.toContain('\n');
  });

  it('parses validity durations', () => {
    expect(parseValidity('90s')).toBe(90_000);
    expect(parseValidity('1h30m')).toBe(90 * 60_000);
    expect(parseValidity('1d')).toBe(86_400_000);
    expect(parseValidity('0m')).toBeUndefined();
    expect(parseValidity('5')).toBeUndefined();
  });
});
