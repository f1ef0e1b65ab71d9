// The Slack Lambda's request path. A fast path verifies the signature itself and answers `/mesh help` and
// malformed commands without loading Bolt (a cold start budget of ~2× a bare `node`); everything else goes to
// Bolt, loaded on first need. Secrets are resolved once per cold start and never logged.
import type { Context } from 'aws-lambda';
import type { JobDispatcher } from '../jobs/job';
import type { AuditSink } from './audit';
import { answerWithoutWork, type FrontDoorDeps } from './frontdoor';
import type { Policy } from './policy';
import { formFields, jsonResult, malformedSlackRequest, readGatewayEvent, type GatewayEvent, type LambdaResult } from './request';
import { verifySlackRequest } from './verify';
import { slackApi } from './webapi';

export interface SlackDoorConfig {
  secrets: () => Promise<{ signingSecret: string; botToken: string }>;
  botId: string;
  botUserId: string;
  slackApiUrl?: string;
  policy: () => Policy;
  dispatcher: () => Promise<JobDispatcher>;
  audit: AuditSink;
  now?: () => number;
  log?: (line: string) => void;
  /**
   * How the Bolt half is loaded: the Lambda entry evaluates a lazily bundled string (handlers/slack.ts), the
   * console and tests `() => import('./bolt-app')`. Never imported here, so it stays out of the fast path.
   */
  loadBolt: () => Promise<typeof import('./bolt-app')>;
}

// Slack's requests are a few KiB (a button press carries its message's blocks, at most ~50 × 3,000 characters).
const MAX_BODY_CHARS = 1024 * 1024;

export type SlackLambdaHandler = (event: GatewayEvent, context: Context) => Promise<LambdaResult>;

export function createSlackHandler(config: SlackDoorConfig): SlackLambdaHandler {
  const now = config.now ?? Date.now;
  const log = config.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let bolt: Promise<SlackLambdaHandler> | undefined;

  const loadBolt = (signingSecret: string, botToken: string): Promise<SlackLambdaHandler> => {
    bolt ??= config.loadBolt().then(({ createBoltHandler }) => {
      const api = slackApi({ token: botToken, ...(config.slackApiUrl ? { baseUrl: config.slackApiUrl } : {}), totalTimeoutMs: 1500 });
      const deps: FrontDoorDeps = {
        policy: config.policy,
        dispatcher: config.dispatcher,
        audit: config.audit,
        now,
        userGroups: async (userId, groupIds) => {
          const lists = await Promise.all(groupIds.map((g) => api.call<{ users: string[] }>('usergroups.users.list', { usergroup: g })));
          return groupIds.filter((_, i) => lists[i]!.users.includes(userId));
        },
      };
      return createBoltHandler({
        signingSecret, botToken, botId: config.botId, botUserId: config.botUserId, deps,
        ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
      });
    });
    return bolt;
  };

  const refuse = (status: number, reason: string, error: string): LambdaResult => {
    log(JSON.stringify({ type: 'mesh.rejected-request', reason }));
    return jsonResult(status, { error });
  };

  return async (event, context) => {
    if ((event.body?.length ?? 0) > MAX_BODY_CHARS) return refuse(413, 'body too large', 'request body too large');
    const request = readGatewayEvent(event);
    if (/(^|&)ssl_check=1(&|$)/.test(request.rawBody)) return jsonResult(200, {});
    const { signingSecret, botToken } = await config.secrets();
    const verified = verifySlackRequest({
      signingSecret,
      body: request.rawBody,
      timestamp: request.headers['x-slack-request-timestamp'],
      signature: request.headers['x-slack-signature'],
      nowSeconds: Math.floor(now() / 1000),
    });
    if (!verified.ok) return refuse(401, verified.reason, 'invalid request signature');
    // Slash commands and button presses are the only requests this app receives, both form-encoded; anything
    // else is answered here, so Bolt never throws on a body it cannot parse.
    const fields = formFields(request);
    if (!fields) return refuse(415, 'not form-encoded', 'expected application/x-www-form-urlencoded');
    const malformed = malformedSlackRequest(fields);
    if (malformed) return refuse(400, malformed, 'not a well-formed /mesh command or button press');
    if (fields.command === '/mesh' && fields.text !== undefined) {
      const caller = { user: fields.user_id ?? '', channel: fields.channel_id ?? '', ...(fields.team_id ? { team: fields.team_id } : {}) };
      const reply = answerWithoutWork(fields.text, caller, { audit: config.audit, now });
      if (reply) return jsonResult(200, reply);
    }
    return (await loadBolt(signingSecret, botToken))(event, context);
  };
}
