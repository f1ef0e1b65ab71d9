// Real applications, deployed as their users deploy them: Bookinfo, Online Boutique, httpbin, curl and
// helloworld exactly as upstream ships them (../shared/apps), through each door — the CLI (`mesh deploy -f`,
// `mesh rollback`), the console (`/mesh deploy` through the signed Slack handler and the local job runner) and
// the worker's state machine (stepJob, its state passed on as JSON as Step Functions does) — on the local
// cluster with the real istiod injecting sidecars (namespace label istio-injection=enabled). Each time: every
// object exists, every workload is ready, every pod carries istio-proxy; a second deploy changes nothing; a
// rollback restores the previous revision. The images never run: kwok plays the kubelet.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { appsFromEnv } from '../../src/apps';
import { startConsole, type ConsoleSession } from '../../src/console/session';
import type { JobState } from '../../src/jobs/state';
import { stepJob } from '../../src/jobs/step';
import { getObject, listObjects } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { parseManifestDocuments } from '../../src/rollout/manifests';
import { parsePolicy } from '../../src/slack/policy-file';
import { slackReporter } from '../../src/slack/reporter';
import { startSlackStandin, type SlackStandin, type StandinEvent } from '../../src/slack/standin';
import { blocksToText } from '../../src/slack/render/text';
import { slackApi } from '../../src/slack/webapi';
import { startGitServer, type GitServer } from '../support/git-server';
import { REAL_APPS, realAppFiles, type RealApp } from '../support/real-apps';
import { runCli } from '../support/run-cli';
import { createTestNamespace, deleteTestNamespace, istioKubeConfig, istioKubeconfigPath, waitUntil } from './setup/cluster';
import { labelNamespace } from './webhook-support';

jest.setTimeout(300_000);

const kc = istioKubeConfig();
const TOKEN = 'real-apps-git-token';
const USERS = ['U0CONSOLE', 'U0SECOND', 'U0THIRD', 'U0FOURTH'];
const REVISION_ANNOTATION = 'mesh.dev/test-revision';
let work: string;
let git: GitServer;
let standin: SlackStandin;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mesh-real-apps-'));
  git = await startGitServer({ token: TOKEN });
  standin = await startSlackStandin();
}, 60_000);
afterAll(async () => {
  await standin?.close();
  await git?.close();
  rmSync(work, { recursive: true, force: true });
});

type Files = Record<string, string>;

/**
 * The next revision of an app: its first Deployment's pod template annotated (a new ReplicaSet, new pods) and
 * one ConfigMap more; the upstream objects otherwise as shipped.
 */
function secondRevision(files: Files): Files {
  let annotated = false;
  const out: Files = {};
  for (const [file, text] of Object.entries(files)) {
    const docs = parseAllDocuments(text).map((d) => d.toJSON() as KubeObject | null).filter((d): d is KubeObject => d !== null);
    for (const doc of docs) {
      if (annotated || doc.kind !== 'Deployment') continue;
      const template = (doc.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template;
      template.metadata.annotations = { ...template.metadata.annotations, [REVISION_ANNOTATION]: '2' };
      annotated = true;
    }
    out[file] = docs.map((d) => JSON.stringify(d)).join('\n---\n');
  }
  out['mesh-revision-2.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mesh-revision-2}\ndata: {revision: "2"}\n';
  return out;
}

const objectsOf = (files: Files) => Object.entries(files).flatMap(([file, text]) => parseManifestDocuments(text, file).map((d) => d.object));
const livePods = async (ns: string) => (await listObjects(kc, { apiVersion: 'v1', kind: 'Pod', namespace: ns })).items.filter((p) => !p.metadata.deletionTimestamp);
const containers = (pod: KubeObject) => {
  const spec = pod.spec as { containers: { name: string }[]; initContainers?: { name: string }[] };
  return [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name);
};

/** Every object of the revision exists, every Deployment is rolled out and ready, every pod has its sidecar. */
async function expectDeployed(ns: string, files: Files): Promise<void> {
  const wanted = objectsOf(files);
  for (const obj of wanted) {
    const live = await getObject(kc, { ...obj, metadata: { name: obj.metadata.name, namespace: ns } });
    expect({ object: `${obj.kind}/${obj.metadata.name}`, exists: live !== undefined }).toEqual({ object: `${obj.kind}/${obj.metadata.name}`, exists: true });
    if (obj.kind !== 'Deployment') continue;
    const replicas = (obj.spec as { replicas?: number }).replicas ?? 1;
    expect({ name: obj.metadata.name, status: live!.status }).toMatchObject({
      name: obj.metadata.name,
      status: { observedGeneration: live!.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas },
    });
  }
  const deployments = wanted.filter((o) => o.kind === 'Deployment').length;
  // Pods of replaced ReplicaSets may still be going; the rollout waited for the current ones.
  const pods = await waitUntil(`one pod per Deployment in ${ns}`, async () => {
    const current = await livePods(ns);
    return current.length === deployments ? current : undefined;
  });
  for (const pod of pods) expect({ pod: pod.metadata.name, sidecar: containers(pod).includes('istio-proxy') }).toEqual({ pod: pod.metadata.name, sidecar: true });
}

/** What a deploy that changes nothing leaves as it was: every object's generation, every pod. */
async function snapshot(ns: string, files: Files): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const obj of objectsOf(files)) {
    const live = await getObject(kc, { ...obj, metadata: { name: obj.metadata.name, namespace: ns } });
    out[`${obj.kind}/${obj.metadata.name}`] = { generation: live?.metadata.generation, resourceVersion: obj.kind === 'Deployment' ? undefined : live?.metadata.resourceVersion };
  }
  out.pods = (await livePods(ns)).map((p) => p.metadata.uid).sort();
  return out;
}

interface Door {
  /** Deploys these files as the app's next revision; throws with what the door said when it did not succeed. */
  deploy(files: Files): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

type DoorFactory = (app: RealApp, ns: string) => Promise<Door>;

const cliDoor: DoorFactory = async (app, ns) => {
  let revision = 0;
  const mesh = async (args: string[]) => {
    const run = await runCli([...args, '-n', ns, '--kubeconfig', istioKubeconfigPath()], { env: { PATH: process.env.PATH, HOME: work }, cwd: work });
    if (run.code !== 0) throw new Error(`mesh ${args.join(' ')} exited ${run.code}:\n${run.stdout}${run.stderr}`);
  };
  return {
    async deploy(files) {
      // `mesh deploy -f <dir>` names the app after the directory: each revision in `<n>/<app>`.
      const dir = path.join(work, `${ns}-${(revision += 1)}`, app);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
      await mesh(['deploy', '-f', dir]);
    },
    rollback: () => mesh(['rollback', app]),
    close: async () => undefined,
  };
};

/** A Git app of the registry: each revision a commit of its files under k8s/. */
function gitApp(app: RealApp, ns: string) {
  const repo = git.createRepository(`${app}-${ns}`);
  let previous: Files = {};
  const env = { MESH_APPS: `apps:\n  ${app}:\n    repository: ${repo.url}\n    ref: main\n    path: k8s\n    credentials: {env: MESH_GIT_APP_TOKEN}\n    namespaces: ["real-${app}-*"]\n`, MESH_GIT_APP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: path.join(work, `git-cache-${ns}`) };
  const commit = (files: Files) => {
    const next: Record<string, string | null> = Object.fromEntries(Object.keys(previous).filter((f) => !(f in files)).map((f) => [`k8s/${f}`, null]));
    for (const [file, text] of Object.entries(files)) next[`k8s/${file}`] = text;
    repo.commit(next, `revision with ${Object.keys(files).length} file(s)`);
    previous = files;
  };
  return { env, commit };
}

const consoleDoor: DoorFactory = async (app, ns) => {
  const { env, commit } = gitApp(app, ns);
  const policy = parsePolicy(`rules:\n  - name: the team\n    users: [${USERS.join(', ')}]\n    permissions: ["*"]\n    namespaces: ["*"]\n`, 'real-apps-policy.yaml');
  const session: ConsoleSession = await startConsole({ env, kube: async () => kc, policy });
  const replies: string[] = [];
  session.standin.events.on('event', (e: StandinEvent) => {
    if (e.type === 'ephemeral') replies.push(blocksToText(e.blocks, e.text));
  });
  let sent = 0;
  // The same command by the same user within a minute is one job (Slack's retries): each from another user.
  const run = async (line: string) => {
    await session.send(line, { user: USERS[sent++ % USERS.length] });
    await session.runner.idle();
    const parent = session.standin.messages.filter((m) => !m.threadTs).at(-1);
    if (!parent) throw new Error(`${line}: no rollout message; replies: ${replies.join(' | ')}`);
    if (parent.text !== `Rollout of ${app} to ${ns}: succeeded`) {
      const thread = session.standin.messages.filter((m) => m.threadTs === parent.ts).map((m) => blocksToText(m.blocks, m.text)).join('\n');
      throw new Error(`${line}: ${blocksToText(parent.blocks, parent.text)}\n${thread}`);
    }
  };
  return {
    async deploy(files) {
      commit(files);
      await run(`/mesh deploy ${app} -n ${ns}`);
    },
    rollback: () => run(`/mesh rollback ${app} -n ${ns}`),
    close: () => session.close(),
  };
};

const workerDoor: DoorFactory = async (app, ns) => {
  const { env, commit } = gitApp(app, ns);
  const apps = appsFromEnv(env);
  const deps = {
    reporter: slackReporter(slackApi({ token: 'xoxb-test', baseUrl: standin.apiUrl, totalTimeoutMs: 5000 })),
    kube: async () => kc, apps: () => apps, now: Date.now, stepBudgetMs: 2000,
  };
  let jobs = 0;
  const run = async (command: { kind: 'deploy'; app: string; namespace: string; inject: boolean } | { kind: 'rollback'; app: string; namespace: string }, text: string) => {
    const job = { id: `mesh-real-apps-${ns}-${(jobs += 1)}`, command, text, namespace: ns, user: 'U0OPS', channel: 'C0OPS', requestedAt: Date.now() };
    let state: JobState | { job: typeof job } = { job };
    for (let step = 0; step < 500; step += 1) {
      // Step Functions hands each task the previous one's output, as JSON.
      const next: JobState = JSON.parse(JSON.stringify(await stepJob(state, deps))) as JobState;
      state = next;
      if (next.done) break;
      if (next.waitSeconds > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(next.waitSeconds, 1) * 1000));
    }
    if (!('done' in state) || !state.done || state.outcome !== 'succeeded') {
      throw new Error(`${text}: ${JSON.stringify({ outcome: 'outcome' in state ? state.outcome : undefined, error: 'rollout' in state ? state.rollout?.error : undefined })}`);
    }
  };
  return {
    async deploy(files) {
      commit(files);
      await run({ kind: 'deploy', app, namespace: ns, inject: false }, `deploy ${app} -n ${ns}`);
    },
    rollback: () => run({ kind: 'rollback', app, namespace: ns }, `rollback ${app} -n ${ns}`),
    close: async () => undefined,
  };
};

const DOORS: [string, DoorFactory][] = [['the CLI', cliDoor], ['the console', consoleDoor], ["the worker's state machine", workerDoor]];

describe.each(DOORS)('real applications through %s, with the real istiod injecting', (_door, open) => {
  it.each(REAL_APPS.map((a) => [a]))('%s: deployed whole and ready with sidecars; deployed again, nothing changes; rolled back, the previous revision is back', async (app) => {
    const ns = await createTestNamespace(`real-${app}`, kc);
    await labelNamespace(kc, ns, { 'istio-injection': 'enabled' });
    const door = await open(app, ns);
    try {
      const first = realAppFiles(app);
      await door.deploy(first);
      await expectDeployed(ns, first);

      const before = await snapshot(ns, first);
      await door.deploy(first);
      expect(await snapshot(ns, first)).toEqual(before);

      const second = secondRevision(first);
      await door.deploy(second);
      await expectDeployed(ns, second);
      expect(await getObject(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mesh-revision-2', namespace: ns } })).toBeDefined();

      await door.rollback();
      expect(await getObject(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mesh-revision-2', namespace: ns } })).toBeUndefined();
      await waitUntil('the pods of revision 2 gone', async () => !(await livePods(ns)).some((p) => p.metadata.annotations?.[REVISION_ANNOTATION]));
      await expectDeployed(ns, first);
      for (const d of objectsOf(first).filter((o) => o.kind === 'Deployment')) {
        const live = await getObject(kc, { ...d, metadata: { name: d.metadata.name, namespace: ns } });
        expect((live!.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations?.[REVISION_ANNOTATION]).toBeUndefined();
      }
    } finally {
      await door.close();
      await deleteTestNamespace(ns, kc);
    }
  });
});
