// src/slack — the Slack door: the request path (handler.ts, fast path; bolt-app.ts for buttons), its decisions
// (frontdoor.ts: parse, authorize under the policy, dispatch a job, audit), the Web API adapter (webapi.ts),
// the jobs' reporter on Slack (reporter.ts, notifier.ts), the button ids (actions.ts) and the loopback
// stand-in (standin.ts). Slack markup lives only under render/. The Slack ack path (this file, frontdoor.ts) loads
// no Kubernetes client and no Bolt; console and handlers wire the door up.
//
// The Slack Lambda's request path. A fast path verifies the signature itself and answers every `/mesh` slash
// command — help, malformed ones, and those that authorize and start a job — without loading Bolt (a cold ack
// budget of ~2.5× a bare `node`); only button presses go to Bolt, loaded on the first one. Secrets are looked up from
// the cold start on (overlapping module loading and the first request's parsing), cached, never logged.
import type { Context } from 'aws-lambda';
import type { JobDispatcher } from '../jobs/job';
import type { AuditSink } from './audit';
import { parseCommand } from '../jobs/verbs/command';
import { handleCommand, type FrontDoorDeps } from './frontdoor';
import type { Policy } from './policy';
import { formFields, jsonResult, malformedSlackRequest, readGatewayEvent, type GatewayEvent, type LambdaResult } from './request';
import { verifySlackRequest } from './verify';
import { errorMessage } from '../errors';

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

  // The door's decisions need no Bolt; one set per cold start (the bot token only changes with a new one).
  // Only a policy whose rules name user groups asks Slack, through the Web API client of the Bolt half, so
  // that client stays out of the fast path's bundle.
  let doorDeps: FrontDoorDeps | undefined;
  const frontDoorDeps = (botToken: string): FrontDoorDeps => {
    doorDeps ??= {
      policy: config.policy,
      dispatcher: config.dispatcher,
      audit: config.audit,
      now,
      userGroups: async (userId, groupIds) => {
        const { userGroupsLookup } = await config.loadBolt();
        return userGroupsLookup(botToken, config.slackApiUrl)(userId, groupIds);
      },
    };
    return doorDeps;
  };

  const loadBolt = (signingSecret: string, botToken: string): Promise<SlackLambdaHandler> => {
    bolt ??= config.loadBolt().then(({ createBoltHandler }) =>
      createBoltHandler({
        signingSecret, botToken, botId: config.botId, botUserId: config.botUserId, deps: frontDoorDeps(botToken),
        ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
      }),
    );
    return bolt;
  };

  // Started with the cold start; a failed lookup is not cached (secretsResolver), so a request retries it.
  config.secrets().catch(() => undefined);

  const refuse = (status: number, reason: string, error: string): LambdaResult => {
    log(JSON.stringify({ type: 'mesh.rejected-request', reason }));
    return jsonResult(status, { error });
  };

  return async (event, context) => {
    if ((event.body?.length ?? 0) > MAX_BODY_CHARS) return refuse(413, 'body too large', 'request body too large');
    const request = readGatewayEvent(event);
    if (/(^|&)ssl_check=1(&|$)/.test(request.rawBody)) return jsonResult(200, {});
    const secrets = config.secrets();
    // Read while the secrets are on their way; nothing is acted on before the signature is verified.
    const fields = formFields(request);
    if (fields?.payload !== undefined || (fields?.command === '/mesh' && fields.text !== undefined && needsPolicy(fields.text))) warmPolicy();
    const { signingSecret, botToken } = await secrets;
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
    if (!fields) return refuse(415, 'not form-encoded', 'expected application/x-www-form-urlencoded');
    const malformed = malformedSlackRequest(fields);
    if (malformed) return refuse(400, malformed, 'not a well-formed /mesh command or button press');
    if (fields.command === '/mesh' && fields.text !== undefined) {
      const caller = {
        user: fields.user_id ?? '',
        channel: fields.channel_id ?? '',
        ...(fields.team_id ? { team: fields.team_id } : {}),
        ...(fields.response_url ? { responseUrl: fields.response_url } : {}),
      };
      try {
        return jsonResult(200, await handleCommand(fields.text, caller, frontDoorDeps(botToken)));
      } catch (error) {
        // As Bolt answers a listener that throws.
        log(JSON.stringify({ type: 'mesh.error', error: errorMessage(error).slice(0, 300) }));
        return { statusCode: 500, body: 'Internal server error' };
      }
    }
    // What is left is a well-formed button press (malformedSlackRequest lets nothing else through): Bolt's. Bolt
    // parses a form only under the bare media type, so `…; charset=utf-8` is handed over without its parameter.
    return (await loadBolt(signingSecret, botToken))(withBareFormContentType(event), context);
  };

  /** Parses the policy ahead of need (cached on success; a broken one is reported when it is used). */
  function warmPolicy(): void {
    try {
      config.policy();
    } catch {
      // decideAndDispatch meets the same error and fails closed.
    }
  }
}

function withBareFormContentType(event: GatewayEvent): GatewayEvent {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-type'));
  return { ...event, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } };
}

function needsPolicy(text: string): boolean {
  const parsed = parseCommand(text);
  return parsed.ok && parsed.command.kind !== 'help';
}
