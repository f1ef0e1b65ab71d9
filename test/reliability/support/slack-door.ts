// The Slack front door as deployed: the BUILT dist/handlers/slack.js in its own process, configured as in
// Lambda, with loopback stand-ins for Step Functions and the Slack Web API. Requests are signed as Slack signs
// them. Everything the run prints or sends is collected, so it can be scanned for secrets.
import { startBundle, type BundleProcess, type InvokeResult } from '../../slack/helpers/bundle-process';
import { startFakeStepFunctions, type FakeStepFunctions } from '../../slack/helpers/fake-stepfunctions';
import { TEST_POLICY } from '../../slack/helpers/policy';
import { buttonBody, gatewayEvent, signedEvent, slashCommandBody } from '../../slack/helpers/signing';
import { startSlackStandin, type SlackStandin } from '../../../src/slack/standin';

export const SIGNING_SECRET = 'reliability-signing-secret-4f9c2e';
export const BOT_TOKEN = 'xoxb-reliability-bot-token-8d31a7';
export const AWS_SECRET_KEY = 'reliability-aws-secret-key-51b0e2';
/** Every secret the door is given: none may appear in anything it prints or sends. */
export const TEST_SECRETS = [SIGNING_SECRET, BOT_TOKEN, AWS_SECRET_KEY];


export interface SlackDoor {
  bundle: BundleProcess;
  sfn: FakeStepFunctions;
  slack: SlackStandin;
  command(text: string, caller?: { user?: string; channel?: string }): Promise<InvokeResult>;
  button(press: { actionId: string; value: string; user?: string; channel?: string }, options?: { timestamp?: number }): Promise<InvokeResult>;
  /** Sends an API Gateway event as it is (unsigned, oddly encoded, …). */
  raw(event: unknown): Promise<InvokeResult>;
  /** What the door printed (audit lines, logs) and what reached Slack and Step Functions. */
  outputs(): string[];
  close(): Promise<void>;
}

export async function startSlackDoor(options: { policy?: string; policyFile?: string; bundle?: string } = {}): Promise<SlackDoor> {
  const sfn = await startFakeStepFunctions();
  const slack = await startSlackStandin();
  slack.userGroups.S0PLATFORM = ['U0PLATFORM'];
  const bundle = startBundle(
    {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      ...(options.policyFile !== undefined ? { MESH_POLICY_FILE: options.policyFile } : { MESH_POLICY: options.policy ?? TEST_POLICY }),
      MESH_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:mesh-jobs',
      MESH_AWS_ENDPOINT_URL: sfn.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDRELIABILITY',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET_KEY,
    },
    options.bundle ? { bundle: options.bundle } : {},
  );
  return {
    bundle,
    sfn,
    slack,
    command: (text, caller = {}) => bundle.invoke(signedEvent(SIGNING_SECRET, slashCommandBody({ text, ...caller }))),
    button: (press, opts = {}) =>
      bundle.invoke(
        signedEvent(SIGNING_SECRET, buttonBody({ ...press, responseUrl: slack.responseUrl(press.channel ?? 'C0CHANNEL') }), opts),
      ),
    raw: (event) => bundle.invoke(event),
    outputs: () => [
      ...bundle.logs,
      ...bundle.stderr,
      ...slack.messages.map((m) => JSON.stringify(m)),
      ...slack.calls.map((c) => JSON.stringify(c.args)),
      ...sfn.started.map((s) => JSON.stringify(s)),
    ],
    close: async () => {
      await bundle.close();
      await sfn.close();
      await slack.close();
    },
  };
}

/** The secrets that occur in `texts` (none, hopefully). */
export function leakedSecrets(texts: readonly string[], secrets: readonly string[] = TEST_SECRETS): string[] {
  return secrets.filter((secret) => texts.some((text) => text.includes(secret)));
}

export { gatewayEvent, signedEvent, slashCommandBody, buttonBody };
