// The policy's clusters, apps and protections from the door to the job: what the front door cannot know (the
// registry's default cluster, the app a reference resolves to) travels with the job and is checked there —
// before any cluster is asked, so every refusal below changes nothing (the tests have no cluster at all).
import { startConsole } from '../../src/console/session';
import { handleButton, type FrontDoorDeps } from '../../src/slack/frontdoor';
import { parsePolicy } from '../../src/slack/policy-file';
import { RESTART_ACTION } from '../../src/slack/actions';
import type { Job } from '../../src/jobs/job';
import { stepJob } from '../../src/jobs/step';
import { slackReporter } from '../../src/slack/reporter';
import { slackApi } from '../../src/slack/webapi';
import { startSlackStandin, type StandinEvent } from '../../src/slack/standin';

jest.setTimeout(60_000);

const REGISTRY = 'defaultCluster: one\nclusters:\n  one: {context: a}\n  two: {context: b}\n';
const noCluster = () => Promise.reject(new Error('no cluster in this test'));

/** Console lines as U0CONSOLE in C0CONSOLE under `policy`; every reply and message as text. */
async function run(policyYaml: string, env: NodeJS.ProcessEnv, lines: string[]): Promise<string> {
  const session = await startConsole({ env: { MESH_CLUSTER_NAME: 'must-not-start', ...env }, policy: parsePolicy(policyYaml, 'policy.yaml'), kube: noCluster });
  const seen: string[] = [];
  session.standin.events.on('event', (event: StandinEvent) => {
    if (event.type === 'file') return;
    seen.push('message' in event ? event.message.text : event.text);
  });
  for (const line of lines) seen.push((await session.send(line)).text);
  await session.runner.idle();
  await session.close();
  return seen.join('\n');
}

const grant = (extra: string) => `rules:\n  - {name: shop team, users: [U0CONSOLE], permissions: ["*"], namespaces: ["shop-*"]${extra}}\n`;

describe('policy rules match cluster and app, checked by the job', () => {
  it('a grant for shop-* does not also allow --cluster two: the rule covers the default cluster only', async () => {
    const text = await run(grant(''), { MESH_APPS: REGISTRY }, ['/mesh deploy guestbook -n shop-x --cluster two']);
    expect(text).toContain('Denied: no policy rule grants `deploy guestbook -n shop-x --cluster two` for app guestbook on cluster two ("shop team" covers the default cluster only); nothing was changed');
    expect(text).not.toContain('no cluster in this test');
  });

  it('naming the cluster in the rule grants it', async () => {
    const text = await run(grant(', clusters: [two]'), { MESH_APPS: REGISTRY }, ['/mesh deploy guestbook -n shop-x --cluster two', '/mesh deploy guestbook -n shop-x']);
    // Granted on two, so the job went on to start a rollout there (whose cluster this test does not have)…
    expect(text).toContain('Rollout of guestbook to shop-x on cluster two: queued');
    expect(text).not.toContain('--cluster two` for app');
    // …and only there: naming no cluster means the default, one.
    expect(text).toContain('Denied: no policy rule grants `deploy guestbook -n shop-x` for app guestbook on cluster one ("shop team" covers clusters two)');
  });

  it('a rule naming apps does not cover another app, resolved by the job', async () => {
    const text = await run(grant(', apps: [shop]'), {}, ['/mesh deploy guestbook -n shop-x']);
    expect(text).toContain('for app guestbook on the door\'s own cluster ("shop team" covers the default cluster only and apps shop)');
  });
});

describe('protected namespaces fail closed and cover every change', () => {
  const protectedProd = (extra = '') =>
    `${grant('').replace('["shop-*"]', '["*"]')}protected:\n  - {name: production, namespaces: ["prod-*"], clusters: [prod], approvers: {users: [U0BOB]}${extra}}\n`;

  it('an entry naming clusters refuses a deploy on a cluster with no registry name (it used to deploy unapproved)', async () => {
    const text = await run(protectedProd(), {}, ['/mesh deploy guestbook -n prod-x']);
    expect(text).toContain('Denied: protected entry "production" names clusters prod, and this cluster has no name in the app registry, so mesh cannot tell whether it is protected; nothing was changed');
    expect(text).not.toContain('no cluster in this test');
  });

  it('autoinject enable and disable are refused in a protected namespace; status is not', async () => {
    const policy = protectedProd().replace('clusters: [prod], ', '');
    const text = await run(policy, {}, ['/mesh autoinject enable prod-x', '/mesh autoinject disable prod-y', '/mesh autoinject status prod-z']);
    expect(text).toMatch(/Denied: namespace prod-x is protected by "production" \(two-person rule\)/);
    expect(text).toMatch(/Denied: namespace prod-y is protected by "production"/);
    // status is read-only: it went on to the (absent) cluster.
    expect(text).toMatch(/no cluster in this test/);
  });

  it('the Restart button is refused in a protected namespace', async () => {
    const policy = parsePolicy(protectedProd().replace('clusters: [prod], ', ''), 'policy.yaml');
    let job: Job | undefined;
    const deps: FrontDoorDeps = {
      policy: () => policy,
      dispatcher: async () => ({ start: async (j) => ((job = j), { jobId: j.id, alreadyStarted: false }) }),
      audit: () => undefined,
      now: Date.now,
    };
    await handleButton({ actionId: RESTART_ACTION, value: 'prod-x' }, { user: 'U0CONSOLE', channel: 'C0CONSOLE' }, deps);
    expect(job?.protections).toEqual([{ rule: 'production', clusters: [], apps: [], approvals: 1, validForMs: 3_600_000 }]);
    const standin = await startSlackStandin();
    try {
      const events: StandinEvent[] = [];
      standin.events.on('event', (e: StandinEvent) => events.push(e));
      const reporter = slackReporter(slackApi({ token: 't', baseUrl: standin.apiUrl, totalTimeoutMs: 1000 }));
      const state = await stepJob({ job: { ...job!, responseUrl: standin.responseUrl('C0CONSOLE') } }, { reporter, kube: noCluster, now: Date.now });
      expect(state.outcome).toBe('failed');
      expect(JSON.stringify(events)).toMatch(/Denied: namespace prod-x is protected by \\"production\\"/);
    } finally {
      await standin.close();
    }
  });
});
