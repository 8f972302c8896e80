import type { Provider } from '../providers/contract';
import { SyntheticProvider } from '../providers/synthetic';
import { encodeMessage } from '../gateway/encode';
import { startHarness, type Harness } from './support/gateway-harness';
import { TestSocket, type Frame } from './support/ws-client';

const TICKS = 'synthetic::btcusdt.ticks';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A provider with no `request`, for NOT_SUPPORTED. */
const plainProvider = (): Provider => ({ start: () => undefined, stop: () => undefined, subscribe: () => undefined, unsubscribe: () => undefined });

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ service: { limits: { maxPatternsPerSession: 3 } } });
  await h.service.addProvider('plain', plainProvider);
});
afterAll(() => h.stop());

/** An error frame with this code answering `frame`. */
async function expectError(socket: TestSocket, frame: object, code: string): Promise<Frame> {
  const answer = await socket.ask(frame);
  expect(answer).toMatchObject({ op: 'error', code });
  expect(typeof answer.message).toBe('string');
  return answer;
}

describe('sessions', () => {
  test('create, attach, configure, detach, close — each answer echoes its ref', async () => {
    const socket = await h.connect();
    socket.send({ op: 'session.create', idleAfterMs: 60_000, ref: 7 });
    const created = await socket.waitFor((f) => f.ref === 7);
    expect(created).toEqual({ ref: 7, op: 'session.created', sessionId: expect.stringMatching(UUID) });
    const sessionId = created.sessionId as string;

    expect(await socket.ask({ op: 'session.attach', sessionId, outBuffer: 64, overflow: 'drop-oldest' })).toMatchObject({ op: 'attached', sessionId });
    const configured = await socket.ask({ op: 'session.configure', patterns: ['synthetic::ticks.btcusdt', 'synthetic::trades[*].*'] });
    expect(configured).toMatchObject({ op: 'configured', patterns: expect.arrayContaining([TICKS, 'synthetic::trades[*].*']) });
    expect(await socket.ask({ op: 'session.detach' })).toMatchObject({ op: 'detached' });
    await expectError(socket, { op: 'session.configure', patterns: [] }, 'CLIENT_NOT_ATTACHED');

    expect(await socket.ask({ op: 'session.attach', sessionId })).toMatchObject({ op: 'attached' });
    expect(await socket.ask({ op: 'session.close' })).toMatchObject({ op: 'closed' });
    await expectError(socket, { op: 'session.attach', sessionId }, 'SESSION_NOT_FOUND');
  });

  test('attach errors: unknown session, a session held by another socket, a socket already attached', async () => {
    const first = await h.subscriber([TICKS]);
    const other = await h.connect();
    await expectError(other, { op: 'session.attach', sessionId: '00000000-0000-4000-8000-000000000000' }, 'SESSION_NOT_FOUND');
    await expectError(other, { op: 'session.attach', sessionId: first.sessionId }, 'CLIENT_ALREADY_ATTACHED');
    const second = (await other.ask({ op: 'session.create' })).sessionId as string;
    await expectError(first.socket, { op: 'session.attach', sessionId: second }, 'CLIENT_ALREADY_ATTACHED');
  });

  test('ops that need a session answer CLIENT_NOT_ATTACHED on a fresh socket', async () => {
    const socket = await h.connect();
    await expectError(socket, { op: 'session.configure', patterns: [TICKS] }, 'CLIENT_NOT_ATTACHED');
    await expectError(socket, { op: 'session.detach' }, 'CLIENT_NOT_ATTACHED');
    await expectError(socket, { op: 'session.close' }, 'CLIENT_NOT_ATTACHED');
    await expectError(socket, { op: 'publish', id: 'local::a.b', payload: 1 }, 'CLIENT_NOT_ATTACHED');
    await expectError(socket, { op: 'request', id: TICKS, body: null }, 'CLIENT_NOT_ATTACHED');
  });

  test('configure errors leave the previous patterns in place', async () => {
    const { socket } = await h.subscriber([TICKS]);
    await expectError(socket, { op: 'session.configure', patterns: ['synthetic::bad pattern'] }, 'INVALID_PATTERN');
    await expectError(socket, { op: 'session.configure', patterns: ['nowhere::x'] }, 'UNKNOWN_NAMESPACE');
    await expectError(socket, { op: 'session.configure', patterns: ['synthetic::a', 'synthetic::b', 'synthetic::c.*', 'synthetic::d.*'] }, 'LIMIT_EXCEEDED');
    const mark = socket.messages.length;
    h.synthetic.pump(1, TICKS);
    const [msg] = (await socket.waitMessages(mark + 1)).slice(mark);
    expect(msg.id).toBe(TICKS);
  });
});

describe('messages', () => {
  test('one ready message is a msg frame; several at once are one batch, in order', async () => {
    const { socket } = await h.subscriber(['synthetic::ethusdt.quotes']);
    const id = 'synthetic::ethusdt.quotes';
    h.synthetic.pump(1, id);
    const single = await socket.waitFor((f) => f.op === 'msg');
    expect(single).toEqual({ op: 'msg', id, seq: expect.any(Number), epoch: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/), ts: expect.any(Number), eventTs: expect.any(Number), payload: expect.any(Object) });
    const first = single.seq as number;

    h.synthetic.pump(5, id);
    const batch = await socket.waitFor((f) => f.op === 'batch');
    const items = batch.items as Frame[];
    expect(items.length).toBeGreaterThan(1);
    expect(items.every((item) => item.op === 'msg' && item.id === id)).toBe(true);
    await socket.waitMessages(6);
    expect(socket.messages.map((m) => m.seq)).toEqual([0, 1, 2, 3, 4, 5].map((i) => first + i));
  });

  test('a notice frame when a provider goes away', async () => {
    await h.service.addProvider('extra', new SyntheticProvider({ emitMode: 'manual' }));
    const { socket } = await h.subscriber(['extra::btcusdt.ticks']);
    await h.service.removeProvider('extra');
    const notice = await socket.waitFor((f) => f.op === 'notice' && f.kind === 'unbound');
    expect(notice).toMatchObject({ op: 'notice', kind: 'unbound', namespace: 'extra', patterns: ['extra::btcusdt.ticks'] });
    expect(notice).not.toHaveProperty('type');
  });

  test('bytes payloads travel as base64 in "bytes"; an envelope is encoded once', () => {
    const envelope = { type: 'message' as const, id: 'x::a', seq: 1, epoch: 'e', ts: 2, payload: new Uint8Array([1, 2, 255]) };
    const text = encodeMessage(envelope);
    expect(JSON.parse(text)).toEqual({ op: 'msg', id: 'x::a', seq: 1, epoch: 'e', ts: 2, bytes: 'AQL/' });
    expect(encodeMessage(envelope)).toBe(text);
  });
});

describe('publish and request', () => {
  test('publish reaches matching sessions and has no answer', async () => {
    const listener = await h.subscriber(['local::chat.*']);
    const talker = await h.subscriber([TICKS]);
    talker.socket.send({ op: 'publish', id: 'local::chat.room1', payload: { text: 'hi' }, ref: 'p1' });
    const [msg] = await listener.socket.waitMessages(1);
    expect(msg).toMatchObject({ id: 'local::chat.room1', seq: 1, payload: { text: 'hi' } });
    await talker.socket.ask({ op: 'stats' });
    expect(talker.socket.frames.some((f) => f.ref === 'p1')).toBe(false);
  });

  test('publish errors: a provider namespace, an unknown one, a bad identifier', async () => {
    const { socket } = await h.subscriber([TICKS]);
    await expectError(socket, { op: 'publish', id: TICKS, payload: 1 }, 'FORBIDDEN_NAMESPACE');
    await expectError(socket, { op: 'publish', id: 'nowhere::a', payload: 1 }, 'UNKNOWN_NAMESPACE');
    await expectError(socket, { op: 'publish', id: 'local::a..b', payload: 1 }, 'INVALID_IDENTIFIER');
  });

  test('request replies ok with the body, or not ok with a code', async () => {
    const { socket } = await h.subscriber([TICKS]);
    h.synthetic.pump(1, TICKS);
    await socket.waitMessages(1);
    const reply = await socket.ask({ op: 'request', id: TICKS, body: { want: 'snapshot' } });
    expect(reply).toMatchObject({ op: 'reply', ok: true, body: { id: TICKS, emitted: expect.any(Number) } });
    expect(await socket.ask({ op: 'request', id: 'plain::a.b', body: null })).toMatchObject({ op: 'reply', ok: false, code: 'NOT_SUPPORTED' });
    expect(await socket.ask({ op: 'request', id: 'nowhere::a', body: null })).toMatchObject({ op: 'reply', ok: false, code: 'UNKNOWN_NAMESPACE' });
  });
});

describe('explain and stats', () => {
  test('explain answers the canonical pattern and its streams', async () => {
    const socket = await h.connect();
    const answer = await socket.ask({ op: 'explain', pattern: 'synthetic::ticks.*' });
    expect(answer).toMatchObject({ op: 'explained', pattern: 'synthetic::ticks.*', exact: false });
    expect(answer.streams).toEqual(expect.arrayContaining([TICKS, 'synthetic::ethusdt.ticks']));
    expect(Array.isArray(answer.flowing)).toBe(true);
    await expectError(socket, { op: 'explain', pattern: '::' }, 'INVALID_PATTERN');
  });

  test('stats answers providers, sessions and router', async () => {
    const socket = await h.connect();
    const answer = await socket.ask({ op: 'stats' });
    expect(answer).toMatchObject({ op: 'stats', providers: expect.any(Array), sessions: expect.any(Array), router: expect.any(Object) });
    expect((answer.providers as Frame[]).map((p) => p.name)).toContain('synthetic');
  });
});

describe('bad frames get BAD_REQUEST and nothing else changes', () => {
  test.each([
    ['not JSON', '{"op":'],
    ['not an object', '[1,2]'],
    ['no op', '{"ref":1}'],
    ['an unknown op', '{"op":"session.destroy","ref":"u"}'],
    ['a missing field', '{"op":"session.attach","ref":"m"}'],
    ['a wrong-typed field', '{"op":"session.configure","patterns":"synthetic::*","ref":"w"}'],
    ['a wrong-typed option', '{"op":"session.attach","sessionId":"x","overflow":"block","ref":"o"}'],
    ['a bad ref', '{"op":"stats","ref":{"a":1}}'],
    ['a __proto__ key', '{"op":"publish","id":"local::a","payload":{"__proto__":{"polluted":true}},"ref":"pp"}'],
    ['an escaped __proto__ key', '{"op":"publish","id":"local::a","payload":{"\\u005f_proto__":{"polluted":true}}}'],
    ['a constructor key', '{"op":"stats","constructor":{"prototype":{}}}'],
  ])('%s', async (_what, text) => {
    const socket = await h.connect();
    const since = socket.frames.length;
    socket.send(text);
    const error = await socket.waitFor((f) => f.op === 'error', { since });
    expect(error).toMatchObject({ op: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('bad frame') });
    const ref = /"ref":"(\w+)"/.exec(text)?.[1];
    if (ref !== undefined) expect(error.ref).toBe(ref);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await socket.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
  });

  test('a binary frame', async () => {
    const socket = await h.connect();
    socket.ws.send(Buffer.from('{"op":"stats"}'), { binary: true });
    expect(await socket.waitFor((f) => f.op === 'error')).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('limits', () => {
  test('sessions beyond the limit: LIMIT_EXCEEDED', async () => {
    const small = await startHarness({ service: { limits: { maxSessions: 1 } } });
    try {
      const socket = await small.connect();
      expect(await socket.ask({ op: 'session.create' })).toMatchObject({ op: 'session.created' });
      await expectError(socket, { op: 'session.create' }, 'LIMIT_EXCEEDED');
    } finally {
      await small.stop();
    }
  });

  test('connections beyond the limit: LIMIT_EXCEEDED, then close 1013', async () => {
    const small = await startHarness({ gateway: { maxConnections: 1 } });
    try {
      const first = await small.connect();
      const second = await small.connect();
      expect(await second.waitFor((f) => f.op === 'error')).toMatchObject({ code: 'LIMIT_EXCEEDED' });
      expect((await second.closed).code).toBe(1013);
      expect(await first.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
    } finally {
      await small.stop();
    }
  });
});
