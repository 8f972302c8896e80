import fc from 'fast-check';
import { ERROR_CODES } from '../common/errors';
import type { MessageEnvelope } from '../common/envelope';
import { MAX_FRAME_DEPTH, parseClientFrame } from '../gateway/frames';
import { Outbound, type SendTarget } from '../gateway/outbound';
import { startHarness, type Harness } from './support/gateway-harness';
import { contiguous, type Frame, type TestSocket } from './support/ws-client';

// 10,000 bad frames of every kind at one gateway while a well-behaved client on it receives a
// steadily pumped stream: every bad frame gets exactly one clean answer, the steady client
// misses nothing, nobody is disconnected, no prototype changes.

const TICKS = 'synthetic::btcusdt.ticks';
const NASTY = 'local::nasty';
const BAD_FRAMES = 10_000;

const deep = (depth: number) => `{"op":"publish","id":"local::a","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const isBad = (text: string) => !parseClientFrame(text).ok;

/** Frames the parser refuses (BAD_REQUEST), of many kinds; deterministic. */
function parserRejects(count: number): string[] {
  const op = fc.constantFrom('session.create', 'session.attach', 'session.configure', 'publish', 'request', 'explain', 'stats', 'nope', '', '__proto__');
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<unknown>(null, '', -1, 1.5, [], {}, [1], 'x\0\u200b\u{1F680}'));
  const field = fc.constantFrom('ref', 'sessionId', 'outBuffer', 'overflow', 'patterns', 'id', 'payload', 'pattern', 'idleAfterMs');
  const poison = fc.constantFrom('"__proto__":{"polluted":1}', '"constructor":{"prototype":{"polluted":1}}', '"\\u005f_proto__":1');
  const arb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.tuple(op, fc.dictionary(field, value, { maxKeys: 3 })).map(([o, rest]) => JSON.stringify({ ...rest, op: o })),
    fc.tuple(op, poison, fc.constantFrom(['', ''], ['"payload":{', '}'], ['"body":{"a":[{', '}]}'])).map(([o, p, [open, close]]) => `{"op":"${o}",${open}${p}${close}}`),
  );
  return fc.sample(arb.filter(isBad), { numRuns: count, seed: 42 });
}

/** Well-formed frames the service refuses (each answered with an error or a failed reply). */
const SERVICE_REJECTS = [
  { op: 'session.configure', patterns: ['synthetic::bad pattern'] },
  { op: 'session.configure', patterns: ['nowhere::x', 'synthetic::\0'] },
  { op: 'session.configure', patterns: ['synthetic::\u200b\u{1F680}[k=]'] },
  { op: 'session.attach', sessionId: '00000000-0000-4000-8000-000000000000' },
  { op: 'session.attach', sessionId: '\0\u200b\u{1F680}' },
  { op: 'publish', id: TICKS, payload: { x: 1 } },
  { op: 'publish', id: 'SYNTHETIC::btcusdt.ticks', payload: null },
  { op: 'publish', id: 'local::a..b', payload: 1 },
  { op: 'publish', id: 'nowhere::a', payload: 1 },
  { op: 'request', id: 'nowhere::a', body: null },
  { op: 'request', id: 'local::a', body: { __x: 1 } },
  { op: 'explain', pattern: '::' },
  { op: 'explain', pattern: 'x'.repeat(10_000) },
  { op: 'session.create', idleAfterMs: 1 }, // accepted: the one good frame kind, answered too
].map((f) => JSON.stringify(f));

/** The 10,000: mostly parser rejects, service rejects, binary frames, a few deep and big ones. */
function badFrames(): (string | Buffer)[] {
  const parser = parserRejects(2_000);
  const out: (string | Buffer)[] = [];
  for (let i = 0; out.length < BAD_FRAMES; i++) {
    if (i % 1000 === 7) out.push(deep(100_000));
    else if (i % 1000 === 8) out.push(JSON.stringify({ op: 'explain', pattern: `synthetic::${'\u{1F680}'.repeat(100_000)}` }));
    else if (i % 50 === 9) out.push(Buffer.from('{"op":"stats"}'));
    else if (i % 5 === 0) out.push(SERVICE_REJECTS[i % SERVICE_REJECTS.length]);
    else out.push(parser[i % parser.length]);
  }
  return out;
}

/** Payloads that are awkward but legal: they must arrive exactly as sent. */
const NASTY_PAYLOADS: unknown[] = [
  '\0\u200b\u200d\ufeff\u2028\u{1F469}\u200d\u{1F4BB}',
  { 'key with \0': ['\u{1F680}', null, 1e308], my__proto__: 'proto', text: '__proto__ constructor' },
  JSON.parse(`${'['.repeat(MAX_FRAME_DEPTH - 2)}"deepest allowed"${']'.repeat(MAX_FRAME_DEPTH - 2)}`),
  'x'.repeat(100_000),
];

const isAnswer = (f: Frame) => f.op === 'error' || f.op === 'reply' || f.op === 'session.created';

/** Counts answers from frame index `since` on, scanning each frame once (the probe runs per frame). */
function answerCounter(socket: TestSocket, since: number): () => number {
  let scanned = since;
  let count = 0;
  return () => {
    for (; scanned < socket.frames.length; scanned++) if (isAnswer(socket.frames[scanned])) count++;
    return count;
  };
}

describe('a flood of bad frames', () => {
  let h: Harness;
  // No rate limits, so every well-formed bad frame reaches the service.
  beforeAll(async () => (h = await startHarness({ gateway: { maxOpsPerSecond: 0, maxPublishesPerSecond: 0 } })));
  afterAll(() => h.stop());

  test('10,000 bad frames: each answered once, cleanly; a steady client misses nothing', async () => {
    const { socket: steady } = await h.subscriber([TICKS, 'local::*']);
    const { socket: noisy } = await h.subscriber([TICKS]);
    const since = noisy.frames.length;
    const answered = answerCounter(noisy, since);
    const frames = badFrames();
    let pumped = 0;
    const pump = setInterval(() => {
      h.synthetic.pump(5, TICKS);
      pumped += 5;
    }, 2);
    const started = performance.now();
    try {
      for (let sent = 0; sent < frames.length; ) {
        const end = Math.min(sent + 500, frames.length);
        for (; sent < end; sent++) {
          const frame = frames[sent];
          if (typeof frame === 'string') noisy.send(frame);
          else noisy.ws.send(frame, { binary: true });
        }
        noisy.send({ op: 'publish', id: NASTY, payload: NASTY_PAYLOADS[(sent / 500) % NASTY_PAYLOADS.length] });
        await noisy.until(() => (answered() >= sent ? true : undefined), 20_000, `${sent} answers`);
      }
    } finally {
      clearInterval(pump);
    }
    const elapsed = performance.now() - started;

    const got = noisy.frames.slice(since).filter(isAnswer);
    expect(got).toHaveLength(BAD_FRAMES);
    for (const f of got) if (f.op !== 'session.created') expect(ERROR_CODES).toContain(f.code);
    expect(noisy.ws.readyState).toBe(noisy.ws.OPEN);

    const received = await steady.waitMessages(pumped + frames.length / 500, 20_000);
    const ticks = received.filter((m) => m.id === TICKS);
    expect(ticks).toHaveLength(pumped);
    expect(contiguous(ticks, TICKS)).toBe(true);
    const nasty = received.filter((m) => m.id === NASTY);
    expect(nasty.map((m) => m.payload)).toEqual(nasty.map((_, i) => NASTY_PAYLOADS[(i + 1) % NASTY_PAYLOADS.length]));
    expect(contiguous(nasty, NASTY)).toBe(true);
    expect(steady.frames.some((f) => f.op === 'error')).toBe(false);
    expect(await steady.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    // Generous: the point is that it is bounded, on a loaded machine too.
    expect(elapsed).toBeLessThan(15_000);
  }, 40_000);
});

describe('frames that break the WebSocket protocol itself', () => {
  test('invalid UTF-8 in a text frame closes that socket with 1007 (RFC 6455); others carry on', async () => {
    const h = await startHarness();
    try {
      const steady = await h.subscriber([TICKS]);
      const bad = await h.connect();
      bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      expect((await bad.closed).code).toBe(1007);
      h.synthetic.pump(3, TICKS);
      expect(contiguous(await steady.socket.waitMessages(3), TICKS)).toBe(true);
    } finally {
      await h.stop();
    }
  });
});

describe('outbound', () => {
  test('past the high-water mark the socket stops being read (and the session paused) until it drains', () => {
    // A socket whose writes leave its buffer only when the test runs their callbacks.
    let buffered = 0;
    const callbacks: (() => void)[] = [];
    const socket: SendTarget = {
      readyState: 1,
      get bufferedAmount() {
        return buffered;
      },
      send(data, _options, done) {
        buffered += data.length;
        callbacks.push(() => {
          buffered -= data.length;
          done();
        });
      },
    };
    const calls: string[] = [];
    const flow = (who: string) => ({ pause: () => calls.push(`${who} pause`), resume: () => calls.push(`${who} resume`) });
    const outbound = new Outbound(socket, { highWaterBytes: 100, lowWaterBytes: 10, maxBatch: 10 }, flow('inbound'));
    outbound.setFlowTarget(flow('session'));
    for (let i = 0; i < 5; i++) outbound.pushText('x'.repeat(40));
    outbound.flush();
    expect(calls).toEqual(['session pause', 'inbound pause']);
    callbacks.splice(0, 4).forEach((done) => done());
    expect(calls).toHaveLength(2); // 40 bytes still queued: above the low-water mark
    callbacks.splice(0).forEach((done) => done());
    expect(calls).toEqual(['session pause', 'inbound pause', 'session resume', 'inbound resume']);
  });

  test('a message that cannot be encoded is skipped and reported; the rest still go, in order', async () => {
    const sent: string[] = [];
    const socket: SendTarget = { readyState: 1, bufferedAmount: 0, send: (data, _options, done) => (sent.push(String(data)), done()) };
    const errors: number[] = [];
    const outbound = new Outbound(socket, { highWaterBytes: 1e9, lowWaterBytes: 0, maxBatch: 100, onEncodeError: (_e, msg) => errors.push(msg.seq) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const msg = (seq: number, payload: unknown): MessageEnvelope => ({ type: 'message', id: 'x::a', seq, epoch: 'e', ts: 0, payload: payload as MessageEnvelope['payload'] });
    outbound.pushEnvelope(msg(1, 'a'));
    outbound.pushEnvelope(msg(2, cyclic));
    outbound.pushEnvelope(msg(3, 10n));
    outbound.pushEnvelope(msg(4, 'b'));
    outbound.flush();
    expect(errors).toEqual([2, 3]);
    expect(sent).toHaveLength(1);
    expect((JSON.parse(sent[0]) as { items: { seq: number }[] }).items.map((m) => m.seq)).toEqual([1, 4]);
  });
});
