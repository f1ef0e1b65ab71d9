// Renders `/mesh inject` (summary, YAML inline when small, Apply button) and autoinject results.
import { button, context, escapeMrkdwn, fitMessage, section, type Block, type SlackMessage } from './blocks';

export const APPLY_ACTION = 'mesh_apply';
export const RESTART_ACTION = 'mesh_restart';
/** YAML up to this size goes inline as a code block; larger YAML is uploaded as a file. */
export const INLINE_YAML_LIMIT = 2500;

export interface InjectSummary {
  app: string;
  /** What the Apply button deploys (`guestbook.helloworld`); the app name when absent. */
  reference?: string;
  /** Where the YAML came from: the component's files, the Git commit. */
  origin?: string;
  cluster?: string;
  /** The Git commit shown, which the Apply button deploys (not whatever the branch says by then). */
  commit?: string;
  namespace: string;
  requestedBy: string;
  proxyImage: string;
  /** Which injector made the YAML, e.g. "the cluster's injector … (revision default, …)". */
  injectedBy?: string;
  workloads: { kind: string; name: string; injected: boolean; containersAdded: string[] }[];
  warnings: string[];
  yaml: string;
}

export function yamlFitsInline(yaml: string): boolean {
  return yaml.length <= INLINE_YAML_LIMIT;
}

export function renderInjectSummary(s: InjectSummary): SlackMessage {
  const injected = s.workloads.filter((w) => w.injected);
  const containers = injected.reduce((n, w) => n + w.containersAdded.length, 0);
  const head =
    `:syringe: Injected *${escapeMrkdwn(s.app)}* for \`${escapeMrkdwn(s.namespace)}\`${s.cluster ? ` on cluster *${escapeMrkdwn(s.cluster)}*` : ''}: ` +
    `${injected.length} of ${s.workloads.length} workload(s), ${containers} container(s) added, proxy image \`${escapeMrkdwn(s.proxyImage)}\``;
  const by = s.injectedBy ? `\nInjected by ${escapeMrkdwn(s.injectedBy)}` : '';
  const list = s.workloads
    .map((w) => `• ${escapeMrkdwn(`${w.kind}/${w.name}`)}: ${w.injected ? `+ ${w.containersAdded.map(escapeMrkdwn).join(', ') || 'no containers'}` : 'not injected'}`)
    .join('\n');
  const blocks: Block[] = [section(`${head}${by}`)];
  if (list) blocks.push(section(list));
  if (s.warnings.length > 0) blocks.push(section(`:warning: ${s.warnings.map(escapeMrkdwn).join('\n:warning: ')}`));
  blocks.push(section(yamlFitsInline(s.yaml) ? `\`\`\`${s.yaml.replace(/```/g, "'''")}\`\`\`` : '_The injected YAML is attached in the thread._'));
  const origin = s.origin ? ` · ${escapeMrkdwn(s.origin)}` : '';
  blocks.push(context(`Requested by <@${s.requestedBy}>${origin} · preview only, nothing was applied`));
  const value = `inject ${s.reference ?? s.app} -n ${s.namespace}${s.cluster ? ` --cluster ${s.cluster}` : ''}${s.commit ? ` --commit ${s.commit}` : ''} --apply`;
  blocks.push({ type: 'actions', elements: [button('Apply', APPLY_ACTION, value, 'primary')] });
  return fitMessage({ text: `Injected ${s.app}: ${injected.length} workload(s), ${containers} container(s) added`, blocks });
}

export interface AutoinjectSummary {
  action: 'enable' | 'disable' | 'status';
  namespace: string;
  /** The command did what was asked. */
  ok: boolean;
  enabled: boolean;
  /** Workloads whose pods run without the sidecar (they need a restart to get one). */
  missingSidecar: string[];
  /** Workloads whose sidecar differs from what the injector gives now, with why (a restart updates it). */
  drifted?: string[];
  detail?: string;
}

export function renderAutoinject(s: AutoinjectSummary): SlackMessage {
  const state = s.enabled ? ':large_green_circle: on' : ':white_circle: off';
  const ns = `\`${escapeMrkdwn(s.namespace)}\``;
  const head = !s.ok
    ? `:x: Could not ${s.action} sidecar auto-injection for ${ns}; it is ${state}.`
    : `Sidecar auto-injection for ${ns} ${s.action === 'status' ? 'is' : 'is now'} ${state}.`;
  const blocks: Block[] = [section(`${head}${s.detail ? ` ${escapeMrkdwn(s.detail)}` : ''}`)];
  if (s.missingSidecar.length > 0) {
    blocks.push(section(`${s.missingSidecar.length} workload(s) run without the sidecar:\n${s.missingSidecar.map((w) => `• ${escapeMrkdwn(w)}`).join('\n')}`));
  }
  const drifted = s.drifted ?? [];
  if (drifted.length > 0) {
    blocks.push(section(`${drifted.length} workload(s) run a sidecar their injector no longer gives (needs restart):\n${drifted.map((w) => `• ${escapeMrkdwn(w)}`).join('\n')}`));
  }
  if (s.enabled && (s.missingSidecar.length > 0 || drifted.length > 0)) {
    blocks.push({ type: 'actions', elements: [button('Restart them', RESTART_ACTION, s.namespace, 'primary')] });
  }
  return fitMessage({ text: `Auto-injection for ${s.namespace}: ${s.enabled ? 'on' : 'off'}`, blocks });
}
