// The Bolt side of the front door, for button presses only: handler.ts answers every `/mesh` slash command itself
// and hands Bolt nothing else. AwsLambdaReceiver (signature verification on), botId/botUserId given so no
// auth.test runs, and one listener that acks, decides, dispatches the job and replies to the response_url.
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { Context } from 'aws-lambda';
import { handleButton, type FrontDoorDeps } from './frontdoor';
import type { GatewayEvent, LambdaResult } from './request';
import { slackApi } from './webapi';
import { errorMessage } from '../errors';

export interface BoltSettings {
  signingSecret: string;
  botToken: string;
  botId: string;
  botUserId: string;
  slackApiUrl?: string;
  deps: FrontDoorDeps;
}

export function createBoltHandler(settings: BoltSettings): (event: GatewayEvent, context: Context) => Promise<LambdaResult> {
  const receiver = new AwsLambdaReceiver({ signingSecret: settings.signingSecret, signatureVerification: true, logLevel: LogLevel.WARN });
  const app = new App({
    token: settings.botToken,
    botId: settings.botId,
    botUserId: settings.botUserId,
    receiver,
    logLevel: LogLevel.WARN,
    clientOptions: {
      ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}),
      // Fit a Lambda: a few quick retries, never the default half hour.
      retryConfig: { retries: 2, maxRetryTime: 2000 },
      timeout: 2000,
      rejectRateLimitedCalls: true,
    },
  });

  // Button replies go to the response_url through mesh's Web API client, which retries a dropped connection, a 5xx
  // or a 429 within its budget; Bolt's respond() tries once, and a lost reply leaves the user without an answer.
  const replies = slackApi({ token: settings.botToken, ...(settings.slackApiUrl ? { baseUrl: settings.slackApiUrl } : {}), totalTimeoutMs: 2500 });
  app.action(/^mesh_/, async ({ ack, body, action, logger }) => {
    await ack();
    if (action.type !== 'button' || body.type !== 'block_actions') return;
    const caller = {
      user: body.user.id,
      channel: body.channel?.id ?? '',
      ...(body.team?.id ? { team: body.team.id } : {}),
      ...(body.response_url ? { responseUrl: body.response_url } : {}),
      ...(body.container?.message_ts ? { messageTs: String(body.container.message_ts) } : {}),
    };
    const button = action as { action_id: string; value?: string };
    const reply = await handleButton({ actionId: button.action_id, value: button.value ?? '' }, caller, settings.deps);
    if (!body.response_url) return;
    await replies.respond(body.response_url, { ...reply, replace_original: false }).catch((error: unknown) => logger.warn(`response_url: ${errorMessage(error)}`));
  });

  const handler = receiver.toHandler();
  return async (event, context) => (await handler(event as Parameters<typeof handler>[0], context)) as LambdaResult;
}

/** Which of `groupIds` a user belongs to (usergroups.users.list), within 1.5 s of the door's 3 s ack. */
export function userGroupsLookup(botToken: string, slackApiUrl?: string): NonNullable<FrontDoorDeps['userGroups']> {
  const api = slackApi({ token: botToken, ...(slackApiUrl ? { baseUrl: slackApiUrl } : {}), totalTimeoutMs: 1500 });
  return async (userId, groupIds) => {
    const lists = await Promise.all(groupIds.map((g) => api.call<{ users: string[] }>('usergroups.users.list', { usergroup: g })));
    return groupIds.filter((_, i) => lists[i]!.users.includes(userId));
  };
}
