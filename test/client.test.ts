import { connect, ClientError, type ClientMessage, type Gap, type TesseraClient } from '../client';
import { GapDetector } from '../client/messages';
import type { MsgFrame } from '../client/protocol';
import { Gateway } from '../gateway/server';
import { startHarness, type Harness } from './support/gateway-harness';

const TICKS = 'synthetic::btcusdt.ticks';
const ETH = 'synthetic::ethusdt.ticks';

let h: Harness;
const clients: TesseraClient[] = [];

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h.stop();
});

async function client(url = h.url, options: Parameters<typeof connect>[1] = {}): Promise<TesseraClient> {
  const c = await connect(url, { reconnect: { initialMs: 20, maxMs: 200 }, ...options });
  clients.push(c);
  return c;
}

/** Resolves with the first `count` values `listen` reports. */
function collect<T>(listen: (fn: (value: T) => void) => void, count: number, timeoutMs = 10_000): Promise<T[]> {
  const got: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} within ${timeoutMs} ms`)), timeoutMs);
    listen((value) => {
      got.push(value);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

async function take(iterable: AsyncIterable<ClientMessage>, count: number): Promise<ClientMessage[]> {
  const got: ClientMessage[] = [];
  if (count === 0) return got;
  for await (const m of iterable) {
    got.push(m);
    if (got.length >= count) break;
  }
  return got;
}

describe('client library: sessions and messages', () => {
  test('subscribe gives an async iterable of the patterns\' messages, in order', async () => {
    const c = await client();
    const sub = await c.subscribe([TICKS]);
    expect(sub.patterns).toEqual([TICKS]);
    expect(c.patterns).toEqual([TICKS]);
    h.synthetic.pump(5, TICKS);
    const got = await take(sub, 5);
    expect(got.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(got[0]).toMatchObject({ id: TICKS, payload: expect.anything() });
    // Breaking out of the loop closed the subscription and let its pattern go.
    expect(sub.closed).toBe(true);
    expect(c.patterns).toEqual([]);
    const stats = await c.stats();
    expect(stats.sessions.find((s) => s.id === c.sessionId)?.patterns).toEqual([]);
  });

  test('two subscriptions share the session; each sees only its own patterns; the callback API sees all', async () => {
    const c = await client();
    const all = collect<ClientMessage>((fn) => c.on('message', fn), 4);
    const btc = await c.subscribe([TICKS]);
    const eth: ClientMessage[] = [];
    const ethSub = await c.subscribe([ETH], { onMessage: (m) => eth.push(m) });
    expect(c.patterns).toEqual([TICKS, ETH]);
    h.synthetic.pump(2);
    expect((await all).map((m) => m.id).sort()).toEqual([TICKS, TICKS, ETH, ETH]);
    expect((await take(btc, 2)).map((m) => m.id)).toEqual([TICKS, TICKS]);
    expect(eth.map((m) => m.id)).toEqual([ETH, ETH]);
    await ethSub.close();
    expect(c.patterns).toEqual([]); // the loop's break closed the other one
  });

  test('a bad pattern rejects with its code and leaves the session as it was', async () => {
    const c = await client();
    await c.subscribe([TICKS]);
    await expect(c.subscribe(['synthetic::no such'])).rejects.toMatchObject({ code: 'INVALID_PATTERN' });
    await expect(c.subscribe(['nowhere::x'])).rejects.toMatchObject({ code: 'UNKNOWN_NAMESPACE' });
    expect(c.patterns).toEqual([TICKS]);
  });

  test('request, explain and stats resolve with their answers; a refused publish is an error event with its ref', async () => {
    const c = await client();
    await c.subscribe([TICKS]);
    expect(await c.request(TICKS)).toMatchObject({ id: TICKS });
    await expect(c.request('synthetic::nope.ticks')).rejects.toBeInstanceOf(ClientError);
    expect(await c.explain('synthetic::btcusdt.*')).toMatchObject({ exact: false, flowing: [TICKS] });
    expect((await c.stats()).providers.map((p) => p.name)).toEqual(['synthetic']);
    const errors = collect<ClientError>((fn) => c.on('error', fn), 1);
    await c.publish(TICKS, { x: 1 });
    expect((await errors)[0]).toMatchObject({ code: 'FORBIDDEN_NAMESPACE', ref: expect.any(String) });
  });

  test('last: a stream already flowing first gives its latest message, marked cached, and no gap after it', async () => {
    const first = await client();
    const it = (await first.subscribe([TICKS]))[Symbol.asyncIterator]();
    h.synthetic.pump(2, TICKS);
    await it.next();
    await it.next();
    const late = await client();
    const gaps: Gap[] = [];
    late.on('gap', (g) => gaps.push(g));
    const lateIt = (await late.subscribe([TICKS], { last: true }))[Symbol.asyncIterator]();
    expect((await lateIt.next()).value).toMatchObject({ id: TICKS, seq: 2, cached: true });
    h.synthetic.pump(1, TICKS);
    expect((await lateIt.next()).value).toMatchObject({ seq: 3 });
    expect(gaps).toEqual([]);
  });

  test('publish reaches another client', async () => {
    const listener = await client();
    const sub = await listener.subscribe(['local::chat.*']);
    const talker = await client();
    await talker.publish('local::chat.room1', { text: 'hi' });
    expect((await take(sub, 1))[0]).toMatchObject({ id: 'local::chat.room1', payload: { text: 'hi' } });
  });

  test('a token: refused without it (HTTP 401), served with it', async () => {
    await h.stop();
    h = await startHarness({ gateway: { token: 's3cret' } });
    await expect(connect(h.url, { reconnect: false })).rejects.toMatchObject({ code: 'CONNECT_FAILED', status: 401 });
    const c = await client(h.url, { token: 's3cret' });
    expect(c.sessionId).toMatch(/[0-9a-f-]{36}/);
  });

  test('detach leaves the session; connect with its id comes back to it and gets what was buffered', async () => {
    const c = await connect(h.url);
    await c.subscribe([TICKS]);
    const id = await c.detach();
    h.synthetic.pump(3, TICKS);
    const again = await client(h.url, { sessionId: id });
    const got = collect<ClientMessage>((fn) => again.on('message', fn), 3);
    expect(again.sessionId).toBe(id);
    expect((await got).map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});

describe('client library: reconnects', () => {
  test('the gateway goes away and comes back on the same port: the same session is re-attached, nothing lost', async () => {
    const c = await client();
    const sub = await c.subscribe([TICKS]);
    const it = sub[Symbol.asyncIterator]();
    h.synthetic.pump(2, TICKS);
    const seqs = [(await it.next()).value?.seq, (await it.next()).value?.seq];
    const port = h.gateway.address.port;
    const reconnected = collect<{ resumed: boolean }>((fn) => c.on('reconnect', fn), 1);
    const gaps: Gap[] = [];
    c.on('gap', (g) => gaps.push(g));
    await h.gateway.close();
    // The session buffers while no client is attached.
    h.synthetic.pump(3, TICKS);
    const second = await Gateway.start({ service: h.service, port });
    try {
      // The attach answer says what the session kept meanwhile.
      expect((await reconnected)[0]).toEqual({ resumed: true, sessionId: c.sessionId, kept: { buffered: 3, dropped: 0 } });
      h.synthetic.pump(1, TICKS);
      while (seqs.length < 6) seqs.push((await it.next()).value?.seq);
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
      expect(gaps).toEqual([]);
    } finally {
      await c.close();
      await second.close();
    }
  });

  test('ops called while reconnecting wait for the connection; close during a reconnect stops it', async () => {
    const c = await client();
    await c.subscribe([TICKS]);
    const port = h.gateway.address.port;
    const disconnected = collect((fn) => c.on('disconnect', fn), 1);
    await h.gateway.close();
    await disconnected;
    expect(c.connected).toBe(false);
    const stats = c.stats();
    const second = await Gateway.start({ service: h.service, port });
    try {
      expect((await stats).sessions.map((s) => s.id)).toContain(c.sessionId);
      const again = collect((fn) => c.on('disconnect', fn), 1);
      await second.close();
      await again;
      await c.close();
      await expect(c.stats()).rejects.toMatchObject({ code: 'CLOSED' });
    } finally {
      await second.close();
    }
  });

  test('a session closed under the client is made again with the same patterns', async () => {
    const c = await client();
    const sub = await c.subscribe([TICKS]);
    const first = c.sessionId;
    const reconnected = collect<{ resumed: boolean; sessionId: string }>((fn) => c.on('reconnect', fn), 1);
    await h.service.closeSession(first);
    const info = (await reconnected)[0];
    expect(info.resumed).toBe(false);
    expect(info.sessionId).not.toBe(first);
    h.synthetic.pump(1, TICKS);
    expect((await take(sub, 1))[0].id).toBe(TICKS);
  });
});

describe('gap detection', () => {
  const frame = (seq: number, extra: Partial<MsgFrame> = {}): MsgFrame => ({ op: 'msg', id: TICKS, seq, ts: 0, payload: null, ...extra });

  test('seq jumps, epoch changes and resets are gaps; a repeated cached or state message is not', () => {
    const d = new GapDetector();
    expect(d.check(frame(1, { epoch: 'a' }))).toBeUndefined();
    expect(d.check(frame(2, { epoch: 'a' }))).toBeUndefined();
    expect(d.check(frame(5, { epoch: 'a' }))).toEqual({ id: TICKS, kind: 'jump', missed: 2, from: { epoch: 'a', seq: 2 }, to: { epoch: 'a', seq: 5 } });
    expect(d.check(frame(5, { epoch: 'a', cached: true }))).toBeUndefined();
    expect(d.check(frame(1, { epoch: 'b' }))).toMatchObject({ kind: 'epoch', from: { epoch: 'a', seq: 5 }, to: { epoch: 'b', seq: 1 } });
    expect(d.check(frame(2, { epoch: 'b' }))).toBeUndefined();
    const plain = new GapDetector();
    plain.check(frame(7));
    expect(plain.check(frame(1))).toMatchObject({ kind: 'reset' });
  });

  test('a stream let go and wanted again later is not a gap', () => {
    const d = new GapDetector();
    d.check(frame(1));
    d.retain(() => false);
    expect(d.check(frame(9))).toBeUndefined();
  });
});
