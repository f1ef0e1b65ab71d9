// Loopback addresses: the only hosts where the tests' stand-ins (Git server, Slack) may be reached over plain
// http or outside Slack's own hosts. Nothing on the network can answer on them.

/** Whether a URL's hostname (`new URL(…).hostname`) is this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
