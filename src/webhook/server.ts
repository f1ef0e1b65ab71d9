/**
 * src/webhook: mesh's own injector webhook — this HTTPS server, the AdmissionReview door onto the engine
 * (review.ts, engine.ts; the JSON Patch is src/json-patch.ts), its MutatingWebhookConfiguration with Istio's
 * selectors (configuration.ts, selectors.ts), and its certificate through the CSR API (install.ts, csr.ts,
 * certs.ts).
 *
 * mesh's injector webhook: HTTPS, `/inject` (and `/inject/...` as istiod), plus a readiness endpoint.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reviewAdmission, type PodInjector } from './review';
import { errorMessage } from '../errors';

// The API server caps request bodies at 3 MiB; anything much larger is not an AdmissionReview.
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface WebhookServerOptions {
  cert: string | Buffer;
  key: string | Buffer;
  port?: number;
  host?: string;
  injector: PodInjector;
  /** Called for every answered review (method, path, status, milliseconds); logging stays with the door. */
  onRequest?: (entry: { path: string; status: number; ms: number }) => void;
}

export interface RunningWebhook {
  port: number;
  url: string;
  /** New connections use this key pair (a renewed certificate) without a restart. */
  updateCertificate(cert: string | Buffer, key: string | Buffer): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse, options: WebhookServerOptions): void {
  const started = process.hrtime.bigint();
  const path = (req.url ?? '/').split('?')[0];
  const done = (status: number, body: unknown) => {
    send(res, status, body);
    options.onRequest?.({ path, status, ms: Number(process.hrtime.bigint() - started) / 1e6 });
  };
  if (req.method === 'GET' && (path === '/healthz' || path === '/ready')) return done(200, { status: 'ok' });
  if (path !== '/inject' && !path.startsWith('/inject/')) return done(404, { message: `no handler for ${path}` });
  if (req.method !== 'POST') return done(405, { message: 'use POST with an AdmissionReview' });
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (tooLarge) return done(413, { message: `body larger than ${MAX_BODY_BYTES} bytes` });
    let reply;
    try {
      reply = reviewAdmission(Buffer.concat(chunks).toString('utf8'), req.headers['content-type'], options.injector);
    } catch (error) {
      reply = { status: 500, body: { message: `internal error: ${errorMessage(error)}` } };
    }
    done(reply.status, reply.body);
  });
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningWebhook> {
  const server = https.createServer({ cert: options.cert, key: options.key, keepAliveTimeout: 30_000 }, (req, res) =>
    handle(req, res, options),
  );
  server.on('clientError', (_error, socket) => socket.destroy());
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}/inject`,
    updateCertificate: (cert, key) => server.setSecureContext({ cert, key }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
