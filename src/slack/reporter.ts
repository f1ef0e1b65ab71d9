// The jobs' reporter on Slack: renders what a job reports (src/slack/render/) and delivers it through the Web
// API — replies by response_url or in the channel, rollout progress through the notifier.
import type { Job } from '../jobs/job';
import type { JobMessages, JobReporter, PendingReply, UndeliveredReply } from '../jobs/reporter';
import { flushProgress, newNotifier, recordProgress } from './notifier';
import { renderAutoinject, renderInjectPreview } from './render/inject';
import { renderApprovalEvent, renderCanary, renderCanaryLine, renderHistory, renderPlanDiff, renderPlanMessage, renderTrafficShifted } from './render/plan';
import { renderAppList, renderCancelRequested, renderJobFailed, renderNotAJob, renderRefused, renderRestarted, renderStatus, renderUserError } from './render/replies';
import { uploadFile, type SlackApi } from './webapi';
import { errorMessage } from '../errors';

const slackMessages: JobMessages = {
  injectPreview: renderInjectPreview,
  autoinject: renderAutoinject,
  appList: renderAppList,
  status: renderStatus,
  cancelRequested: renderCancelRequested,
  restarted: renderRestarted,
  plan: renderPlanMessage,
  planDiff: renderPlanDiff,
  approvalEvent: renderApprovalEvent,
  history: renderHistory,
  trafficShifted: renderTrafficShifted,
  canary: renderCanary,
  canaryLine: renderCanaryLine,
  refused: renderRefused,
  userError: renderUserError,
  jobFailed: renderJobFailed,
  notAJob: renderNotAJob,
};

/**
 * Sends a reply: ephemeral through the response_url (else chat.postEphemeral), in the channel as a new message
 * or an update, then its thread replies and file. Once the message is out only the thread and file are left.
 */
async function deliverReply(slack: SlackApi, job: Job, reply: PendingReply): Promise<UndeliveredReply | undefined> {
  let left = reply;
  try {
    if (reply.visibility === 'ephemeral') {
      if (job.responseUrl) await slack.respond(job.responseUrl, { response_type: 'ephemeral', replace_original: false, ...reply.message });
      else await slack.call('chat.postEphemeral', { channel: job.channel, user: job.user, ...reply.message });
      return undefined;
    }
    let postedTs = reply.postedTs;
    if (postedTs === undefined && reply.updateTs !== undefined) {
      await slack.call('chat.update', { channel: job.channel, ts: reply.updateTs, ...reply.message });
      postedTs = reply.updateTs;
    } else if (postedTs === undefined) {
      postedTs = (await slack.call<{ ts: string }>('chat.postMessage', { channel: job.channel, ...reply.message })).ts;
    }
    left = { ...reply, postedTs, threadSent: reply.threadSent ?? 0 };
    for (const message of (reply.thread ?? []).slice(left.threadSent)) {
      await slack.call('chat.postMessage', { channel: job.channel, thread_ts: postedTs, ...message });
      left = { ...left, threadSent: left.threadSent! + 1 };
    }
    if (reply.file) await uploadFile(slack, { ...reply.file, channel: job.channel, threadTs: postedTs });
    return undefined;
  } catch (error) {
    const retryAt = (error as { retryAt?: number }).retryAt;
    return { left, error: errorMessage(error), ...(retryAt !== undefined ? { retryAt } : {}) };
  }
}

export function slackReporter(slack: SlackApi): JobReporter {
  return {
    messages: slackMessages,
    deliver: (job, reply) => deliverReply(slack, job, reply),
    async post(channel, message, threadTs) {
      return (await slack.call<{ ts: string }>('chat.postMessage', { channel, ...(threadTs ? { thread_ts: threadTs } : {}), ...message })).ts;
    },
    async update(channel, ts, message) {
      await slack.call('chat.update', { channel, ts, ...message });
    },
    startProgress: newNotifier,
    recordProgress,
    flushProgress: (report, now) => flushProgress(report, slack, now),
  };
}
