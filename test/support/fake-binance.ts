import { FakeVenueServer, type VenueConnection } from './fake-venue';

export type { Received } from './fake-venue';
/** One client connection as the fake exchange sees it. */
export type FakeConnection = VenueConnection;

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

/**
 * A local stand-in for the USD-M futures stream endpoints (`/public/stream`, `/market/stream`),
 * from Binance's "Websocket Market Streams" docs: answers SUBSCRIBE/UNSUBSCRIBE by rule, enforces
 * the message-rate limit, and lets tests push data, garbage, pings and disconnects.
 */
export class FakeBinance {
  /** Connections cut for exceeding the message rate. */
  readonly rateViolations: FakeConnection[] = [];

  private constructor(
    private readonly server: FakeVenueServer,
    private readonly options: FakeBinanceOptions,
  ) {}

  static async start(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
    let fake: FakeBinance | undefined;
    const server = await FakeVenueServer.start(
      (connection, text) => fake?.control(connection, text),
      (connection) => (connection.lagMs = options.lagFor?.(connection) ?? 0),
      (connection) => fake?.enforceRate(connection),
    );
    fake = new FakeBinance(server, options);
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  get connections(): FakeConnection[] {
    return this.server.connections;
  }

  get open(): FakeConnection[] {
    return this.server.open;
  }

  /** Sends one data frame, byte-identical, to every open connection subscribed to `stream`. */
  publish(stream: string, data: unknown): number {
    return this.server.publishText(stream, JSON.stringify({ stream, data }));
  }

  /** Streams held by open connections, sorted (duplicates kept, so doubles show). */
  subscribed(): string[] {
    return this.server.subscribed();
  }

  close(): Promise<void> {
    return this.server.close();
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
