import https from 'node:https';

export interface TlsIdentity {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface HttpResult {
  status: number;
  body: string;
}

/** One HTTPS request to a loopback control-plane endpoint (used before any client library is useful). */
export function httpsRequest(
  url: string, tls: TlsIdentity, method = 'GET', body?: unknown, timeoutMs = 5000, contentType = 'application/json',
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      url,
      {
        method,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        // kcm and the scheduler serve self-signed certificates; only the apiserver's is checked (tls.ca set).
        rejectUnauthorized: tls.ca !== undefined,
        headers: payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {},
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${new URL(url).pathname} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
