// `mesh deploy` as a user sees it, the real CLI against the local cluster: in a terminal (a pseudo-terminal made
// by script(1)) the stage being waited for is a status line redrawn in place by cursor movement, and nothing of it
// is left once the rollout is done; into a pipe the same rollout prints plain lines, each once.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { screenAfter } from '../support/terminal-screen';
import { kubeconfigPath, READY_DELAY_ANNOTATION, withNamespace } from './setup/cluster';

const run = promisify(execFile);
const cli = path.join(__dirname, '../../bin/mesh.cjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-terminal-'));
const app = path.join(dir, 'slow-web');
// Its pods take 4 s to become ready: several redraws of the waiting line.
const deployment = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n      annotations: {${READY_DELAY_ANNOTATION}: "4s"}\n    spec:\n      containers:\n      - name: ${name}\n        image: nginx:1.27\n`;

beforeAll(() => {
  mkdirSync(app);
  writeFileSync(path.join(app, 'web.yaml'), deployment('web'));
  writeFileSync(path.join(app, 'api.yaml'), deployment('api'));
});

const env = () => ({ ...process.env, HOME: dir, MESH_CLUSTER_NAME: 'must-not-start' });

describe('mesh deploy progress', () => {
  const ns = withNamespace('terminal');

  it('in a terminal redraws its status line in place and leaves only the event lines', async () => {
    const command = [process.execPath, cli, 'deploy', '-f', app, '-n', ns.name, '--kubeconfig', kubeconfigPath()].map((a) => `'${a}'`).join(' ');
    const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { env: env(), maxBuffer: 16 * 1024 * 1024 });
    // Cursor up over the one-row status block, erase to the end of the screen, draw it again.
    const redraw = '\r\x1b[1A\x1b[J  [stage 1/1 all] ';
    expect(stdout.split(redraw).length - 1).toBeGreaterThan(2);
    const screen = screenAfter(stdout, 200);
    expect(screen.some((line) => line.startsWith('  [stage '))).toBe(false);
    expect(screen.at(-1)).toMatch(/^finished in \d+\.\ds \(all \d+\.\ds\)$/);
    expect(screen.filter((line) => line === '  deployment/web ready')).toHaveLength(1);
  });

  it('into a pipe prints plain lines, each once', async () => {
    const { stdout } = await run(process.execPath, [cli, 'deploy', '-f', app, '-n', ns.name, '--kubeconfig', kubeconfigPath()], { env: env() });
    expect(stdout).not.toContain('\x1b[');
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((line, i) => lines.indexOf(line) !== i)).toEqual([]);
    expect(lines.at(-1)).toMatch(/^finished in /);
  });
});
