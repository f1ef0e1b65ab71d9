// Lambda entry point of the Slack front door (API Gateway HTTP API → here). Thin: configuration from the
// environment, the request path in src/slack/handler.ts. Bolt ships as a string evaluated on first need, so a
// cold `/mesh help` or a malformed command is answered without parsing Bolt at all.
import boltSource from 'lazy-bundle:../src/slack/bolt-app';
import { createSlackHandler } from '../src/slack/handler';
import { slackConfigFromEnv } from '../src/slack/config';
import { evaluateBundle } from '../src/slack/lazy-module';

export const handler = createSlackHandler({
  ...slackConfigFromEnv(),
  loadBolt: async () => evaluateBundle<typeof import('../src/slack/bolt-app')>(boltSource, `${__dirname}/slack-bolt.js`),
});
