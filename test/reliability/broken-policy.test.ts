// A broken policy fails closed: mutating commands are refused with the reason (file and line), read-only
// commands still answer. Through the front door as deployed, with the policy from MESH_POLICY or
// MESH_POLICY_FILE as in Lambda.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE } from '../slack/helpers/bundle-process';
import { leakedSecrets, startSlackDoor } from './support/slack-door';

jest.setTimeout(60_000);

const dir = mkdtempSync(path.join(tmpdir(), 'mesh-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build (npm test does)`);
});

it.each([
  ['invalid YAML', () => ({ policy: 'rules: [\n  - users: [U0PLATFORM\n' }), /MESH_POLICY:\d+: invalid YAML/],
  ['rules of the wrong type', () => ({ policy: 'rules: {users: [U0PLATFORM]}\n' }), /MESH_POLICY:1: rules must be a list/],
  ['permissions of the wrong type', () => ({ policy: 'rules:\n  - users: [U0PLATFORM]\n    permissions: deploy\n    namespaces: ["*"]\n' }), /MESH_POLICY:3: rule 1 permissions must be a list of strings/],
  ['readOnly of the wrong type', () => ({ policy: 'readOnly: 5\n' }), /MESH_POLICY:1: readOnly must be "open" or "restricted"/],
  ['a file with a tab in its indentation', () => ({ policyFile: file('tabs.yaml', 'rules:\n\t- users: [U0PLATFORM]\n') }), /tabs\.yaml:2: invalid YAML/],
  ['a missing file', () => ({ policyFile: path.join(dir, 'missing.yaml') }), /cannot read .*missing\.yaml: ENOENT/],
])('%s: mutating commands are refused with the reason, read-only ones answer', async (_label, options, reason) => {
  const door = await startSlackDoor(options());
  try {
    for (const text of ['deploy guestbook -n shop', 'autoinject enable shop', 'cancel shop.guestbook.abc123']) {
      const { result } = await door.command(text, { user: 'U0PLATFORM', channel: 'C0OPS' });
      expect(result.statusCode).toBe(200);
      const reply = JSON.parse(result.body) as { response_type: string; text: string };
      expect(reply.response_type).toBe('ephemeral');
      expect(reply.text).toMatch(/^:no_entry: Denied: the mesh policy cannot be used: /);
      expect(reply.text).toMatch(reason);
      expect(reply.text).not.toContain('\n');
    }
    await door.button({ actionId: 'mesh_restart', value: 'shop', user: 'U0PLATFORM', channel: 'C0OPS' });
    expect(door.sfn.started).toEqual([]);
    const status = JSON.parse((await door.command('status guestbook -n shop', { user: 'U0EVE', channel: 'C0RANDOM' })).result.body) as { text: string };
    expect(status.text).toMatch(/^:hourglass_flowing_sand: Working on `status guestbook -n shop`/);
    expect(door.sfn.started.map((s) => (s.input.job as { text: string }).text)).toEqual(['status guestbook -n shop']);
    const denials = door.bundle.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((a) => a.decision === 'deny');
    expect(denials).toHaveLength(4);
    expect(leakedSecrets(door.outputs())).toEqual([]);
  } finally {
    await door.close();
  }
});
