// Renders `/mesh inject` (summary, YAML inline when small, Apply button) and autoinject results.
import { APPLY_ACTION, RESTART_ACTION } from '../actions';
import type { AutoinjectSummary, InjectSummary, ReportFile } from '../../jobs/reporter';
import { button, context, escapeMrkdwn, fitMessage, section, type Block, type SlackMessage } from './blocks';
import { kindSlashName } from '../../object-name';

/** YAML up to this size goes inline as a code block; larger YAML is uploaded as a file. */
export const INLINE_YAML_LIMIT = 2500;

export function yamlFitsInline(yaml: string): boolean {
  return yaml.length <= INLINE_YAML_LIMIT;
}

/** The preview's message, and the YAML as a file when it does not fit inline. */
export function renderInjectPreview(s: InjectSummary): { message: SlackMessage; file?: ReportFile } {
  const message = renderInjectSummary(s);
  if (yamlFitsInline(s.yaml)) return { message };
  return { message, file: { filename: `${s.app}.injected.yaml`, title: `${s.app} with the Istio sidecar`, content: s.yaml } };
}

export function renderInjectSummary(s: InjectSummary): SlackMessage {
  const injected = s.workloads.filter((w) => w.injected);
  const containers = injected.reduce((n, w) => n + w.containersAdded.length, 0);
  const head =
    `:syringe: Injected *${escapeMrkdwn(s.app)}* for \`${escapeMrkdwn(s.namespace)}\`${s.cluster ? ` on cluster *${escapeMrkdwn(s.cluster)}*` : ''}: ` +
    `${injected.length} of ${s.workloads.length} workload(s), ${containers} container(s) added, proxy image \`${escapeMrkdwn(s.proxyImage)}\``;
  const by = s.injectedBy ? `\nInjected by ${escapeMrkdwn(s.injectedBy)}` : '';
  const list = s.workloads
    .map((w) => `• ${escapeMrkdwn(`${kindSlashName(w)}`)}: ${w.injected ? `+ ${w.containersAdded.map(escapeMrkdwn).join(', ') || 'no containers'}` : 'not injected'}`)
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
