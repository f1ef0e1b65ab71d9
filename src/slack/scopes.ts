// The OAuth scopes Slack requires of a bot token for each Web API method mesh calls, from Slack's method
// reference (docs.slack.dev/reference/methods/<method>, "Required scopes", bot token). The loopback stand-in
// enforces them against the scopes infra/slack/manifest.yaml requests, so a method called without its scope in
// the manifest fails a test as it would fail in Slack (`missing_scope`), instead of only in production.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** Method → the bot scope it needs (`undefined`: none, e.g. auth.test). */
export const METHOD_SCOPES: Readonly<Record<string, string | undefined>> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  // Group rules of the policy ask who is in a user group.
  'usergroups.users.list': 'usergroups:read',
  'auth.test': undefined,
};

/** Slack's answer to a call the token's scopes do not cover, or undefined when they do (or the method is not listed). */
export function missingScope(method: string, granted: readonly string[]): { ok: false; error: 'missing_scope'; needed: string; provided: string } | undefined {
  const needed = METHOD_SCOPES[method];
  if (needed === undefined || granted.includes(needed)) return undefined;
  return { ok: false, error: 'missing_scope', needed, provided: granted.join(',') };
}

/** The bot scopes an app manifest (YAML or JSON) requests: `oauth_config.scopes.bot`. */
export function manifestBotScopes(text: string): string[] {
  const manifest = parse(text) as { oauth_config?: { scopes?: { bot?: unknown } } } | null;
  const bot = manifest?.oauth_config?.scopes?.bot;
  return Array.isArray(bot) ? bot.filter((s): s is string => typeof s === 'string') : [];
}

/**
 * The scopes of the shipped manifest, infra/slack/manifest.yaml, found from this module (src/slack/ in the tests,
 * dist/ in the bundled console); undefined when mesh runs without its infra/ folder.
 */
export function shippedManifestScopes(): string[] | undefined {
  for (let dir = __dirname, up = 0; up < 4; up++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'infra', 'slack', 'manifest.yaml');
    if (existsSync(file)) return manifestBotScopes(readFileSync(file, 'utf8'));
  }
  return undefined;
}
