import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// The Slack app manifest must point both the command and the buttons at the route serverless.yml serves.
const root = path.resolve(__dirname, '../..');
const manifest = parse(readFileSync(path.join(root, 'infra/slack/manifest.yaml'), 'utf8'));

describe('infra/slack/manifest.yaml', () => {
  it('declares /mesh with a description and a usage hint within Slack limits', () => {
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toEqual([]);
    expect(command.command).toBe('/mesh');
    expect(command.description.length).toBeGreaterThan(0);
    expect(command.description.length).toBeLessThanOrEqual(2000);
    expect(command.usage_hint).toMatch(/deploy <app>/);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
  });

  it('asks for exactly the bot scopes mesh uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'chat:write.public', 'commands', 'files:write', 'usergroups:read']);
  });

  it('sends the command and the buttons to the HTTP route of the slack function', () => {
    const route = /path: (\/\S+)/.exec(readFileSync(path.join(root, 'serverless.yml'), 'utf8'))![1];
    expect(route).toBe('/slack/events');
    for (const url of [manifest.features.slash_commands[0].url, manifest.settings.interactivity.request_url]) {
      expect(new URL(url).pathname).toBe(route);
    }
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
