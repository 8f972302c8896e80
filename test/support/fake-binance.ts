import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';

/** Everything a client sent, timestamped (performance.now()), control frames included. */
export interface Received {
  readonly at: number;
  readonly kind: 'text' | 'ping' | 'pong';
  readonly text?: string;
}

export interface FakeBinanceOptions {
  /** Refusal for a SUBSCRIBE (the whole request fails, as on the exchange); undefined acks it. */
  refuse?: (streams: readonly string[], connection: FakeConnection) => { code: number; msg: string } | undefined;
  /** Streams a SUBSCRIBE naming any of them is never answered. */
  silentFor?: (stream: string) => boolean;
  /** Subscriptions one connection may hold; beyond it a SUBSCRIBE is refused. Default 1024. */
  maxStreamsPerConnection?: number;
  /** Incoming messages per rolling second before the connection is cut, as the exchange does. */
  maxMessagesPerSecond?: number;
  /** Delay (ms) of everything sent on a connection, to make one socket lag behind another. */
  lagFor?: (connection: FakeConnection) => number;
}

/** One client connection as the fake exchange sees it. */
export class FakeConnection {
  readonly streams = new Set<string>();
  readonly received: Received[] = [];
  closed = false;
  /** Cut off: answers nothing, sends nothing (not even pongs), like a dead TCP path. */
  muted = false;
  /** Everything sent is delayed this long (order kept). */
  lagMs = 0;
  private readonly pongWaiters: (() => void)[] = [];

  constructor(
    readonly serial: number,
    readonly path: string,
    readonly socket: WebSocket,
  ) {}

  /** SUBSCRIBE/UNSUBSCRIBE messages received, parsed. */
  get requests(): { method: string; params: string[]; id: number }[] {
    return this.received.filter((r) => r.kind === 'text').map((r) => JSON.parse(r.text!) as { method: string; params: string[]; id: number });
  }

  send(text: string): void {
    if (this.closed || this.muted) return;
    if (this.lagMs === 0) this.socket.send(text);
    else setTimeout(() => this.closed || this.socket.send(text), this.lagMs);
  }

  /** Sends a ping; resolves when the client's pong comes back. */
  ping(): Promise<void> {
    return new Promise((resolve) => {
      this.pongWaiters.push(resolve);
      this.socket.ping();
    });
  }

  /** Drops the TCP connection without a close handshake. */
  drop(): void {
    this.socket.terminate();
  }

  pong(): void {
    this.pongWaiters.shift()?.();
  }
}

/**
 * A local stand-in for the USD-M futures stream endpoints (`/public/stream`, `/market/stream`):
 * answers SUBSCRIBE/UNSUBSCRIBE by rule, enforces the message-rate limit, and lets tests push
 * data, garbage, pings and disconnects.
 */
export class FakeBinance {
  readonly connections: FakeConnection[] = [];
  /** Connections cut for exceeding the message rate. */
  readonly rateViolations: FakeConnection[] = [];
  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
    private readonly options: FakeBinanceOptions,
  ) {
    server.on('connection', (socket, request) => this.accept(socket, request.url ?? ''));
  }

  static start(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
    return new Promise((resolve, reject) => {
      // autoPong off: the fake answers pings itself so a muted connection can stay silent.
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
      server.once('error', reject);
      server.once('listening', () => {
        const { port } = server.address() as AddressInfo;
        resolve(new FakeBinance(server, `ws://127.0.0.1:${port}`, options));
      });
    });
  }

  get open(): FakeConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** Sends one data frame, byte-identical, to every open connection subscribed to `stream`. */
  publish(stream: string, data: unknown): number {
    const text = JSON.stringify({ stream, data });
    let n = 0;
    for (const c of this.open) {
      if (c.streams.has(stream) && !c.muted) {
        c.send(text);
        n++;
      }
    }
    return n;
  }

  /** Streams held by open connections, sorted (duplicates kept, so doubles show). */
  subscribed(): string[] {
    return this.open.flatMap((c) => [...c.streams]).sort();
  }

  close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket, path: string): void {
    const connection = new FakeConnection(this.connections.length + 1, path, socket);
    connection.lagMs = this.options.lagFor?.(connection) ?? 0;
    this.connections.push(connection);
    const record = (kind: Received['kind'], text?: string): void => {
      connection.received.push({ at: performance.now(), kind, text });
      this.enforceRate(connection);
    };
    socket.on('message', (data) => {
      const text = String(data);
      record('text', text);
      if (!connection.muted) this.control(connection, text);
    });
    socket.on('ping', (data) => {
      record('ping');
      if (!connection.muted) socket.pong(data);
    });
    socket.on('pong', () => {
      record('pong');
      connection.pong();
    });
    socket.on('close', () => (connection.closed = true));
    socket.on('error', () => (connection.closed = true));
  }

  private control(connection: FakeConnection, text: string): void {
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return connection.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' }, id: null }));
    }
    const id = request.id;
    const params = Array.isArray(request.params) ? (request.params as string[]) : [];
    const reply = (body: object): void => connection.send(JSON.stringify({ ...body, id }));
    switch (request.method) {
      case 'SUBSCRIBE': {
        if (params.some((s) => this.options.silentFor?.(s))) return;
        const fresh = params.filter((s) => !connection.streams.has(s));
        const limit = this.options.maxStreamsPerConnection ?? 1024;
        if (connection.streams.size + fresh.length > limit) return reply({ error: { code: -1, msg: 'too many subscriptions' } });
        const refusal = this.options.refuse?.(params, connection);
        if (refusal) return reply({ error: refusal });
        for (const s of params) connection.streams.add(s);
        return reply({ result: null });
      }
      case 'UNSUBSCRIBE':
        for (const s of params) connection.streams.delete(s);
        return reply({ result: null });
      case 'LIST_SUBSCRIPTIONS':
        return reply({ result: [...connection.streams] });
      default:
        return reply({ error: { code: 2, msg: 'Invalid request: unknown method' } });
    }
  }

  private enforceRate(connection: FakeConnection): void {
    const limit = this.options.maxMessagesPerSecond ?? 10;
    const times = connection.received;
    const now = times[times.length - 1].at;
    let n = 0;
    for (let i = times.length - 1; i >= 0 && now - times[i].at < 1000; i--) n++;
    if (n > limit && !this.rateViolations.includes(connection)) {
      this.rateViolations.push(connection);
      connection.socket.terminate();
    }
  }
}
