// Traffic shifts from chat on the local cluster with real Istio (istiod 1.31 validating every VirtualService and
// DestinationRule through its webhook, istioctl analyze judging the namespace): upstream helloworld (v1, v2) from
// the loopback Git server, `/mesh shift helloworld v2=20` through the console's signed handler and job runner,
// the plan, the history, rollback to the previous weights, the approval in a protected namespace, and each
// refusal — unknown subset, weights not adding up to 100, a Service without versions, another owner's
// VirtualService for the host — as one line that changes nothing. mesh runs as the bot's identity (the RBAC
// `mesh rbac generate` prints for the registry and the two test namespaces, a ServiceAccount token): its RBAC is
// what the shifts need.
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRegistry } from '../../src/apps';
import { startConsole, type ConsoleSession, type SendAs } from '../../src/console/session';
import { deleteObject, getObject, serverSideApply } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { readHistory } from '../../src/rollout/record';
import { parsePolicy } from '../../src/slack/policy-file';
import { blocksToText } from '../../src/slack/render/text';
import type { StandinEvent, StandinMessage } from '../../src/slack/standin';
import { startGitServer, type GitServer } from '../support/git-server';
import { runCli } from '../support/run-cli';
import { runIstioctl } from '../support/real-istio';
import { meshBot, type MeshBot } from './rbac-identity';
import { createTestNamespace, deleteTestNamespace, istioKubeConfig, istioKubeconfigPath } from './setup/cluster';

jest.setTimeout(180_000);

const TOKEN = 'traffic-git-token';
const REQUESTER = 'U0CONSOLE';
const APPROVER = 'U0BOB';
const SHARED_APPS = path.resolve(__dirname, '../../../shared/apps');
const cacheDir = path.join(os.tmpdir(), `mesh-traffic-git-${process.pid}`);
const NETWORKING = 'networking.istio.io/v1';

const policy = parsePolicy(
  `
rules:
  - name: the team
    users: [${REQUESTER}, ${APPROVER}]
    permissions: ["*"]
    namespaces: ["*"]
protected:
  - name: production needs a second person
    namespaces: ["ts-prod-*"]
    approvers: {users: [${APPROVER}]}
    validFor: 1h
`,
  'test-policy.yaml',
);

let server: GitServer;
let session: ConsoleSession;
let bot: MeshBot;
let botNamespace: string;
let shiftNamespace: string;
let prodNamespace: string;
const ephemerals: string[] = [];

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  const repository = server.createRepository('helloworld');
  repository.commit({ 'helloworld.yaml': readFileSync(path.join(SHARED_APPS, 'helloworld/helloworld.yaml'), 'utf8') }, 'helloworld as Istio ships it');
  botNamespace = await createTestNamespace('ts-bot', istioKubeConfig());
  // RBAC grants by name: the app may go anywhere ("*"), the bot is granted in the two namespaces the tests use.
  shiftNamespace = await createTestNamespace('ts-shift', istioKubeConfig());
  prodNamespace = await createTestNamespace('ts-prod', istioKubeConfig());
  const registry = `apps:\n  helloworld:\n    repository: ${repository.url}\n    ref: main\n    path: .\n    credentials: {env: MESH_GIT_HW_TOKEN}\n    namespaces: ["*"]\n`;
  const helloworld = readFileSync(path.join(SHARED_APPS, 'helloworld/helloworld.yaml'), 'utf8');
  // The bot's canary Leases are granted by Service name, from the app's manifests: the Services "plain" and
  // "theirs" a test below adds beside the app are counted as the app's.
  const extra = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports: [{port: 80}]\n`;
  bot = await meshBot(istioKubeConfig(), botNamespace, [shiftNamespace, prodNamespace], parseRegistry(registry, 'MESH_APPS'), {
    helloworld: { 'helloworld.yaml': helloworld, 'extra.yaml': `${extra('plain')}---\n${extra('theirs')}` },
  });
  session = await startConsole({
    env: { MESH_APPS: registry, MESH_GIT_HW_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir },
    kube: async () => bot.kc, policy, stageTimeoutMs: 60_000,
  });
  session.standin.events.on('event', (e: StandinEvent) => {
    if (e.type === 'ephemeral') ephemerals.push(blocksToText(e.blocks, e.text));
  });
}, 60_000);
afterAll(async () => {
  await session?.close();
  await server?.close();
  await bot?.cleanup();
  for (const name of [botNamespace, shiftNamespace, prodNamespace]) if (name) await deleteTestNamespace(name, istioKubeConfig());
  rmSync(cacheDir, { recursive: true, force: true });
});

const textOf = (m: StandinMessage) => blocksToText(m.blocks, m.text);
const parents = () => session.standin.messages.filter((m) => !m.threadTs);
const lastParent = () => textOf(parents().at(-1)!);
const lastError = () => ephemerals.filter((e) => e.startsWith(':x:')).at(-1);

async function run(line: string, as?: SendAs): Promise<void> {
  await session.send(line, as);
  await session.runner.idle();
}

const virtualService = (namespace: string, name = 'helloworld') => getObject<KubeObject & { spec: { http: { route: { destination: { subset: string }; weight: number }[] }[] } }>(istioKubeConfig(), { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name, namespace } });
const weights = async (namespace: string) => (await virtualService(namespace))?.spec.http[0]!.route.map((r) => `${r.destination.subset}=${r.weight}`).join(' ');

describe('/mesh shift on the cluster with real Istio', () => {
  const ns = { get name() { return shiftNamespace; } };

  it('plans, shifts v2 to 20% and 50% through objects istiod admits and istioctl analyze finds nothing in, records each shift, and rollback restores the previous weights', async () => {
    await run(`/mesh deploy helloworld -n ${ns.name}`);
    expect(parents().at(-1)!.text).toBe(`Rollout of helloworld to ${ns.name}: succeeded`);

    await run(`/mesh shift helloworld v2=20 -n ${ns.name} --plan`);
    expect(lastParent()).toContain(`:clipboard: Plan — Traffic shift of *helloworld* (helloworld) in \`${ns.name}\``);
    expect(lastParent()).toContain('*before*: no routing by mesh (the Service spreads requests over all its pods)\n*after*: v1 80%, v2 20%');
    expect(await virtualService(ns.name)).toBeUndefined();

    await run(`/mesh shift helloworld v2=20 -n ${ns.name}`);
    expect(lastParent()).toContain(`:twisted_rightwards_arrows: Traffic of *helloworld* in \`${ns.name}\`: no routing by mesh (the Service spreads requests over all its pods) → *v1 80%, v2 20%*`);
    expect(await weights(ns.name)).toBe('v1=80 v2=20');
    const rule = await getObject<KubeObject & { spec: unknown }>(istioKubeConfig(), { apiVersion: NETWORKING, kind: 'DestinationRule', metadata: { name: 'helloworld', namespace: ns.name } });
    expect(rule?.spec).toEqual({ host: `helloworld.${ns.name}.svc.cluster.local`, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
    expect(rule?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('mesh');

    await run(`/mesh shift helloworld v2=50 -n ${ns.name}`);
    expect(await weights(ns.name)).toBe('v1=50 v2=50');
    const history = await readHistory(istioKubeConfig(), ns.name, 'helloworld');
    expect(history.map((r) => r.traffic ? `#${r.revision} shift ${r.traffic.after!.map((x) => x.weight).join('/')}` : `#${r.revision} deploy`)).toEqual(['#3 shift 50/50', '#2 shift 80/20', '#1 deploy']);

    await run(`/mesh history helloworld -n ${ns.name}`);
    expect(ephemerals.at(-1)).toContain('traffic helloworld: v1 80%, v2 20% → v1 50%, v2 50%');

    await run(`/mesh rollback helloworld -n ${ns.name}`);
    expect(lastParent()).toContain('restored (revision 3 undone): v1 50%, v2 50% → *v1 80%, v2 20%*');
    expect(await weights(ns.name)).toBe('v1=80 v2=20');

    const analyze = () => runIstioctl(['analyze', '-n', ns.name, '--kubeconfig', istioKubeconfigPath()], {});
    const analyzed = await analyze();
    expect(`${analyzed.stdout}${analyzed.stderr}`).toContain(`(Namespace ${ns.name})`);
    expect(`${analyzed.stdout}${analyzed.stderr}`).not.toMatch(/^(Error|Warning|Warn) \[/m);
    expect(analyzed.code).toBe(0);
    // The control: the same analysis reports a route to a subset mesh's DestinationRule does not define.
    const control: KubeObject = { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name: 'analyze-control', namespace: ns.name }, spec: { hosts: ['control.example.com'], http: [{ route: [{ destination: { host: 'helloworld', subset: 'v9' } }] }] } };
    await serverSideApply(istioKubeConfig(), control);
    expect((await analyze()).stdout).toMatch(/^Error \[IST0101\] \(VirtualService [^)]*\/analyze-control\) Referenced host\+subset in destinationrule not found: "helloworld\+v9"/m);
    await deleteObject(istioKubeConfig(), control);
  });

  it('refuses an unknown subset, weights not adding up to 100, a Service without versions and another owner\'s VirtualService, in one line each, changing nothing', async () => {
    const kc = istioKubeConfig();
    const before = await weights(ns.name);
    await run(`/mesh shift helloworld v3=20 -n ${ns.name}`);
    expect(lastError()).toBe(":x: there is no subset v3: the workloads' version labels give v1, v2");
    await run(`/mesh shift helloworld v1=50 v2=20 -n ${ns.name}`);
    expect(lastError()).toBe(':x: the weights v1=50 v2=20 add up to 70, not 100');
    expect(await weights(ns.name)).toBe(before);

    const service = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns.name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }] } });
    const deployment = (name: string, labels: Record<string, string>): KubeObject => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${name}-${labels.version ?? 'only'}`, namespace: ns.name },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: 'nginx:1.27' }] } } },
    });
    await serverSideApply(kc, service('plain'));
    await serverSideApply(kc, deployment('plain', { app: 'plain' }));
    await run(`/mesh shift plain v2=20 -n ${ns.name}`);
    expect(lastError()).toBe(':x: Service plain has no versions to route between: its workloads (plain-only) have no "version" label');

    await serverSideApply(kc, service('theirs'));
    await serverSideApply(kc, deployment('theirs', { app: 'theirs', version: 'v1' }));
    await serverSideApply(kc, deployment('theirs', { app: 'theirs', version: 'v2' }));
    const route = (subset: string) => ({ destination: { host: 'theirs', subset } });
    await serverSideApply(kc, { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name: 'theirs-routes', namespace: ns.name }, spec: { hosts: ['theirs'], http: [{ route: [route('v1')] }] } }, { fieldManager: 'someone-else' });
    await run(`/mesh shift theirs v2=20 -n ${ns.name}`);
    expect(lastError()).toBe(`:x: VirtualService theirs-routes in ${ns.name} already routes theirs and is not mesh's: nothing changed (remove it or shift traffic there)`);
    expect((await virtualService(ns.name, 'theirs-routes'))?.spec.http[0]!.route).toEqual([route('v1')]);
    expect(await virtualService(ns.name, 'theirs')).toBeUndefined();
    expect(await weights(ns.name)).toBe(before);
  });

  it('mesh shift and mesh rollback from a terminal: the plan, the shift, the previous weights back; bad weights in one line', async () => {
    const cli = (...args: string[]) => runCli([...args, '-n', ns.name, '--kubeconfig', istioKubeconfigPath()], { env: { HOME: os.homedir() }, cwd: process.cwd() });
    const before = await weights(ns.name);
    const planned = await cli('shift', 'helloworld', 'v2=30', '--plan');
    expect(planned.stdout).toMatch(new RegExp(`^traffic of helloworld in ${ns.name} \\(plan [0-9a-f]{12}\\)\n  before: v1 80%, v2 20%\n  after:  v1 70%, v2 30%\nnothing was changed\n$`));
    expect(await weights(ns.name)).toBe(before);
    const shifted = await cli('shift', 'helloworld', 'v2=30');
    expect(shifted.code).toBe(0);
    expect(shifted.stdout).toContain(`shifted: revision `);
    expect(await weights(ns.name)).toBe('v1=70 v2=30');
    const back = await cli('rollback', 'helloworld');
    expect(back.stdout).toContain("rollback of helloworld's traffic shift");
    expect(await weights(ns.name)).toBe(before);
    const bad = await cli('shift', 'helloworld', 'v2=30', 'v1=30');
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: 'mesh shift: the weights v2=30 v1=30 add up to 60, not 100\n' });
    expect(await weights(ns.name)).toBe(before);
  });

  it('istiod validates the routing objects: istiod-default-validator is registered (mesh cluster up adds it, as istioctl install does) and refuses an invalid VirtualService without a revision label', async () => {
    const kc = istioKubeConfig();
    const validator = await getObject<KubeObject & { webhooks: { rules: { apiGroups: string[] }[] }[] }>(kc, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'istiod-default-validator' } });
    expect(validator?.webhooks.flatMap((w) => w.rules.flatMap((r) => r.apiGroups))).toEqual(expect.arrayContaining(['networking.istio.io']));
    const bad: KubeObject = {
      apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name: 'bad-weights', namespace: ns.name },
      spec: { hosts: ['helloworld'], http: [{ route: [{ destination: { host: 'helloworld', subset: 'v1' }, weight: -10 }, { destination: { host: 'helloworld', subset: 'v2' }, weight: 110 }] }] },
    };
    await expect(serverSideApply(kc, bad, { dryRun: true })).rejects.toThrow(/admission webhook "validation\.istio\.io" denied the request: .*weight -10 < 0/s);
  });
});

describe('/mesh shift in a protected namespace', () => {
  const ns = { get name() { return prodNamespace; } };

  it('posts the plan for approval; a second person approves and the shift is made and recorded with the approver', async () => {
    await run(`/mesh deploy helloworld -n ${ns.name}`, { user: REQUESTER });
    // The deploy itself needed an approval in this namespace.
    await run('click Approve', { user: APPROVER });
    expect(parents().at(-1)!.text).toBe(`Rollout of helloworld to ${ns.name}: succeeded`);

    await run(`/mesh shift helloworld v2=10 -n ${ns.name}`);
    const plan = parents().at(-1)!;
    expect(textOf(plan)).toContain(':hourglass_flowing_sand: *Waiting for approval*');
    expect(textOf(plan)).toContain('*after*: v1 90%, v2 10%');
    expect(await virtualService(ns.name)).toBeUndefined();

    await run('click Approve', { user: APPROVER });
    expect(await weights(ns.name)).toBe('v1=90 v2=10');
    const thread = session.standin.messages.filter((m) => m.threadTs === plan.ts).map(textOf).join('\n');
    expect(thread).toContain(`:twisted_rightwards_arrows: Traffic of *helloworld* in \`${ns.name}\``);
    expect(thread).toMatch(/<@U0BOB> approved \(1\/1\); the traffic shift of plan `[0-9a-f]{12}` is made now/);
    const [latest] = await readHistory(istioKubeConfig(), ns.name, 'helloworld');
    expect(latest).toMatchObject({ traffic: { service: 'helloworld' }, approvedBy: [APPROVER], by: `Slack user ${REQUESTER}` });
  });
});
