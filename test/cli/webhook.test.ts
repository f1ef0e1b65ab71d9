// `mesh autoinject` and `mesh webhook` bad input: one clear line, exit 1, nothing touched (no cluster needed).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { runCli } from '../support/run-cli';
import { makeTestPki } from '../webhook/support/tls';

const work = mkdtempSync(path.join(tmpdir(), 'mesh-webhook-cli-'));

function cli(args: string[], onStderr: (text: string) => void = () => undefined) {
  const env = { HOME: work, PATH: process.env.PATH, KUBECONFIG: path.join(work, 'missing-kubeconfig') };
  return runCli(args, { env, cwd: work, onStderr });
}

describe('mesh autoinject / mesh webhook input errors', () => {
  it.each([
    [['autoinject'], 'mesh autoinject: expected one of enable, disable, status, restart as the first argument, got ""'],
    [['autoinject', 'switch', 'shop'], 'got "switch"'],
    [['autoinject', 'enable'], 'expected exactly one namespace after "enable"'],
    [['autoinject', 'enable', 'a', 'b'], 'expected exactly one namespace'],
    [['autoinject', 'status', 'shop', '-o', 'yaml'], '--output must be json or text, not yaml'],
    [['autoinject', 'status', 'shop', '--bogus'], 'mesh autoinject: unknown option "--bogus" (see mesh autoinject --help)'],
    [['autoinject', 'status', 'shop'], `KUBECONFIG ${path.join(work, 'missing-kubeconfig')} does not exist`],
    [['webhook'], 'expected install or serve'],
    [['webhook', 'install', '--failure-policy', 'Maybe'], '--failure-policy must be Fail or Ignore, not Maybe'],
    [['webhook', 'install', '--timeout-seconds=-3'], '--timeout-seconds must be a positive number'],
    [['webhook', 'install', '--ip', '10.0.0.1', '--ip', 'fe80::1%eth0'], 'mesh webhook: --ip fe80::1%eth0 is not an IPv4 or IPv6 address (zones are not allowed)'],
    [['webhook', 'install', '--ip', 'localhost'], 'mesh webhook: --ip localhost is not an IPv4 or IPv6 address'],
    [['webhook', 'serve'], '--cert <file> is required'],
    [['webhook', 'serve', '--cert', 'nope.pem', '--key', 'nope.pem'], 'cannot read --cert nope.pem: ENOENT'],
    [['webhook', 'serve', '--port', '99999'], '--port must be a port number, not 99999'],
  ])('%j → one-line error', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('serves reviews with `mesh webhook serve` until SIGTERM', async () => {
    const pki = makeTestPki();
    writeFileSync(path.join(work, 'cert.pem'), pki.certPem);
    writeFileSync(path.join(work, 'key.pem'), pki.keyPem);
    let listening: (port: number) => void = () => undefined;
    const portPromise = new Promise<number>((resolve) => (listening = resolve));
    const running = cli(['webhook', 'serve', '--cert', 'cert.pem', '--key', 'key.pem', '--port', '0', '--host', '127.0.0.1'], (text) => {
      const match = /127\.0\.0\.1:(\d+)\/inject/.exec(text);
      if (match) listening(Number(match[1]));
    });
    const port = await portPromise;
    expect(port).toBeGreaterThan(0);
    const status = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/healthz', ca: pki.caPem }, (res) => resolve(res.statusCode ?? 0)).on('error', reject);
    });
    expect(status).toBe(200);
    process.emit('SIGTERM');
    expect((await running).code).toBe(0);
  });
});

