// Renders the answers of one-step jobs (the app list, status, cancel, restart) and a job's refusals and failures.
import type { RestartReport } from '../../autoinject';
import type { AppListView } from '../../jobs/reporter';
import type { AppStatus } from '../../rollout/status';
import { context, escapeMrkdwn, fitMessage, section, type SlackMessage } from './blocks';
import { kindSlashName } from '../../object-name';

/** One section of mrkdwn text. */
export const plainMessage = (text: string): SlackMessage => ({ text, blocks: [section(text)] });

export function renderAppList(v: AppListView): SlackMessage {
  const lines = v.apps.map((app) => `• *${escapeMrkdwn(app.name)}* — ${escapeMrkdwn(app.source)}${app.limits.length ? ` (${escapeMrkdwn(app.limits.join('; '))})` : ''}`);
  const clusters = v.clusters.map((c) => `${c.name}${c.isDefault ? ' (default)' : ''}`);
  const head = `:package: ${v.apps.length} app(s) from ${escapeMrkdwn(v.source)}`;
  const blocks = [section(head), section(lines.join('\n'))];
  if (v.deployed.length > 0) blocks.push(section(`*Deployed:*\n${escapeMrkdwn(v.deployed.join('\n'))}`));
  blocks.push(context(clusters.length ? `Clusters: ${escapeMrkdwn(clusters.join(', '))}` : 'One cluster (no named clusters registered).'));
  return fitMessage({ text: `${v.apps.length} app(s)`, blocks });
}

export function renderStatus(status: AppStatus, cluster: string | undefined): SlackMessage {
  const lines = status.stages.map((s) => {
    const notReady = s.objects.filter((o) => !o.ready);
    const detail = notReady.map((o) => `${o.failed ? ':x:' : ':hourglass_flowing_sand:'} ${escapeMrkdwn(o.object)}: ${escapeMrkdwn(o.message)}`);
    return [`${s.ready ? ':white_check_mark:' : ':warning:'} *${escapeMrkdwn(s.name)}* — ${s.objects.length - notReady.length}/${s.objects.length} ready`, ...detail].join('\n');
  });
  const lock = status.lock
    ? `Rollout \`${escapeMrkdwn(status.lock.rolloutId)}\` in progress (${escapeMrkdwn(status.lock.holder)}).`
    : 'No rollout in progress.';
  const head = `:bar_chart: *${escapeMrkdwn(status.app)}* in \`${escapeMrkdwn(status.namespace)}\`${cluster ? ` on cluster *${escapeMrkdwn(cluster)}*` : ''}`;
  return fitMessage({ text: `Status of ${status.app} in ${status.namespace}`, blocks: [section(head), section(lines.join('\n') || '_no stages_'), context(lock)] });
}

export function renderCancelRequested(rolloutId: string, found: boolean): SlackMessage {
  return plainMessage(
    found
      ? `:no_entry_sign: Cancel requested for rollout \`${escapeMrkdwn(rolloutId)}\`; it stops after its current step.`
      : `:information_source: No running rollout \`${escapeMrkdwn(rolloutId)}\` (finished already, or never started).`,
  );
}

export function renderRestarted(user: string, report: RestartReport): SlackMessage {
  const names = (refs: { kind: string; name: string }[]) => refs.map((w) => `${kindSlashName(w)}`).join(', ');
  const lines = [`:arrows_counterclockwise: <@${user}> restarted ${report.restarted.length} workload(s) in \`${escapeMrkdwn(report.namespace)}\`${report.restarted.length ? `: ${escapeMrkdwn(names(report.restarted))}` : ''}.`];
  for (const f of report.failed) lines.push(`:x: ${escapeMrkdwn(`${kindSlashName(f.workload)}`)}: ${escapeMrkdwn(f.error)}`);
  return plainMessage(lines.join('\n'));
}

export const renderRefused = (reason: string): SlackMessage => plainMessage(`:no_entry: ${reason}; nothing was changed.`);

export const renderUserError = (message: string): SlackMessage => plainMessage(`:x: ${message}`);

export const renderNotAJob = (text: string): SlackMessage => plainMessage(`:x: \`${text}\` is not a job`);

/** A job's failure as its ephemeral reply: the text alone (an internal error by its first line). */
export function renderJobFailed(message: string, internal: boolean): SlackMessage {
  return { text: internal ? `:x: Internal error: ${message.split('\n')[0]}` : `:x: ${message}`, blocks: [] };
}
