import { ConfigError, loadConfig, validateConfig } from '../cli/config';
import { silentLogger } from '../common/logger';
import { DataService, DEFAULT_LIMITS } from '../data-service';
import { Gateway } from '../gateway/server';
import { DEFAULT_GATEWAY_LIMITS } from '../gateway/types';
import { SyntheticProvider } from '../providers/synthetic';
import { waitUntil } from '../testkit';
import { startHarness, type Harness } from './support/gateway-harness';
import { contiguous, TestSocket, type Frame } from './support/ws-client';

// Every limit answers LIMIT_EXCEEDED (the frame's ref echoed where there is one), is set from
// the service options or the configuration file, and leaves the connection and its session
// working. Rate limits run on a clock the test moves by hand.

const TICKS = 'synthetic::btcusdt.ticks';

/** A clock for the gateway's token buckets. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Sends every frame at once (each with a ref) and resolves with the answers, in the same order. */
async function burst(socket: TestSocket, frames: object[], tag: string): Promise<Frame[]> {
  frames.forEach((frame, i) => socket.send({ ...frame, ref: `${tag}${i}` }));
  return Promise.all(frames.map((_, i) => socket.waitFor((f) => f.ref === `${tag}${i}`, { what: `answer ${tag}${i}` })));
}

const codes = (answers: Frame[]) => answers.map((a) => (a.op === 'error' ? a.code : a.op));

describe('limits have documented defaults', () => {
  test('gateway and service defaults, and the configuration file fills them in', () => {
    expect(DEFAULT_GATEWAY_LIMITS).toMatchObject({ maxFrameBytes: 1_048_576, maxConnections: 1000, maxOpsPerSecond: 100, maxPublishesPerSecond: 10_000 });
    expect(DEFAULT_LIMITS).toMatchObject({ maxSessions: 100_000, maxPatternsPerSession: 1000 });
    expect(loadConfig(undefined).gateway).toMatchObject({ maxOpsPerSecond: 100, maxPublishesPerSecond: 10_000 });
  });

  test('bad limit values in the configuration file are refused, naming the field', () => {
    const issues = (raw: unknown): readonly string[] => {
      try {
        validateConfig(raw, 'test.json', '.');
      } catch (error) {
        if (error instanceof ConfigError) return error.issues;
      }
      return [];
    };
    expect(issues({ gateway: { maxOpsPerSecond: -1, maxPublishesPerSecond: 1.5 } })).toEqual([
      expect.stringMatching(/^gateway\.maxOpsPerSecond: must be an integer/),
      expect.stringMatching(/^gateway\.maxPublishesPerSecond: must be an integer/),
    ]);
    expect(issues({ limits: { maxSessions: 0, maxPatternsPerSession: 'many' } })).toHaveLength(2);
    expect(issues({ gateway: { maxFrameBytes: 10 } })).toEqual([expect.stringMatching(/^gateway\.maxFrameBytes/)]);
  });
});

describe('service limits over the gateway', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness({ service: { limits: { maxSessions: 3, maxPatternsPerSession: 2 } } })));
  afterAll(() => h.stop());

  test('patterns per session: LIMIT_EXCEEDED with the ref; the previous patterns stay and keep flowing', async () => {
    const { socket } = await h.subscriber([TICKS]);
    const answer = await socket.ask({ op: 'session.configure', patterns: [TICKS, 'synthetic::a', 'synthetic::b'] });
    expect(answer).toMatchObject({ op: 'error', code: 'LIMIT_EXCEEDED', ref: expect.any(String), message: expect.stringContaining('2 patterns') });
    h.synthetic.pump(3, TICKS);
    expect(contiguous(await socket.waitMessages(3), TICKS)).toBe(true);
    expect(await socket.ask({ op: 'session.configure', patterns: [TICKS, 'synthetic::ethusdt.ticks'] })).toMatchObject({ op: 'configured' });
    await socket.ask({ op: 'session.close' });
  });

  test('sessions: LIMIT_EXCEEDED beyond the limit, room again once one closes', async () => {
    const socket = await h.connect();
    const created = await burst(socket, [{ op: 'session.create' }, { op: 'session.create' }, { op: 'session.create' }, { op: 'session.create' }], 's');
    expect(codes(created)).toEqual(['session.created', 'session.created', 'session.created', 'LIMIT_EXCEEDED']);
    expect(await socket.ask({ op: 'session.attach', sessionId: created[0].sessionId })).toMatchObject({ op: 'attached' });
    expect(await socket.ask({ op: 'session.close' })).toMatchObject({ op: 'closed' });
    expect(await socket.ask({ op: 'session.create' })).toMatchObject({ op: 'session.created' });
  });
});

describe('gateway limits', () => {
  test('connections: the extra socket gets LIMIT_EXCEEDED and close 1013; room again once one goes', async () => {
    const h = await startHarness({ gateway: { maxConnections: 2 } });
    try {
      const first = await h.connect();
      await h.connect();
      const extra = await h.connect();
      expect(await extra.waitFor((f) => f.op === 'error')).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('2') });
      expect((await extra.closed).code).toBe(1013);
      await first.close();
      await waitUntil(() => h.gateway.connectionCount < 2, 5000, 'the gateway to see the close');
      const again = await h.connect();
      expect(await again.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
    } finally {
      await h.stop();
    }
  });

  test('frame size: up to the limit is read; one byte more is LIMIT_EXCEEDED, then close 1009; others carry on', async () => {
    const h = await startHarness({ gateway: { maxFrameBytes: 1024 } });
    try {
      const steady = await h.subscriber([TICKS]);
      const socket = await h.connect();
      const frame = (bytes: number) => {
        const head = '{"op":"explain","ref":"big","pattern":"synthetic::';
        return `${head}${'a'.repeat(bytes - head.length - 2)}"}`;
      };
      expect(Buffer.byteLength(frame(1024))).toBe(1024);
      socket.send(frame(1024));
      expect(await socket.waitFor((f) => f.ref === 'big')).toMatchObject({ op: 'error', code: 'INVALID_PATTERN' }); // read and judged
      socket.send(frame(1025));
      const error = await socket.waitFor((f) => f.op === 'error' && f.code === 'LIMIT_EXCEEDED');
      expect(error.message).toContain('1024');
      expect((await socket.closed).code).toBe(1009);
      h.synthetic.pump(2, TICKS);
      expect(contiguous(await steady.socket.waitMessages(2), TICKS)).toBe(true);
    } finally {
      await h.stop();
    }
  });

  describe('operations per second per connection', () => {
    const clock = manualClock();
    let h: Harness;
    beforeAll(async () => (h = await startHarness({ gateway: { maxOpsPerSecond: 5, maxPublishesPerSecond: 3, now: clock.now } })));
    afterAll(() => h.stop());

    test('a burst up to the limit runs; the rest get LIMIT_EXCEEDED with their ref and are not run; the session carries on', async () => {
      const { socket, sessionId } = await h.subscriber([TICKS]);
      clock.advance(1_000); // refill after create/attach/configure
      const answers = await burst(
        socket,
        [{ op: 'stats' }, { op: 'stats' }, { op: 'explain', pattern: TICKS }, { op: 'stats' }, { op: 'stats' }, { op: 'session.configure', patterns: [] }, { op: 'session.close' }],
        'o',
      );
      expect(codes(answers)).toEqual(['stats', 'stats', 'explained', 'stats', 'stats', 'LIMIT_EXCEEDED', 'LIMIT_EXCEEDED']);
      expect(answers[5]).toMatchObject({ ref: 'o5', message: expect.stringContaining('maxOpsPerSecond') });

      // Neither the configure nor the close ran: the session is there, with its pattern, delivering.
      h.synthetic.pump(3, TICKS);
      expect(contiguous(await socket.waitMessages(3), TICKS)).toBe(true);
      const stats = await h.service.stats();
      expect(stats.sessions.find((s) => s.id === sessionId)).toMatchObject({ attached: true, patterns: [TICKS] });

      // A bad frame is not an operation: still BAD_REQUEST, and it costs nothing.
      socket.send('{"op":"nope","ref":"bad"}');
      expect(await socket.waitFor((f) => f.ref === 'bad')).toMatchObject({ code: 'BAD_REQUEST' });

      clock.advance(400); // two tokens' worth
      expect(codes(await burst(socket, [{ op: 'stats' }, { op: 'stats' }, { op: 'stats' }], 'p'))).toEqual(['stats', 'stats', 'LIMIT_EXCEEDED']);
      clock.advance(60_000); // refills to the burst size, no more
      expect(codes(await burst(socket, Array.from({ length: 6 }, () => ({ op: 'stats' })), 'q'))).toEqual([...Array(5).fill('stats'), 'LIMIT_EXCEEDED']);
    });

    test('each connection has its own bucket', async () => {
      const a = await h.connect();
      const b = await h.connect();
      expect(codes(await burst(a, Array.from({ length: 6 }, () => ({ op: 'stats' })), 'a')).filter((c) => c === 'LIMIT_EXCEEDED')).toHaveLength(1);
      expect(codes(await burst(b, Array.from({ length: 5 }, () => ({ op: 'stats' })), 'b'))).toEqual(Array(5).fill('stats'));
    });

    test('publishes have a bucket of their own: over it LIMIT_EXCEEDED with the ref; operations unaffected', async () => {
      const listener = await h.subscriber(['local::*']);
      const talker = await h.subscriber([TICKS]);
      clock.advance(1_000);
      for (let i = 0; i < 5; i++) talker.socket.send({ op: 'publish', id: 'local::chat', payload: i, ref: `pub${i}` });
      const refused = await Promise.all([3, 4].map((i) => talker.socket.waitFor((f) => f.ref === `pub${i}`)));
      expect(refused).toEqual([3, 4].map((i) => expect.objectContaining({ op: 'error', code: 'LIMIT_EXCEEDED', ref: `pub${i}`, message: expect.stringContaining('maxPublishesPerSecond') })));
      const delivered = await listener.socket.waitMessages(3);
      expect(delivered.map((m) => m.payload)).toEqual([0, 1, 2]);
      // The operations bucket is untouched by publishes.
      expect(codes(await burst(talker.socket, Array.from({ length: 5 }, () => ({ op: 'stats' })), 't'))).toEqual(Array(5).fill('stats'));
      expect(talker.socket.frames.filter((f) => typeof f.ref === 'string' && f.ref.startsWith('pub'))).toHaveLength(2);
    });
  });

  test('0 turns a rate limit off', async () => {
    const h = await startHarness({ gateway: { maxOpsPerSecond: 0, now: () => 0 } });
    try {
      const socket = await h.connect();
      expect(codes(await burst(socket, Array.from({ length: 150 }, () => ({ op: 'stats' })), 'z')).every((c) => c === 'stats')).toBe(true);
    } finally {
      await h.stop();
    }
  });
});

describe('limits from the configuration file reach the service and the gateway', () => {
  test('limits.maxPatternsPerSession, limits.maxSessions, gateway.maxOpsPerSecond, gateway.maxConnections', async () => {
    const config = validateConfig(
      { gateway: { port: 0, maxOpsPerSecond: 4, maxConnections: 1 }, providers: [], limits: { maxSessions: 1, maxPatternsPerSession: 1 } },
      'test.json',
      '.',
    );
    // As `tessera run` starts them (cli/run.ts), with a clock for the bucket.
    const clock = manualClock();
    const service = await DataService.start({ logger: silentLogger(), publishNamespaces: config.publishNamespaces, limits: config.limits });
    await service.addProvider('synthetic', new SyntheticProvider({ emitMode: 'manual' }));
    const gateway = await Gateway.start({ service, ...config.gateway, now: clock.now, logger: silentLogger() });
    try {
      const socket = await TestSocket.open(gateway.url);
      const answers = await burst(
        socket,
        [{ op: 'session.create' }, { op: 'session.create' }, { op: 'explain', pattern: 'synthetic::*' }, { op: 'stats' }, { op: 'stats' }],
        'c',
      );
      expect(codes(answers)).toEqual(['session.created', 'LIMIT_EXCEEDED', 'explained', 'stats', 'LIMIT_EXCEEDED']);
      expect(answers[1].message).toContain('sessions');
      expect(answers[4].message).toContain('maxOpsPerSecond');
      const extra = await TestSocket.open(gateway.url);
      expect((await extra.closed).code).toBe(1013);
      clock.advance(1_000);
      expect(await socket.ask({ op: 'session.attach', sessionId: answers[0].sessionId })).toMatchObject({ op: 'attached' });
      expect(await socket.ask({ op: 'session.configure', patterns: ['synthetic::a', 'synthetic::b'] })).toMatchObject({ code: 'LIMIT_EXCEEDED' });
      await socket.close();
    } finally {
      await gateway.close();
      await service.stop();
    }
  });
});
