import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import type { CliIO } from './io';
import { errorMessage, UserError } from '../errors';
import { commandKubeConfig } from './kubeconfig';
import { parseCommandArgs, refuseEmptyValues } from './args';
import { isSanIpAddress } from '../webhook/csr';
import { installWebhook } from '../webhook/install';
import { istioSwitches } from '../config';

function failurePolicy(value: string | undefined): 'Fail' | 'Ignore' | undefined {
  if (value === undefined || value === 'Fail' || value === 'Ignore') return value;
  throw new UserError(`--failure-policy must be Fail or Ignore, not ${value}`);
}

/** Checked before anything touches the cluster: `webhook install` creates the namespace before it signs. */
function ipAddresses(values: string[] | undefined): string[] | undefined {
  for (const ip of values ?? []) {
    if (!isSanIpAddress(ip)) {
      throw new UserError(`--ip ${ip} is not an IPv4 or IPv6 address${ip.includes('%') ? ' (zones are not allowed)' : ''}`);
    }
  }
  return values;
}

function readPem(cwd: string, file: string | undefined, flag: string): string {
  if (!file) throw new UserError(`${flag} <file> is required`);
  try {
    return readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`);
  }
}

async function install(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('webhook', args, {
    signer: { type: 'string' },
    namespace: { type: 'string' },
    service: { type: 'string' },
    secret: { type: 'string' },
    'config-name': { type: 'string' },
    url: { type: 'string' },
    ip: { type: 'string', multiple: true },
    'failure-policy': { type: 'string' },
    revision: { type: 'string' },
    'timeout-seconds': { type: 'string' },
    kubeconfig: { type: 'string' },
  });
  refuseEmptyValues('webhook', values);
  const timeout = values['timeout-seconds'] === undefined ? 60 : Number(values['timeout-seconds']);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UserError(`--timeout-seconds must be a positive number`);
  const policy = failurePolicy(values['failure-policy']);
  const ips = ipAddresses(values.ip);
  const kc = await commandKubeConfig(values.kubeconfig, io);
  const report = await installWebhook(kc, {
    signer: values.signer,
    namespace: values.namespace,
    service: values.service,
    secret: values.secret,
    configName: values['config-name'],
    url: values.url,
    ipAddresses: ips,
    failurePolicy: policy,
    revision: values.revision,
    timeoutMs: timeout * 1000,
    progress: (line) => io.stderr(`${line}\n`),
  });
  io.stdout(
    `${report.issued ? 'issued a new' : 'kept the'} serving certificate (signer ${report.signer}, valid until ${report.notAfter}) in Secret ${report.namespace}/${report.secret}\n` +
      `caBundle of MutatingWebhookConfiguration ${report.configName} is the cluster CA (${report.caSource})\n`,
  );
  return 0;
}

async function serve(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('webhook', args, {
    cert: { type: 'string' },
    key: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    valuesFile: { type: 'string' },
    meshConfigFile: { type: 'string' },
  });
  refuseEmptyValues('webhook', values);
  const port = values.port === undefined ? 15017 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a port number, not ${values.port}`);
  const cert = readPem(io.cwd, values.cert, '--cert');
  const key = readPem(io.cwd, values.key, '--key');
  const { engineInjector } = await import('../webhook/engine');
  const { startWebhookServer } = await import('../webhook/server');
  const injector = engineInjector({
    valuesFile: values.valuesFile,
    meshConfigFile: values.meshConfigFile,
    cwd: io.cwd,
    ...istioSwitches(io.env),
  });
  const server = await startWebhookServer({ cert, key, port, host: values.host ?? '0.0.0.0', injector });
  io.stderr(`mesh injector webhook listening on ${server.url}\n`);
  // `mesh webhook install` renews the certificate in its Secret; a mounted Secret's files change in place.
  const certFile = path.resolve(io.cwd, values.cert!);
  const reload = () => {
    try {
      server.updateCertificate(readPem(io.cwd, values.cert, '--cert'), readPem(io.cwd, values.key, '--key'));
      io.stderr(`reloaded the serving certificate from ${certFile}\n`);
    } catch (error) {
      io.stderr(`keeping the current certificate: ${errorMessage(error)}\n`);
    }
  };
  watchFile(certFile, { interval: 30_000 }, reload);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  unwatchFile(certFile, reload);
  await server.close();
  return 0;
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'install') return install(rest, io);
  if (action === 'serve') return serve(rest, io);
  throw new UserError(`expected install or serve as the first argument, got ${JSON.stringify(action ?? '')}`);
}
