import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../common/logger';
import type { ServiceStats } from '../common/service-types';
import type { TokenCheck } from './auth';
import type { GatewayMetrics } from './metrics';
import { BROWSER_LIB_DIR, PAGE_DIR, staticFile } from './static-files';
import type { GatewayService } from './types';

/** Which HTTP endpoints the gateway answers besides the WebSocket upgrade. */
export interface EndpointSettings {
  /** `GET /metrics`, Prometheus text format (needs the token when one is set). */
  readonly metrics: boolean;
  /** `GET /healthz` and `GET /readyz` (never need the token: probes have none). */
  readonly health: boolean;
  /** `GET /`, the live page (needs the token when one is set). */
  readonly page: boolean;
}

export const DEFAULT_ENDPOINTS: EndpointSettings = { metrics: true, health: true, page: true };

export interface HttpContext {
  readonly service: GatewayService;
  readonly endpoints: EndpointSettings;
  readonly metrics: GatewayMetrics;
  readonly token: TokenCheck | undefined;
  /** False once the gateway is closing. */
  readonly serving: () => boolean;
  readonly logger: Logger;
}

/** Providers and workers that are not running, as `/readyz` names them. */
export function notRunning(stats: ServiceStats): { kind: 'provider' | 'worker'; name: string; state: string }[] {
  const { workers } = stats;
  return [
    ...stats.providers.filter((p) => p.state !== 'running').map((p) => ({ kind: 'provider' as const, name: p.name, state: p.state })),
    ...workers.filter((w) => w.state !== 'running').map((w) => ({ kind: 'worker' as const, name: w.name, state: w.state })),
  ];
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
  response.end(body);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json', JSON.stringify(body) + '\n');
}

/**
 * The gateway's plain HTTP side: health, readiness, metrics and the live page. The page's static
 * files and the browser build of the client library are the package's own code, not data, so
 * they are served without the token; the page itself and everything it shows need it.
 */
export function httpHandler(ctx: HttpContext): (request: IncomingMessage, response: ServerResponse) => void {
  const { endpoints } = ctx;
  const authorised = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (ctx.token === undefined || ctx.token.accepts(request)) return true;
    send(response, 401, 'text/plain', 'Unauthorized: a token is needed (Authorization: Bearer, or ?token=)\n', { 'WWW-Authenticate': 'Bearer' });
    return false;
  };
  const serveFile = async (response: ServerResponse, dir: string, path: string, defaultExt?: string): Promise<void> => {
    const file = await staticFile(dir, path, defaultExt);
    if (file === undefined) return send(response, 404, 'text/plain', 'not found\n');
    send(response, 200, file.type, file.body);
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://gateway.invalid').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'only GET\n', { Allow: 'GET, HEAD' });
    if (endpoints.health && path === '/healthz') {
      return ctx.serving() ? json(response, 200, { status: 'ok' }) : json(response, 503, { status: 'shutting-down' });
    }
    if (endpoints.health && path === '/readyz') {
      const stats = await ctx.service.stats();
      const down = notRunning(stats);
      return down.length === 0 ? json(response, 200, { ready: true }) : json(response, 503, { ready: false, notRunning: down });
    }
    if (endpoints.metrics && path === '/metrics') {
      if (!authorised(request, response)) return;
      return send(response, 200, ctx.metrics.contentType, await ctx.metrics.render(await ctx.service.stats()));
    }
    if (endpoints.page && (path === '/' || path === '/index.html')) {
      if (!authorised(request, response)) return;
      return serveFile(response, PAGE_DIR, 'index.html');
    }
    if (endpoints.page && path.startsWith('/page/')) return serveFile(response, PAGE_DIR, path.slice('/page/'.length));
    if (endpoints.page && path.startsWith('/lib/')) return serveFile(response, BROWSER_LIB_DIR, path.slice('/lib/'.length), '.js');
    if (path === '/') return send(response, 426, 'text/plain', 'this is a WebSocket endpoint\n', { Upgrade: 'websocket' });
    send(response, 404, 'text/plain', 'not found\n');
  };

  return (request, response) => {
    route(request, response).catch((error: unknown) => {
      ctx.logger.warn('http request failed', { url: request.url, error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) json(response, 503, { error: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  };
}
