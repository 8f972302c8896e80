import type { IncomingMessage } from 'node:http';

/**
 * Which web pages may open a socket. A browser sends `Origin` on every WebSocket upgrade and
 * lets any page connect anywhere, so without this check any page open on the machine could
 * drive the service. Clients that are not browsers send no `Origin` and are not affected. The
 * gateway's own origin (the page it serves itself) is always allowed; others must be listed.
 */
export class OriginCheck {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    allowed: readonly string[],
    /** The gateway's own origins, known once it listens. */
    private readonly own: () => readonly string[],
  ) {
    this.allowed = new Set(allowed.map(normalise));
  }

  accepts(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    const o = normalise(origin);
    return this.allowed.has('*') || this.allowed.has(o) || this.own().includes(o);
  }
}

function normalise(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

/** `http://host:port` for the loopback names and the bound host (not a wildcard address). */
export function ownOrigins(host: string, port: number): string[] {
  const hosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (host !== '0.0.0.0' && host !== '::' && host !== '') hosts.add(host.includes(':') ? `[${host}]` : host.toLowerCase());
  return [...hosts].map((h) => `http://${h}:${port}`);
}
