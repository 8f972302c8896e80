import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for the OKX v5 public WebSocket (`/ws/v5/public`), written from the venue's
 * API docs: "WebSocket > Connect" (text `ping` → `pong`; a connection that hears nothing for
 * 30 s is cut; 480 subscribe/unsubscribe requests per connection per hour; 3 connection
 * requests per second per IP, beyond which this fake cuts the new connection at once), "Subscribe"/"Unsubscribe" (`{"id","op","args":[{"channel",
 * "instId"|"instType"}]}`; one `{"id","event":"subscribe","arg","connId"}` per argument; the
 * arguments of one request at most 64 KB), the error codes 60012 (invalid request), 60014
 * (requests too frequent), 60018 (channel or instrument does not exist), 60019 (invalid op), and
 * the push shape of each public channel (`{"arg":{…},"data":[…]}`).
 *
 * The docs do not say whether the valid arguments of a request that also names an invalid one are
 * subscribed; this fake takes the stricter reading and refuses the whole request with one error.
 */

export interface Received {
  readonly at: number;
  readonly text: string;
}

export interface SubscribeRequest {
  readonly id?: string;
  readonly op: string;
  readonly args: readonly { readonly channel: string; readonly instId?: string; readonly instType?: string }[];
}

export interface FakeOkxOptions {
  /** instIds the fake lists (upper case, as the venue writes them); indexes are derived. */
  instruments?: readonly string[];
  /** Refusal of one argument (`channel:argument`); the whole request fails with it. */
  refuse?: (subscription: string, connection: FakeOkxConnection) => { code: string; msg: string } | undefined;
  /** Subscriptions a request naming any of them is never answered. */
  silentFor?: (subscription: string) => boolean;
  /** subscribe/unsubscribe requests per connection per rolling hour (venue: 480). */
  maxRequestsPerHour?: number;
  /** Longest request text (venue: 64 KB). */
  maxRequestBytes?: number;
  /** Cut a connection that neither sent nor received anything this long (venue: 30 000 ms); 0 = never. */
  idleCloseMs?: number;
  /** Called after each subscription is acknowledged (a book channel's snapshot goes out here). */
  onSubscribed?: (subscription: string, connection: FakeOkxConnection) => void;
  /** New connections per rolling second before the next one is cut at once (venue: 3 per IP). */
  maxConnectsPerSecond?: number;
}

const CHANNELS: Readonly<Record<string, 'instId' | 'index' | 'instType'>> = {
  trades: 'instId',
  'bbo-tbt': 'instId',
  books: 'instId',
  tickers: 'instId',
  'mark-price': 'instId',
  'funding-rate': 'instId',
  'open-interest': 'instId',
  'index-tickers': 'index',
  'liquidation-orders': 'instType',
};

export class FakeOkxConnection {
  readonly subscriptions = new Set<string>();
  readonly received: Received[] = [];
  readonly connId: string;
  closed = false;
  /** Answers nothing, sends nothing (not even `pong`), like a dead TCP path. */
  muted = false;
  /** Refusals sent for exceeding the hourly request budget. */
  tooFrequent = 0;
  /** When each subscribe/unsubscribe request came, on the fake's clock (`FakeOkx.now`). */
  readonly requestTimes: number[] = [];
  lastActivity = performance.now();
  readonly openedAt = performance.now();

  constructor(
    readonly serial: number,
    readonly path: string,
    readonly socket: WebSocket,
  ) {
    this.connId = `c${serial.toString(16).padStart(7, '0')}`;
  }

  /** subscribe/unsubscribe requests received, parsed (the text `ping` excluded). */
  get requests(): SubscribeRequest[] {
    return this.received.filter((r) => r.text !== 'ping').flatMap((r) => {
      try {
        return [JSON.parse(r.text) as SubscribeRequest];
      } catch {
        return [];
      }
    });
  }

  get pings(): number {
    return this.received.filter((r) => r.text === 'ping').length;
  }

  send(text: string): void {
    if (this.closed || this.muted) return;
    this.lastActivity = performance.now();
    this.socket.send(text);
  }

  /** Drops the TCP connection without a close handshake. */
  drop(): void {
    this.socket.terminate();
  }
}

export class FakeOkx {
  readonly connections: FakeOkxConnection[] = [];
  /** Connections cut for opening faster than the venue allows. */
  readonly connectRateViolations: FakeOkxConnection[] = [];
  /** The clock the hourly budget is kept on; a test jumping its provider's clock sets this to match. */
  now: () => number = () => performance.now();
  private readonly instruments: ReadonlySet<string>;
  private readonly indexes: ReadonlySet<string>;
  private readonly idleTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
    private readonly options: FakeOkxOptions,
  ) {
    const list = options.instruments ?? ['BTC-USDT-SWAP', 'ETH-USDT-SWAP', 'SOL-USDT-SWAP', 'BTC-USD-SWAP', 'ETH-USD-SWAP'];
    this.instruments = new Set(list);
    this.indexes = new Set(list.map((i) => i.replace(/-SWAP$/, '')));
    server.on('connection', (socket, request) => this.accept(socket, request.url ?? ''));
    const idle = options.idleCloseMs ?? 0;
    if (idle > 0) {
      this.idleTimer = setInterval(() => {
        for (const c of this.open) if (performance.now() - c.lastActivity > idle) c.socket.close(4000, 'idle');
      }, Math.max(5, Math.floor(idle / 10)));
    }
  }

  static start(options: FakeOkxOptions = {}): Promise<FakeOkx> {
    return new Promise((resolve, reject) => {
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      server.once('error', reject);
      server.once('listening', () => {
        const { port } = server.address() as AddressInfo;
        resolve(new FakeOkx(server, `ws://127.0.0.1:${port}`, options));
      });
    });
  }

  get open(): FakeOkxConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /**
   * Pushes `data` on `channel` for `argument` (an instId, index or instType) to every open
   * connection holding that subscription; returns how many got it.
   */
  publish(channel: string, argument: string, data: readonly unknown[]): number {
    const key = CHANNELS[channel] === 'instType' ? 'instType' : 'instId';
    const text = JSON.stringify({ arg: { channel, [key]: argument }, data });
    let n = 0;
    for (const c of this.open) {
      if (c.subscriptions.has(`${channel}:${argument}`) && !c.muted) {
        c.send(text);
        n++;
      }
    }
    return n;
  }

  /** Sends raw text to every open connection (garbage, notices). */
  broadcast(text: string): void {
    for (const c of this.open) c.send(text);
  }

  /** Subscriptions held by open connections, sorted (duplicates kept, so doubles show). */
  subscribed(): string[] {
    return this.open.flatMap((c) => [...c.subscriptions]).sort();
  }

  close(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const c of this.connections) c.socket.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket, path: string): void {
    const connection = new FakeOkxConnection(this.connections.length + 1, path, socket);
    const now = performance.now();
    const recent = this.connections.filter((c) => now - c.openedAt < 1000).length;
    this.connections.push(connection);
    if (recent >= (this.options.maxConnectsPerSecond ?? 3)) {
      this.connectRateViolations.push(connection);
      connection.closed = true;
      socket.terminate();
      return;
    }
    socket.on('message', (data) => {
      const text = String(data);
      connection.received.push({ at: performance.now(), text });
      connection.lastActivity = performance.now();
      if (connection.muted) return;
      if (text === 'ping') return connection.send('pong');
      this.control(connection, text);
    });
    socket.on('close', () => (connection.closed = true));
    socket.on('error', () => (connection.closed = true));
  }

  private control(connection: FakeOkxConnection, text: string): void {
    const { connId } = connection;
    let request: { id?: unknown; op?: unknown; args?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return connection.send(JSON.stringify({ event: 'error', code: '60012', msg: `Invalid request: ${text}`, connId }));
    }
    const id = typeof request.id === 'string' ? { id: request.id } : {};
    const error = (code: string, msg: string): void => connection.send(JSON.stringify({ ...id, event: 'error', code, msg, connId }));
    if (request.op !== 'subscribe' && request.op !== 'unsubscribe') return error('60019', `Invalid op: op: ${String(request.op)}`);
    connection.requestTimes.push(this.now());
    if (!this.withinBudget(connection)) {
      connection.tooFrequent++;
      return error('60014', 'Requests too frequent.');
    }
    if (Buffer.byteLength(text) > (this.options.maxRequestBytes ?? 64 * 1024)) return error('60012', `Invalid request: longer than 64 KB`);
    const args = Array.isArray(request.args) ? (request.args as Record<string, unknown>[]) : [];
    if (args.length === 0) return error('60013', 'Invalid args');
    const names: string[] = [];
    for (const arg of args) {
      const channel = typeof arg.channel === 'string' ? arg.channel : '';
      const kind = CHANNELS[channel];
      const argument = kind === 'instType' ? arg.instType : arg.instId;
      const valid =
        typeof argument === 'string' &&
        (kind === 'instId' ? this.instruments.has(argument) : kind === 'index' ? this.indexes.has(argument) : kind === 'instType' && argument === 'SWAP');
      if (!valid) {
        return error('60018', `Wrong URL or channel:${channel},instId:${String(arg.instId ?? arg.instType)} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`);
      }
      names.push(`${channel}:${argument as string}`);
    }
    if (names.some((n) => this.options.silentFor?.(n))) return;
    if (request.op === 'subscribe') {
      for (const n of names) {
        const refusal = this.options.refuse?.(n, connection);
        if (refusal) return error(refusal.code, refusal.msg);
      }
    }
    for (let i = 0; i < names.length; i++) {
      if (request.op === 'subscribe') connection.subscriptions.add(names[i]);
      else connection.subscriptions.delete(names[i]);
      connection.send(JSON.stringify({ ...id, event: request.op, arg: args[i], connId }));
      if (request.op === 'subscribe') this.options.onSubscribed?.(names[i], connection);
    }
  }

  /** The venue's 480 requests per connection per hour, counted over the requests received. */
  private withinBudget(connection: FakeOkxConnection): boolean {
    const limit = this.options.maxRequestsPerHour ?? 480;
    const since = this.now() - 3_600_000;
    return connection.requestTimes.filter((t) => t > since).length <= limit;
  }
}
