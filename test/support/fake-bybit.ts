import { FakeVenueServer, type VenueConnection } from './fake-venue';

/**
 * A local stand-in for Bybit's v5 public linear websocket (`/v5/public/linear`), written from
 * Bybit's v5 docs: "WebSocket Connect" (subscribe/unsubscribe with `op`, `args`, `req_id`; the
 * `{success, ret_msg, conn_id, req_id, op}` answers; `{"op":"ping"}` answered by a `ret_msg`
 * "pong"; one public connection's args at most 21,000 characters) and the public topic pages
 * (Trade, Orderbook, Ticker, All Liquidation) for the topic names.
 */

/** One client request, as sent. */
export interface BybitRequest {
  readonly op?: string;
  readonly args?: readonly string[];
  readonly req_id?: string;
}

export interface FakeBybitOptions {
  /** Instruments the venue lists (upper case, as Bybit spells them). */
  symbols?: readonly string[];
  /** A refusal (`ret_msg`) for a subscribe naming these topics; undefined lets the venue decide. */
  refuse?: (topics: readonly string[], connection: VenueConnection) => string | undefined;
  /** A subscribe naming any topic this holds for is never answered. */
  silentFor?: (topic: string) => boolean;
  /** Characters of subscribed args one connection may hold (the venue's 21,000). */
  maxArgsChars?: number;
  /** Called after each topic's subscribe is acknowledged (a book topic's snapshot goes out here). */
  onSubscribed?: (topic: string, connection: VenueConnection) => void;
}

const TOPIC = /^(publicTrade|tickers|allLiquidation|liquidation)\.([A-Z0-9]+)$|^(orderbook)\.(1|50|200|1000)\.([A-Z0-9]+)$|^(kline)\.(1|3|5|15|30|60|120|240|360|720|D|W|M)\.([A-Z0-9]+)$/;

export class FakeBybit {
  private readonly symbols: ReadonlySet<string>;
  private ts = 1_700_000_000_000;

  private constructor(
    readonly server: FakeVenueServer,
    private readonly options: FakeBybitOptions,
  ) {
    this.symbols = new Set(options.symbols ?? ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
  }

  static async start(options: FakeBybitOptions = {}): Promise<FakeBybit> {
    let fake: FakeBybit | undefined;
    const server = await FakeVenueServer.start((connection, text) => fake?.control(connection, text));
    fake = new FakeBybit(server, options);
    return fake;
  }

  /** The `baseUrl` a provider should be given. */
  get url(): string {
    return this.server.url;
  }

  get connections(): VenueConnection[] {
    return this.server.connections;
  }

  get open(): VenueConnection[] {
    return this.server.open;
  }

  subscribed(): string[] {
    return this.server.subscribed();
  }

  /** Requests `connection` sent (pings included), in order. */
  requestsOf(connection: VenueConnection): BybitRequest[] {
    return connection.requests as BybitRequest[];
  }

  /** Sends one push frame, byte-identical, to every connection subscribed to `topic`. */
  publish(topic: string, type: 'snapshot' | 'delta', data: unknown, extra: Record<string, unknown> = {}): number {
    return this.server.publishText(topic, JSON.stringify({ topic, type, ts: ++this.ts, data, ...extra }));
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private control(connection: VenueConnection, text: string): void {
    let request: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return this.answer(connection, undefined, '', false, 'Invalid request: not JSON');
    }
    const op = typeof request.op === 'string' ? request.op : '';
    const reqId = typeof request.req_id === 'string' ? request.req_id : undefined;
    const args = Array.isArray(request.args) ? request.args.filter((a): a is string => typeof a === 'string') : [];
    switch (op) {
      case 'ping':
        return this.answer(connection, reqId, 'ping', true, 'pong');
      case 'subscribe':
        return this.subscribe(connection, reqId, args);
      case 'unsubscribe':
        for (const topic of args) connection.streams.delete(topic);
        return this.answer(connection, reqId, op, true, '');
      default:
        return this.answer(connection, reqId, op, false, `Invalid request: unknown op ${JSON.stringify(op)}`);
    }
  }

  /** A refused subscribe subscribes none of its topics. */
  private subscribe(connection: VenueConnection, reqId: string | undefined, topics: readonly string[]): void {
    if (topics.some((t) => this.options.silentFor?.(t))) return;
    const refuse = (message: string): void => this.answer(connection, reqId, 'subscribe', false, message);
    for (const topic of topics) {
      const m = TOPIC.exec(topic);
      if (!m) return refuse(`error:handler not found,topic:${topic}`);
      if (!this.symbols.has(m[2] ?? m[5] ?? m[8])) return refuse(`Invalid symbol :[${topic}]`);
      if (connection.streams.has(topic)) return refuse(`error:already subscribed,topic:${topic}`);
    }
    const chars = [...connection.streams, ...topics].reduce((n, t) => n + t.length + 3, 0);
    if (chars > (this.options.maxArgsChars ?? 21_000)) return refuse(`args size >${this.options.maxArgsChars ?? 21_000}`);
    const refusal = this.options.refuse?.(topics, connection);
    if (refusal !== undefined) return refuse(refusal);
    for (const topic of topics) connection.streams.add(topic);
    this.answer(connection, reqId, 'subscribe', true, '');
    for (const topic of topics) this.options.onSubscribed?.(topic, connection);
  }

  private answer(connection: VenueConnection, reqId: string | undefined, op: string, success: boolean, message: string): void {
    const body: Record<string, unknown> = { success, ret_msg: message, conn_id: `fake-${connection.serial}` };
    if (reqId !== undefined) body.req_id = reqId;
    body.op = op;
    connection.send(JSON.stringify(body));
  }
}
