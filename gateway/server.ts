import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as WebSocketServer } from 'ws';
import { TesseraError } from '../common/errors';
import { silentLogger, type Logger } from '../common/logger';
import { TokenCheck } from './auth';
import { Connection } from './connection';
import { GatewayCounters } from './counters';
import { DEFAULT_ENDPOINTS, httpHandler } from './http';
import { GatewayMetrics } from './metrics';
import { encodeError } from './encode';
import { systemClock, type Cancel, type Clock } from '../common/clock';
import { monotonicNow } from './rate';
import { OriginCheck, ownOrigins } from './origin';
import { SessionQuota } from './quota';
import { Releases } from './releases';
import { GatewaySocket } from './socket';
import { DEFAULT_GATEWAY_LIMITS, type GatewayLimits, type GatewayOptions } from './types';

/** How long shutdown waits for clients to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 2_000;

type State = 'running' | 'closing' | 'closed';

function limitsFrom(options: GatewayOptions): GatewayLimits {
  const limits: Record<keyof GatewayLimits, number> = { ...DEFAULT_GATEWAY_LIMITS };
  for (const key of Object.keys(limits) as (keyof GatewayLimits)[]) {
    const value = options[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

function refuseUpgrade(socket: Duplex, status: number, text: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n${extra}\r\n${text}\n`);
}

/**
 * The WebSocket gateway: an HTTP server that upgrades authorised requests and gives each socket
 * a Connection. It never touches the service's state itself; `close` ends every socket (1001)
 * and leaves stopping the service to the caller.
 */
export class Gateway {
  private state: State = 'running';
  private closing: Promise<void> | undefined;
  private nextId = 1;
  private readonly connections = new Set<Connection>();
  private readonly releases = new Releases();
  private readonly quota: SessionQuota;
  private readonly origins: OriginCheck;
  private readonly unwatchSessions: () => void;
  private readonly heartbeat: Cancel | undefined;
  private readonly clock: Clock;
  /** Frames, bytes, pauses and refusals, for `/metrics`. */
  readonly counters = new GatewayCounters();
  private readonly metrics: GatewayMetrics;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer<typeof GatewaySocket>,
    private readonly options: GatewayOptions,
    private readonly limits: GatewayLimits,
    private readonly logger: Logger,
  ) {
    const token = options.token === undefined ? undefined : new TokenCheck(options.token);
    this.quota = new SessionQuota(limits, token !== undefined);
    this.unwatchSessions = options.service.onSessionClosed((id) => this.quota.closed(id));
    this.origins = new OriginCheck(options.allowedOrigins ?? [], () => ownOrigins(options.host ?? '127.0.0.1', this.address.port));
    this.metrics = new GatewayMetrics(this.counters, () => this.connections.size);
    const endpoints = { ...DEFAULT_ENDPOINTS, ...options.endpoints };
    http.on('request', httpHandler({ service: options.service, endpoints, metrics: this.metrics, token, serving: () => this.state === 'running', logger }));
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(request, socket, head, token));
    this.clock = options.clock ?? systemClock;
    if (limits.pingIntervalMs > 0) this.heartbeat = this.clock.setInterval(() => this.connections.forEach((c) => c.heartbeat()), limits.pingIntervalMs);
  }

  /** Listens on `host:port` (default 127.0.0.1:7400) and resolves once bound. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    // An empty token would let `?token=` through: refuse it rather than run with auth in name only.
    if (options.token === '') throw new TesseraError('BAD_REQUEST', 'gateway token must not be empty; leave it unset to run without one');
    const limits = limitsFrom(options);
    const logger = (options.logger ?? silentLogger()).child({ cmp: 'gateway' });
    // Plain requests (health, metrics, the page) are answered by the handler the constructor adds.
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, WebSocket: GatewaySocket, perMessageDeflate: options.perMessageDeflate === true });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 7400, options.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    const gateway = new Gateway(http, wss, options, limits, logger);
    logger.info('gateway listening', { url: gateway.url, auth: options.token !== undefined });
    return gateway;
  }

  /** Where it listens, as bound: the real port when started with port 0, the address a name resolved to. */
  get address(): { host: string; port: number } {
    const info = this.http.address() as AddressInfo;
    return { host: info.address, port: info.port };
  }

  get url(): string {
    const { host, port } = this.address;
    return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Open sockets now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every socket (1001), waits for their detaches, and stops listening. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    this.unwatchSessions();
    this.heartbeat?.();
    const listening = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const sockets = [...this.wss.clients];
    const gone = Promise.all(sockets.map((s) => (s.readyState === GatewaySocket.CLOSED ? undefined : new Promise((r) => s.once('close', r)))));
    for (const connection of this.connections) connection.close(1001, 'server shutting down');
    const grace = this.clock.setTimeout(() => sockets.forEach((s) => s.terminate()), CLOSE_GRACE_MS);
    await gone;
    grace();
    await this.releases.all();
    this.http.closeAllConnections();
    await listening;
    this.state = 'closed';
    this.logger.info('gateway closed');
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, token: TokenCheck | undefined): void {
    socket.on('error', () => socket.destroy());
    if (this.state !== 'running') {
      this.counters.refuseUpgrade('shutting-down');
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    if (!this.origins.accepts(request)) {
      this.counters.refuseUpgrade('forbidden-origin');
      this.logger.info('upgrade refused: origin not allowed', { origin: request.headers.origin, remote: request.socket.remoteAddress });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (token && !token.accepts(request)) {
      this.counters.refuseUpgrade('unauthorized');
      this.logger.info('upgrade refused: bad or missing token', { remote: request.socket.remoteAddress });
      return refuseUpgrade(socket, 401, 'Unauthorized', 'WWW-Authenticate: Bearer\r\n');
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onSocket(ws, request));
  }

  private onSocket(ws: GatewaySocket, request: IncomingMessage): void {
    if (this.state !== 'running') return ws.close(1001, 'server shutting down');
    if (this.connections.size >= this.limits.maxConnections) {
      this.counters.refuseUpgrade('too-many-connections');
      // Answer in-protocol so the client learns the code, then close with "try again later".
      ws.send(encodeError('LIMIT_EXCEEDED', `too many connections (the limit is ${this.limits.maxConnections})`));
      return ws.close(1013, 'too many connections');
    }
    const connection = new Connection(
      ws,
      {
        service: this.options.service,
        releases: this.releases,
        limits: this.limits,
        logger: this.logger,
        now: this.options.now ?? monotonicNow,
        quota: this.quota,
        exposeSessionIds: this.options.exposeSessionIds ?? false,
        counters: this.counters,
      },
      this.nextId++,
    );
    ws.onOversize = () => connection.oversized();
    this.connections.add(connection);
    ws.once('close', () => this.connections.delete(connection));
    this.logger.debug('socket open', { conn: connection.id, remote: request.socket.remoteAddress, open: this.connections.size });
  }
}
