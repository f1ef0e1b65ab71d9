// `/mesh canary` end to end: upstream helloworld (v1, v2) on the local cluster with real Istio, the console's
// signed handler and in-process job runner (the worker's step function, one bounded step per call), and gates
// judged by a real Prometheus (Debian's) scraping an exporter of Istio-shaped metrics per subset. A healthy v2
// reaches 100% step by step; an erroring one is rolled back at the step it failed; Cancel rolls back at once.
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startConsole, type ConsoleSession } from '../../src/console/session';
import { getObject } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { readHistory } from '../../src/rollout/record';
import { blocksToText } from '../../src/slack/render/text';
import type { StandinEvent, StandinMessage } from '../../src/slack/standin';
import { startGitServer, type GitServer } from '../support/git-server';
import { startIstioExporter, startPrometheus, type IstioExporter, type RunningPrometheus } from '../support/prometheus';
import { istioKubeConfig, waitUntil, withNamespace } from './setup/cluster';

jest.setTimeout(240_000);

const TOKEN = 'canary-git-token';
const SHARED_APPS = path.resolve(__dirname, '../../../shared/apps');
const cacheDir = path.join(os.tmpdir(), `mesh-canary-git-${process.pid}`);

let server: GitServer;
let exporter: IstioExporter;
let prometheus: RunningPrometheus;
let session: ConsoleSession;

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  const repository = server.createRepository('helloworld');
  repository.commit({ 'helloworld.yaml': readFileSync(path.join(SHARED_APPS, 'helloworld/helloworld.yaml'), 'utf8') }, 'helloworld as Istio ships it');
  exporter = await startIstioExporter();
  prometheus = await startPrometheus([exporter.url]);
  session = await startConsole({
    env: {
      MESH_APPS: `apps:\n  helloworld:\n    repository: ${repository.url}\n    ref: main\n    path: .\n    credentials: {env: MESH_GIT_HW_TOKEN}\n    namespaces: ["*"]\n    prometheus: ${prometheus.url}\n`,
      MESH_GIT_HW_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir,
    },
    kube: async () => istioKubeConfig(), stageTimeoutMs: 60_000,
  });
}, 90_000);
afterAll(async () => {
  await session?.close();
  await prometheus?.close();
  await exporter?.close();
  await server?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

const textOf = (m: StandinMessage) => blocksToText(m.blocks, m.text);
const canaryParent = () => session.standin.messages.filter((m) => !m.threadTs && /^Canary of /.test(m.text)).at(-1)!;
const threadOf = (parent: StandinMessage) => session.standin.messages.filter((m) => m.threadTs === parent.ts).map(textOf);
const weights = async (namespace: string) => {
  const vs = await getObject<KubeObject & { spec: { http: { route: { destination: { subset: string }; weight: number }[] }[] } }>(istioKubeConfig(), { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'helloworld', namespace } });
  return vs?.spec.http[0]!.route.map((r) => `${r.destination.subset}=${r.weight}`).join(' ');
};

async function deployed(namespace: string, v2: { errorRate: number }): Promise<void> {
  exporter.set(namespace, 'helloworld', 'v1', { rps: 20, errorRate: 0, latencyMs: 12 });
  exporter.set(namespace, 'helloworld', 'v2', { rps: 20, errorRate: v2.errorRate, latencyMs: 15 });
  await session.send(`/mesh deploy helloworld -n ${namespace}`);
  await session.runner.idle();
}

describe('/mesh canary', () => {
  const healthy = withNamespace('canary-ok', istioKubeConfig);
  const erroring = withNamespace('canary-bad', istioKubeConfig);
  const cancelled = withNamespace('canary-stop', istioKubeConfig);

  it('moves a healthy v2 to 100% step by step, one thread line per step, and records the outcome', async () => {
    await deployed(healthy.name, { errorRate: 0 });
    await session.send(`/mesh canary helloworld --to v2 --steps 50,100 --interval 10s -n ${healthy.name}`);
    await session.runner.idle();
    const parent = canaryParent();
    expect(textOf(parent)).toContain(`Canary of *helloworld* → *v2* in \`${healthy.name}\` — :white_check_mark: complete`);
    expect(textOf(parent)).toContain('*weights now*: v2 100%');
    expect(textOf(parent)).toContain(`gates: v2 ready, success rate and p99 latency from ${prometheus.url}`);
    const lines = threadOf(parent);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^:white_check_mark: step 1\/2 \(v2 50%\): gates passed — success rate 100\.0%, p99 \d+ ms over 10s$/);
    expect(lines[1]).toBe(':tada: step 2/2 (v2 100%): all traffic on v2');
    expect(await weights(healthy.name)).toBe('v2=100');
    const [latest] = await readHistory(istioKubeConfig(), healthy.name, 'helloworld');
    expect(latest!.traffic).toEqual({ service: 'helloworld', after: [{ subset: 'v1', weight: 0 }, { subset: 'v2', weight: 100 }] });
  });

  it('rolls an erroring v2 back at the step that failed, saying why, with all traffic on v1 at once', async () => {
    await deployed(erroring.name, { errorRate: 0.2 });
    await session.send(`/mesh canary helloworld --to v2 --steps 20,60,100 --interval 10s -n ${erroring.name}`);
    await session.runner.idle();
    const parent = canaryParent();
    expect(textOf(parent)).toContain(`Canary of *helloworld* → *v2* in \`${erroring.name}\` — :x: rolled back`);
    expect(textOf(parent)).toContain('*weights now*: v1 100%');
    expect(threadOf(parent)).toEqual([expect.stringMatching(/^:x: step 1\/3 \(v2 20%\): success rate of v2 (79\.9|80\.0)% over 10s, below 99\.0% — all traffic back on v1$/)]);
    expect(await weights(erroring.name)).toBe('v1=100');
  });

  it('Cancel puts all traffic back on the stable version at once', async () => {
    await deployed(cancelled.name, { errorRate: 0 });
    await session.send(`/mesh canary helloworld --to v2 --steps 30,100 --interval 10m -n ${cancelled.name}`);
    await waitUntil('the first step', async () => (await weights(cancelled.name)) === 'v1=70 v2=30');
    const id = /canary `([^`]+)`/.exec(textOf(canaryParent()))![1]!;
    // While it runs, the canary owns the routes: a shift by hand is refused, and changes nothing.
    const refusals: string[] = [];
    session.standin.events.on('event', (e: StandinEvent) => {
      if (e.type === 'ephemeral' && e.text.startsWith(':x:')) refusals.push(e.text);
    });
    await session.send(`/mesh shift helloworld v2=90 -n ${cancelled.name}`);
    await waitUntil('the refusal', async () => refusals.length > 0);
    expect(refusals).toEqual([`:x: canary ${id} is moving helloworld's traffic; wait for it or cancel it (/mesh cancel ${id})`]);
    expect(await weights(cancelled.name)).toBe('v1=70 v2=30');
    await session.send('click Cancel');
    await session.runner.idle();
    expect(textOf(canaryParent())).toContain(':no_entry_sign: cancelled, rolled back');
    expect(threadOf(canaryParent())).toEqual([':no_entry_sign: step 1/2 (v2 30%): cancelled by Slack user U0CONSOLE — all traffic back on v1']);
    expect(await weights(cancelled.name)).toBe('v1=100');
    expect(id).toMatch(new RegExp(`^${cancelled.name}\\.helloworld\\.canary-`));
  });

  it('refuses a canary to an unknown subset in one line, changing nothing', async () => {
    const before = await weights(healthy.name);
    const refusals: string[] = [];
    session.standin.events.on('event', (e: StandinEvent) => {
      if (e.type === 'ephemeral' && e.text.startsWith(':x:')) refusals.push(e.text);
    });
    await session.send(`/mesh canary helloworld --to v3 -n ${healthy.name}`);
    await session.runner.idle();
    expect(refusals).toEqual([":x: there is no subset v3: the workloads' version labels give v1, v2"]);
    expect(await weights(healthy.name)).toBe(before);
  });
});

