/** Why a dry-run probe pod did not come back injected, in words an operator can act on. Pure. */

export type ProbeFailure = 'tls' | 'unreachable' | 'timeout' | 'denied' | 'webhook-error' | 'not-matched' | 'not-injected' | 'other';

export function classifyProbeError(message: string): { kind: ProbeFailure; explanation: string } {
  const webhook = /failed calling webhook "([^"]+)"/.exec(message)?.[1] ?? /admission webhook "([^"]+)"/.exec(message)?.[1];
  const who = webhook ? `webhook ${webhook}` : 'the injector webhook';
  if (/x509|certificate|tls:/i.test(message)) {
    return { kind: 'tls', explanation: `TLS error calling ${who}: the API server does not trust its serving certificate (caBundle wrong or cert expired): ${message}` };
  }
  if (/connection refused|no such host|no endpoints|service "[^"]+" not found|connect: |EOF/i.test(message)) {
    return { kind: 'unreachable', explanation: `the API server cannot reach ${who} (server down or service without endpoints): ${message}` };
  }
  if (/deadline exceeded|timeout|timed out/i.test(message)) {
    return { kind: 'timeout', explanation: `${who} did not answer in time: ${message}` };
  }
  if (/denied the request/i.test(message)) {
    return { kind: 'denied', explanation: `${who} refused the probe pod: ${message}` };
  }
  if (webhook) return { kind: 'webhook-error', explanation: `${who} failed: ${message}` };
  return { kind: 'other', explanation: `the probe pod could not be created: ${message}` };
}

export function probePod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'mesh-autoinject-probe-', labels: { app: 'mesh-autoinject-probe' } },
    spec: { containers: [{ name: 'probe', image: 'registry.k8s.io/pause:3.10' }] },
  };
}
