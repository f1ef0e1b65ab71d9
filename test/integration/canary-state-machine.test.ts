// `/mesh canary` as deployed: the jobs state machine of serverless.yml (aws-local-stepfunctions, Node >= 22) calls
// the real worker step (`stepJob`, what handlers/worker.ts runs) and waits between steps as the worker asks
// (`waitSeconds`, real time), on the local cluster with real Istio; Slack is a recording stand-in of the Web API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Job } from '../../src/jobs/job';
import type { JobDeps } from '../../src/jobs/state';
import { stepJob } from '../../src/jobs/step';
import { getObject, serverSideApply } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { slackReporter } from '../../src/slack/reporter';
import type { SlackApi } from '../../src/slack/webapi';
import { runStateMachine } from '../support/jobs-state-machine';
import { istioKubeConfig, waitUntil, withNamespace } from './setup/cluster';

jest.setTimeout(180_000);

const HELLOWORLD = readFileSync(path.resolve(__dirname, '../../../shared/apps/helloworld/helloworld.yaml'), 'utf8');

describe('/mesh canary through the jobs state machine', () => {
  const ns = withNamespace('canary-sfn', istioKubeConfig);

  it('steps helloworld to v2 100% with the Wait states the worker asks for, one thread line per step', async () => {
    const kc = istioKubeConfig();
    for (const doc of parseAllDocuments(HELLOWORLD)) await serverSideApply(kc, { ...(doc.toJS() as KubeObject), metadata: { ...(doc.toJS() as KubeObject).metadata, namespace: ns.name } });
    await waitUntil('helloworld-v2 ready', async () => ((await getObject<KubeObject & { status?: { readyReplicas?: number } }>(kc, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'helloworld-v2', namespace: ns.name } }))?.status?.readyReplicas ?? 0) >= 1);

    const calls: { method: string; text: string; thread?: string }[] = [];
    const slack: SlackApi = {
      async call<T>(method: string, args: Record<string, unknown>) {
        calls.push({ method, text: String(args.text), ...(args.thread_ts ? { thread: String(args.thread_ts) } : {}) });
        return { ok: true, ts: '1700000000.000100', channel: 'C1' } as T;
      },
      async respond(_url, body) {
        calls.push({ method: 'respond', text: String(body.text) });
      },
      async upload() {},
    };
    const deps: JobDeps = { reporter: slackReporter(slack), kube: async () => kc, now: Date.now };
    const job: Job = {
      id: 'mesh-canary-0123456789abcdef0123',
      command: { kind: 'canary', app: 'helloworld', to: 'v2', steps: [50, 100], intervalSeconds: 10, namespace: ns.name },
      text: `canary helloworld --to v2 --steps 50,100 --interval 10s -n ${ns.name}`, namespace: ns.name,
      user: 'U1', channel: 'C1', requestedAt: Date.now(),
    };
    const run = await runStateMachine({ job }, (input) => stepJob(input, deps), { realWaits: true });
    expect(run.end).toBe('Succeed');
    expect(run.final).toMatchObject({ done: true, outcome: 'succeeded' });
    // The Pause state waited the interval the worker asked for before judging step 1 (real seconds).
    expect(run.path).toContain('Pause');
    expect(run.waits[0]).toBe(10);
    const vs = await getObject<KubeObject & { spec: { http: { route: { destination: { subset: string }; weight: number }[] }[] } }>(kc, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'helloworld', namespace: ns.name } });
    expect(vs?.spec.http[0]!.route.map((r) => `${r.destination.subset}=${r.weight}`)).toEqual(['v2=100']);
    expect(calls.filter((c) => c.thread).map((c) => c.text)).toEqual([
      'step 1/2 (v2 50%): gates passed — v2 ready (helloworld-v2 1/1); no metrics source declared',
      'step 2/2 (v2 100%): all traffic on v2',
    ]);
    expect(calls.filter((c) => c.method === 'chat.update').at(-1)!.text).toBe(`Canary of helloworld to v2 in ${ns.name}: finished, v2 100%`);
  });
});
