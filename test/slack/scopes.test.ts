// Slack scopes as Slack enforces them: every Web API method mesh calls needs a bot scope (Slack's method
// reference), the stand-in refuses a call whose scope the app manifest does not request (missing_scope, with
// needed and provided, as Slack answers), so a scope missing from infra/slack/manifest.yaml fails a test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { manifestBotScopes, METHOD_SCOPES } from '../../src/slack/scopes';
import { startSlackStandin } from '../../src/slack/standin';
import { slackApi } from '../../src/slack/webapi';

const manifestScopes = manifestBotScopes(readFileSync('infra/slack/manifest.yaml', 'utf8'));

/** Every Web API method named in an `….call('method'` of src/. */
function methodsCalledBySrc(dir = 'src'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return methodsCalledBySrc(file);
    if (!name.endsWith('.ts')) return [];
    return [...readFileSync(file, 'utf8').matchAll(/\.call(?:<[^>]*>)?\(\s*'([a-zA-Z]+(?:\.[a-zA-Z]+)+)'/g)].map((m) => m[1]!);
  });
}

test('the scope table covers every Web API method src/ calls', () => {
  const called = [...new Set(methodsCalledBySrc())].sort();
  expect(called).toEqual(expect.arrayContaining(['chat.postMessage', 'chat.update', 'usergroups.users.list']));
  expect(called.filter((m) => !(m in METHOD_SCOPES))).toEqual([]);
});

test('the manifest requests the scope of every method mesh calls (usergroups:read for group rules)', () => {
  const needed = [...new Set(methodsCalledBySrc().map((m) => METHOD_SCOPES[m]).filter((s): s is string => s !== undefined))].sort();
  expect(needed.filter((scope) => !manifestScopes.includes(scope))).toEqual([]);
  expect(manifestScopes).toContain('usergroups:read');
});

describe('the stand-in enforces scopes', () => {
  it('uses the manifest\'s scopes by default', async () => {
    const standin = await startSlackStandin();
    try {
      expect(standin.scopes).toEqual(manifestScopes);
      const api = slackApi({ token: 'xoxb-test', baseUrl: standin.apiUrl });
      await expect(api.call('usergroups.users.list', { usergroup: 'S0PLATFORM' })).resolves.toMatchObject({ ok: true, users: [] });
    } finally {
      await standin.close();
    }
  });

  it('answers missing_scope, naming the needed and the provided scopes, for a method the scopes do not cover', async () => {
    const standin = await startSlackStandin({ scopes: manifestScopes.filter((s) => s !== 'usergroups:read') });
    try {
      const response = await fetch(`${standin.apiUrl}usergroups.users.list`, { method: 'POST', body: new URLSearchParams({ usergroup: 'S0PLATFORM' }) });
      expect(await response.json()).toEqual({ ok: false, error: 'missing_scope', needed: 'usergroups:read', provided: manifestScopes.filter((s) => s !== 'usergroups:read').join(',') });
      const api = slackApi({ token: 'xoxb-test', baseUrl: standin.apiUrl });
      await expect(api.call('usergroups.users.list', { usergroup: 'S0PLATFORM' })).rejects.toThrow('Slack usergroups.users.list failed: missing_scope');
      // chat:write is still there: posting works.
      await expect(api.call('chat.postMessage', { channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
    } finally {
      await standin.close();
    }
  });
});
