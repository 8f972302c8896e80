import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { systemClock } from '../common/clock';
import type { ConnectionHost, ConnectionSettings, Frame } from '../providers/exchange/connection-types';
import type { ControlOp, PingSocket } from '../providers/exchange/link';
import { ManagedConnection } from '../providers/exchange/managed-connection';
import { resolveExchangeOptions } from '../providers/exchange/options';
import { ExchangeProvider } from '../providers/exchange/provider';
import { BINANCE_DEFAULTS } from '../providers/binance';
import { parseIdentifier } from '../router/identifier';
import { CaptureContext } from '../testkit';
import { waitFor } from './support/binance-context';

/**
 * A made-up venue in the shape Bybit and OKX use: text request ids, one answer per stream of a
 * request, and a text `ping` answered by a text `pong`. It shows the base carries such a venue
 * with nothing but a small connection subclass.
 */
class TextConnection extends ManagedConnection {
  constructor(
    host: ConnectionHost,
    settings: ConnectionSettings,
    private readonly target: string,
  ) {
    super(host, settings);
  }

  protected url(): string {
    return this.target;
  }
  protected encode(op: ControlOp, streams: readonly string[], id: number): string {
    return JSON.stringify({ op, args: streams, req_id: String(id) });
  }
  protected decode(text: string): Frame {
    if (text === 'pong') return { kind: 'heartbeat' };
    const value = JSON.parse(text) as { req_id?: string; arg?: string; ok?: boolean; topic?: string; data?: { [k: string]: number } };
    if (value.topic && value.data) return { kind: 'data', stream: value.topic, payload: value.data };
    if (value.req_id && value.arg) return { kind: 'reply', id: value.req_id, streams: [value.arg], ...(value.ok ? {} : { error: 'refused' }) };
    return { kind: 'malformed', reason: 'unknown' };
  }
  protected override ping(socket: PingSocket): void {
    socket.send('ping');
  }
}

describe('the exchange base with a text-framed venue', () => {
  let server: WebSocketServer;
  const seen: string[] = [];
  let peer: WebSocket | undefined;

  beforeEach(async () => {
    seen.length = 0;
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      peer = socket;
      socket.on('message', (raw) => {
        const text = String(raw);
        seen.push(text);
        if (text === 'ping') return socket.send('pong');
        const request = JSON.parse(text) as { args: string[]; req_id: string };
        // One answer per stream, the last one first; "bad" is refused.
        for (const arg of [...request.args].reverse()) socket.send(JSON.stringify({ req_id: request.req_id, arg, ok: arg !== 'bad' }));
      });
    });
  });

  afterEach(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('matches text ids, settles per stream, and keeps a quiet socket alive with text pings', async () => {
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const options = resolveExchangeOptions(
      { venue: 'text', maxControlMessagesPerSecond: 50, maxStreamsPerConnection: 1024, connectionLifetimeMs: 86_400_000, symbol: /^[a-z]+$/, symbolRule: 'lower case' },
      { ...BINANCE_DEFAULTS, baseUrl: url, pingIntervalMs: 40, staleTimeoutMs: 5_000, controlMessagesPerSecond: 20 },
    );
    const provider = new ExchangeProvider(
      {
        name: 'text',
        streamOf: (id) => ({ ok: true, stream: id.tags[0].name, endpoint: 'one' }),
        expand: () => [],
        eventTime: (payload) => (Array.isArray(payload) ? undefined : (payload.t as number)),
        connect: (_endpoint, host, settings) => new TextConnection(host, settings, url),
      },
      options,
    );
    const ctx = new CaptureContext({ name: 'text', clock: systemClock });
    provider.start(ctx);
    try {
      const [good, other, bad] = ['text::good', 'text::other', 'text::bad'].map((t) => parseIdentifier(t));
      expect(await provider.subscribe([good, other, bad])).toEqual({ failed: [{ id: bad, reason: 'refused' }] });
      expect(JSON.parse(seen[0])).toEqual({ op: 'subscribe', args: ['good', 'other', 'bad'], req_id: '1' });

      peer!.send(JSON.stringify({ topic: 'good', data: { t: 7, p: 1 } }));
      await ctx.waitForEmits(1);
      expect(ctx.emits[0]).toMatchObject({ id: 'text::good', payload: { t: 7, p: 1 }, eventTs: 7 });

      await waitFor(() => seen.includes('ping'), 'a text ping');
      await waitFor(() => provider.stats().framesReceived >= 5, 'the pong');
      expect(provider.stats()).toMatchObject({ malformedFrames: 0, reconnects: 0, staleReplacements: 0 });
      expect(ctx.failures).toEqual([]);
    } finally {
      provider.stop();
      ctx.dispose();
    }
  });

  it('keeps within a per-hour request budget, and pings get through while requests wait', async () => {
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const options = resolveExchangeOptions(
      { venue: 'text', maxControlMessagesPerSecond: 50, maxStreamsPerConnection: 1024, connectionLifetimeMs: 86_400_000, symbol: /^[a-z]+$/, symbolRule: 'lower case' },
      { ...BINANCE_DEFAULTS, baseUrl: url, pingIntervalMs: 40, staleTimeoutMs: 5_000, controlMessagesPerSecond: 20, streamsPerRequest: 1, subscribeTimeoutMs: 600 },
    );
    const provider = new ExchangeProvider(
      {
        name: 'text',
        streamOf: (id) => ({ ok: true, stream: id.tags[0].name, endpoint: 'one' }),
        expand: () => [],
        eventTime: () => undefined,
        connect: (_endpoint, host, settings) => new TextConnection(host, { ...settings, requestsPerHour: 2 }, url),
      },
      options,
    );
    const ctx = new CaptureContext({ name: 'text', clock: systemClock });
    provider.start(ctx);
    try {
      const [a, b, c] = ['text::a', 'text::b', 'text::c'].map((t) => parseIdentifier(t));
      expect(await provider.subscribe([a, b])).toEqual({});
      const late = provider.subscribe([c]);
      const requests = (): number => seen.filter((t) => t !== 'ping').length;
      const pingsBefore = seen.filter((t) => t === 'ping').length;
      await waitFor(() => seen.filter((t) => t === 'ping').length >= pingsBefore + 3, 'pings while the budget is spent');
      expect(requests()).toBe(2);
      expect(await late).toEqual({ failed: [{ id: c, reason: 'not confirmed within 600 ms' }] });
      expect(requests()).toBe(2);
      expect(provider.stats()).toMatchObject({ reconnects: 0, staleReplacements: 0 });
      expect(ctx.failures).toEqual([]);
    } finally {
      provider.stop();
      ctx.dispose();
    }
  });
});
