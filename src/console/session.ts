// src/console — the local console (`npm start`, `mesh console`): wires the Slack door, its stand-in and the
// jobs' local runner with the Slack reporter, and renders the stand-in's traffic as text (render.ts). It starts
// the local cluster only when a command first needs one.
//
// The local console: `/mesh …` typed on a terminal goes through the same signed Slack handler and the same
// job runner as in AWS; the Slack Web API is a loopback stand-in whose messages are rendered as text.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { appsFromEnv, type Apps } from '../apps';
import type { IstioSwitches } from '../config';
import { clusterResolver } from '../apps/clusters';
import { localRunner, type LocalRunner } from '../jobs/local-runner';
import { memoiseUntilFailure } from '../memoise';
import { createSlackHandler, type SlackLambdaHandler } from '../slack/handler';
import { consolePolicy, type Policy } from '../slack/policy';
import { startSlackStandin, type SlackStandin, type StandinOptions } from '../slack/standin';
import { signSlackRequest } from '../slack/verify';
import { slackReporter } from '../slack/reporter';
import { slackApi } from '../slack/webapi';
import type { Button } from '../slack/render/blocks';

export const CONSOLE_USER = 'U0CONSOLE';
export const CONSOLE_CHANNEL = 'C0CONSOLE';
const CONSOLE_TEAM = 'T0CONSOLE';

export interface ConsoleOptions {
  env: NodeJS.ProcessEnv;
  policy?: Policy;
  /**
   * How the console reaches a cluster; by default mesh's kubeconfig order (KUBECONFIG, ~/.kube/config), else the
   * local cluster, started on first need.
   */
  kube?: () => Promise<KubeConfig>;
  progress?: (line: string) => void;
  audit?: (line: string) => void;
  /** Per-stage deadline of rollouts (`mesh console` passes MESH_STAGE_TIMEOUT_MS; default the engine's). */
  stageTimeoutMs?: number;
  /** Revisions kept per app in the history (default 10). */
  historyLimit?: number;
  /** Options of the loopback Slack (tests play outages through its intercept). */
  slackStandin?: StandinOptions;
  /** Istio's switches (`mesh console` passes COMPLIANCE_POLICY) for what mesh's injection engine renders. */
  istio?: IstioSwitches;
}

/** Who types or clicks (tests play a second user or another channel); `value` replaces a clicked button's value. */
export interface SendAs {
  user?: string;
  channel?: string;
  value?: string;
}

export interface ConsoleSession {
  standin: SlackStandin;
  runner: LocalRunner;
  /**
   * Sends one line (`/mesh …`, or `click <button>`) through the signed handler; returns the ack text. `as` sends
   * it from another user or channel (tests of concurrent callers, approvals by a second person).
   */
  send(line: string, as?: SendAs): Promise<{ status: number; text: string }>;
  /** Delivers the last request again, as a network retry does: same body, signed anew, `X-Slack-Retry-Num: 1`. */
  redeliver(): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

function defaultKube(options: ConsoleOptions): () => Promise<KubeConfig> {
  return memoiseUntilFailure(async () => {
    const { resolveKubeConfig } = await import('../kube/config');
    const { kubeconfigFiles } = await import('../kube/kubeconfig-path');
    // A kubeconfig named for it (KUBECONFIG) wins over the local cluster: say which one, once, since the console
    // user may do everything there. ~/.kube/config alone does not count (homeConfig: false, see kubeconfigFiles).
    const found = kubeconfigFiles({ env: options.env, homeConfig: false });
    if (found) {
      const kc = await resolveKubeConfig({ env: options.env, homeConfig: false });
      options.progress?.(`using the cluster of ${found.origin} ${found.files.join(', ')} (context ${kc.getCurrentContext()})`);
      return kc;
    }
    return resolveKubeConfig({
      env: options.env,
      homeConfig: false,
      localCluster: async () => {
        options.progress?.('starting the local cluster (first command that needs one)…');
        const { ensureLocalCluster } = await import('../cluster/cluster');
        return (await ensureLocalCluster({ env: options.env, ...(options.progress ? { progress: options.progress } : {}) })).kubeconfigPath;
      },
    });
  });
}

function findButton(standin: SlackStandin, label: string): { button: Button; ts: string } | undefined {
  for (const message of [...standin.messages].reverse()) {
    for (const block of message.blocks ?? []) {
      if (block.type !== 'actions') continue;
      const button = block.elements.find((b) => b.text.text.toLowerCase() === label.toLowerCase());
      if (button) return { button, ts: message.ts };
    }
  }
  return undefined;
}

function findEarlierButton(standin: SlackStandin, label: string): { button: Button; ts: string } | undefined {
  for (const call of [...standin.calls].reverse()) {
    if (call.method !== 'chat.postMessage' && call.method !== 'chat.update') continue;
    for (const block of (call.args.blocks ?? []) as { type: string; elements?: Button[] }[]) {
      const button = block.type === 'actions' ? block.elements?.find((b) => b.text.text.toLowerCase() === label.toLowerCase()) : undefined;
      if (button) return { button, ts: String(call.args.ts ?? standin.messages.find((m) => m.blocks && JSON.stringify(m.blocks).includes(button.value))?.ts ?? '') };
    }
  }
  return undefined;
}

export async function startConsole(options: ConsoleOptions): Promise<ConsoleSession> {
  const standin = await startSlackStandin(options.slackStandin);
  const signingSecret = randomBytes(24).toString('hex');
  const slack = slackApi({ token: 'xoxb-console', baseUrl: standin.apiUrl, totalTimeoutMs: 5000 });
  const stageTimeoutMs = options.stageTimeoutMs;
  let apps: Apps | undefined;
  const appsOfEnv = () => (apps ??= appsFromEnv(options.env));
  const kube = clusterResolver(() => appsOfEnv().registry, options.env, options.kube ?? defaultKube(options));
  const runner = localRunner(
    {
      reporter: slackReporter(slack), kube, apps: appsOfEnv,
      peekKube: async () => {
        if (options.kube) return options.kube().catch(() => undefined);
        const { resolveKubeConfig } = await import('../kube/config');
        const { localClusterKubeconfig } = await import('../cluster/cluster');
        return resolveKubeConfig({ env: options.env, homeConfig: false, localCluster: async () => localClusterKubeconfig(options.env) }).catch(() => undefined);
      },
      now: Date.now, stepBudgetMs: 2000, ...(stageTimeoutMs ? { stageTimeoutMs } : {}),
      ...(options.audit ? { audit: options.audit } : {}), ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}),
      ...(options.istio ? { istio: options.istio } : {}),
    },
    { maxWaitMs: 1000 },
  );
  const handler: SlackLambdaHandler = createSlackHandler({
    secrets: async () => ({ signingSecret, botToken: 'xoxb-console' }),
    botId: 'B0MESHBOT',
    botUserId: 'U0MESHBOT',
    slackApiUrl: standin.apiUrl,
    policy: () => options.policy ?? consolePolicy(CONSOLE_USER),
    dispatcher: async () => runner,
    audit: options.audit ?? (() => undefined),
    loadBolt: () => import('../slack/bolt-app'),
    log: () => undefined,
  });

  let lastBody: string | undefined;
  async function invoke(body: string, extraHeaders: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    lastBody = body;
    const ts = Math.floor(Date.now() / 1000);
    const result = await handler(
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(signingSecret, ts, body), ...extraHeaders },
        body,
        isBase64Encoded: false,
      },
      {} as never,
    );
    const raw = result.body ?? '';
    let text = raw;
    try {
      text = (JSON.parse(raw) as { text?: string }).text ?? '';
    } catch {
      // a plain-text body (Bolt acks a button with an empty one)
    }
    return { status: result.statusCode ?? 200, text };
  }

  return {
    standin,
    runner,
    async redeliver() {
      if (lastBody === undefined) return { status: 0, text: ':warning: nothing was sent yet' };
      return invoke(lastBody, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    },
    async send(line, as = {}) {
      const user = as.user ?? CONSOLE_USER;
      const channel = as.channel ?? CONSOLE_CHANNEL;
      const click = /^click\s+(.+)$/i.exec(line.trim());
      if (click) {
        // With a value of its own, a click may replay a button an earlier version of a message had (a stale client).
        const found = findButton(standin, click[1]!.trim()) ?? (as.value !== undefined ? findEarlierButton(standin, click[1]!.trim()) : undefined);
        if (!found) return { status: 0, text: `:warning: no button "${click[1]!.trim()}" on any message` };
        const payload = {
          type: 'block_actions',
          team: { id: CONSOLE_TEAM, domain: 'console' },
          user: { id: user, username: 'console', team_id: CONSOLE_TEAM },
          api_app_id: 'A0MESH',
          token: 'console',
          container: { type: 'message', message_ts: found.ts, channel_id: channel, is_ephemeral: false },
          trigger_id: `${Date.now()}.console`,
          channel: { id: channel, name: 'console' },
          message: { type: 'message', ts: found.ts, text: '' },
          response_url: standin.responseUrl(channel),
          actions: [{ ...found.button, ...(as.value !== undefined ? { value: as.value } : {}), block_id: 'actions', action_ts: String(Date.now() / 1000) }],
        };
        return invoke(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
      }
      const match = /^\/mesh(?:\s+(.*))?$/s.exec(line.trim());
      if (!match) return { status: 0, text: ':warning: type `/mesh <command>` (try `/mesh help`), `click <button>`, `as <user> …` or `wait`' };
      const body = new URLSearchParams({
        token: 'console', team_id: CONSOLE_TEAM, team_domain: 'console', channel_id: channel, channel_name: 'console',
        user_id: user, user_name: 'console', command: '/mesh', text: match[1] ?? '', api_app_id: 'A0MESH',
        response_url: standin.responseUrl(channel), trigger_id: `${Date.now()}.console`,
      }).toString();
      return invoke(body);
    },
    async close() {
      await runner.idle();
      await standin.close();
    },
  };
}
