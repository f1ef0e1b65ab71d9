// `mesh kube-inject --injectConfigFile`: an explicit injector configuration (templates + policy, or a bare
// sidecar template) rendered with mesh's Go template renderer; a team's own templates; bad input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../support/run-cli';
import { INJECT_DIR } from './cases';
import type { JsonObject } from '../../src/json-object';

const work = mkdtempSync(path.join(tmpdir(), 'mesh-inject-config-'));
const hello = path.join(INJECT_DIR, 'hello.yaml');

function cli(args: string[]) {
  return runCli(['kube-inject', '--native-sidecars', 'false', ...args], { env: { HOME: work, PATH: process.env.PATH }, cwd: work });
}

function file(name: string, text: string): string {
  const p = path.join(work, name);
  writeFileSync(p, text);
  return p;
}

const TEAM_TEMPLATE = `metadata:
  labels:
    team.example.com/owner: {{ index .ObjectMeta.Labels "app" | default "nobody" | quote }}
  annotations:
    team.example.com/hub: {{ .Values.global.hub | quote }}
spec:
  containers:
  {{- range $c := .Spec.Containers }}
  - name: {{ $c.Name }}
    env:
    - name: TEAM_PORTS
      value: {{ includeInboundPorts $.Spec.Containers | quote }}
  {{- end }}
`;

function config(templates: Record<string, string>, extra = ''): string {
  const body = Object.entries(templates)
    .map(([name, text]) => `  ${name}: |\n${text.split('\n').map((l) => `    ${l}`).join('\n')}`)
    .join('\n');
  return `policy: enabled\n${extra}templates:\n${body}\n`;
}

function podTemplateOf(output: string): JsonObject {
  return parseAllDocuments(output)[0].toJS().spec.template;
}

function annotate(template: string): string {
  const deployment = readFileSync(hello, 'utf8');
  return file(`hello-${template.replace(/,/g, '+')}.yaml`, deployment.replace('  template:\n    metadata:\n', `  template:\n    metadata:\n      annotations:\n        inject.istio.io/templates: "${template}"\n`));
}

describe('mesh kube-inject --injectConfigFile', () => {
  it('renders a team’s own template selected by inject.istio.io/templates (refused without a config)', async () => {
    const input = annotate('team');
    const refused = await cli(['-f', input]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('requested template "team" not found');
    const r = await cli(['-f', input, '--injectConfigFile', file('team.yaml', config({ team: TEAM_TEMPLATE }))]);
    expect(r.stderr).toMatch(/^mesh kube-inject: injected by the injector config .*team\.yaml, rendered by mesh\n$/);
    expect(r.code).toBe(0);
    const pod = podTemplateOf(r.stdout);
    expect(pod.metadata.labels['team.example.com/owner']).toBe('hello');
    expect(pod.metadata.annotations['team.example.com/hub']).toBe('registry.istio.io/testing');
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'TEAM_PORTS', value: '80' }]));
    expect(JSON.parse(pod.metadata.annotations['sidecar.istio.io/status']).containers).toEqual(['hello']);
  });

  it('takes a bare template file as the sidecar template, as istioctl does', async () => {
    const r = await cli(['-f', hello, '--injectConfigFile', file('bare.tmpl', TEAM_TEMPLATE)]);
    expect(r.code).toBe(0);
    expect(podTemplateOf(r.stdout).metadata.labels['team.example.com/owner']).toBe('hello');
  });

  it('resolves aliases and defaultTemplates from the config', async () => {
    const cfg = file('alias.yaml', config({ team: TEAM_TEMPLATE, other: 'metadata:\n  labels:\n    other: "yes"\n' }, 'defaultTemplates: [both]\naliases:\n  both: [team, other]\n'));
    const r = await cli(['-f', hello, '--injectConfigFile', cfg]);
    expect(r.code).toBe(0);
    const labels = podTemplateOf(r.stdout).metadata.labels;
    expect([labels['team.example.com/owner'], labels.other]).toEqual(['hello', 'yes']);
  });

  it.each([
    ['a template that does not parse', config({ sidecar: 'metadata:\n  labels:\n    x: {{ .a | }}{{ end }}\n' }), 'bad-parse.yaml: template "sidecar": template: inject:3: unexpected {{end}}'],
    ['a function Istio does not have', config({ sidecar: 'metadata:\n  labels:\n    x: {{ toToml . }}\n' }), 'bad-func.yaml: template "sidecar": template: inject:3: function "toToml" not defined'],
    ['an unknown policy', 'policy: sometimes\ntemplates:\n  sidecar: "{}"\n', 'bad-policy.yaml: policy must be "enabled" or "disabled", not "sometimes"'],
  ])('refuses %s: one line naming the file, exit 1, nothing written', async (_what, text, message) => {
    const name = message.slice(0, message.indexOf(':'));
    const r = await cli(['-f', hello, '--injectConfigFile', file(name, text)]);
    expect({ code: r.code, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ code: 1, stdout: '', lines: 1 });
    expect(r.stderr).toContain(message);
  });

  it('refuses values of the wrong type for a template, with Go’s line:col', async () => {
    const cfg = file('typed.yaml', config({ sidecar: 'metadata:\n  labels:\n    hub: {{ trunc 3 .Values.global.hub }}\n' }));
    const values = file('values-typed.yaml', 'global:\n  hub: 5\n');
    const r = await cli(['-f', hello, '--injectConfigFile', cfg, '--valuesFile', values]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toContain('typed.yaml: template "sidecar": template: inject:3:27: executing "inject" at <.Values.global.hub>: wrong type for value; expected string; got float64');
  });

  it('names an unknown template and the ones the config has', async () => {
    const r = await cli(['-f', annotate('nope'), '--injectConfigFile', file('known.yaml', config({ team: TEAM_TEMPLATE, sidecar: '{}' }))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('requested template "nope" not found; have sidecar, team');
  });
});
