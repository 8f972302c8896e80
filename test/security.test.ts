// The module object itself (not an import copy), so a spy sees the calls auth.ts makes.
import crypto = require('node:crypto');
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { loadConfig } from '../cli/config';
import { silentLogger } from '../common/logger';
import { DataService } from '../data-service';
import { TokenCheck } from '../gateway/auth';
import { Gateway } from '../gateway/server';
import { startHarness, type Harness } from './support/gateway-harness';
import { TestSocket, type Frame } from './support/ws-client';

// Who can reach the gateway, who can act on which session, and what a frame can do to the
// process: binding, token check, publish namespaces, session isolation, prototype pollution.

const TICKS = 'synthetic::btcusdt.ticks';

/** Resolves with the socket error code of a TCP connect (undefined when it connects). */
function tcpConnect(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(undefined)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('binding', () => {
  test('the gateway binds to 127.0.0.1 unless told otherwise; so does the default configuration', async () => {
    expect(loadConfig(undefined).gateway.host).toBe('127.0.0.1');
    const service = await DataService.start({ logger: silentLogger() });
    const gateway = await Gateway.start({ service, port: 0 });
    try {
      expect(gateway.address.host).toBe('127.0.0.1');
      expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.address.port}`);
      // Not reachable on any other interface this machine has.
      const others = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i !== undefined && !i.internal && i.family === 'IPv4');
      for (const other of others) expect(await tcpConnect(other!.address, gateway.address.port)).toBe('ECONNREFUSED');
    } finally {
      await gateway.close();
      await service.stop();
    }
  });
});

describe('token', () => {
  const TOKEN = 's3cret-token-42';
  let h: Harness;
  beforeAll(async () => (h = await startHarness({ gateway: { token: TOKEN } })));
  afterAll(() => h.stop());

  const q = (token: string) => `${h.url}/?token=${encodeURIComponent(token)}`;
  const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

  test.each([
    ['missing', () => TestSocket.open(h.url)],
    ['empty', () => TestSocket.open(q(''))],
    ['wrong, same length', () => TestSocket.open(q(TOKEN.replace('s', 'S')))],
    ['a prefix of it', () => TestSocket.open(q(TOKEN.slice(0, 6)))],
    ['it plus more', () => TestSocket.open(q(`${TOKEN}x`))],
    ['much longer', () => TestSocket.open(q('x'.repeat(4096)))],
    ['wrong Bearer header', () => TestSocket.open(h.url, bearer('nope'))],
    ['another scheme', () => TestSocket.open(h.url, { headers: { Authorization: `Basic ${TOKEN}` } })],
  ])('%s: refused with 401', async (_what, open) => {
    await expect(open()).rejects.toThrow('HTTP 401');
  });

  test('the right token, as a query parameter or a Bearer header, is accepted', async () => {
    for (const socket of [await TestSocket.open(q(TOKEN)), await TestSocket.open(h.url, bearer(TOKEN))]) {
      expect(await socket.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
      await socket.close();
    }
  });

  test('compared in constant time: always two SHA-256 digests through timingSafeEqual, whatever is offered', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      const check = new TokenCheck(TOKEN);
      const request = (url: string, authorization?: string) => ({ url, headers: authorization === undefined ? {} : { authorization } }) as unknown as IncomingMessage;
      const offers: [IncomingMessage, boolean][] = [
        [request('/'), false],
        [request('/?token='), false],
        [request('/?token=a'), false],
        [request(`/?token=${'a'.repeat(10_000)}`), false],
        [request(`/?token=${encodeURIComponent(TOKEN)}`), true],
        [request('/', `Bearer ${TOKEN}`), true],
        [request('/', `bearer   ${TOKEN}  `), true],
        [request('/', `Bearer ${TOKEN}x`), false],
        [request('/%%%', undefined), false],
      ];
      for (const [req, expected] of offers) expect(check.accepts(req)).toBe(expected);
      expect(spy).toHaveBeenCalledTimes(offers.length);
      for (const [a, b] of spy.mock.calls) {
        expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      }
    } finally {
      spy.mockRestore();
    }
  });

  test('an empty token is refused at start rather than letting `?token=` through', async () => {
    const service = await DataService.start({ logger: silentLogger() });
    try {
      await expect(Gateway.start({ service, port: 0, token: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    } finally {
      await service.stop();
    }
  });
});

describe('sessions and namespaces', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness()));
  afterAll(() => h.stop());

  const expectCode = async (socket: TestSocket, frame: object, code: string) => expect(await socket.ask(frame)).toMatchObject({ op: 'error', code });

  test("publish cannot write into a provider's namespace, however it is spelled", async () => {
    const { socket: listener } = await h.subscriber([TICKS]);
    const { socket } = await h.subscriber(['local::*']);
    for (const id of [TICKS, 'SYNTHETIC::btcusdt.ticks', 'Synthetic::ticks.btcusdt[]', 'synthetic::anything.new']) {
      await expectCode(socket, { op: 'publish', id, payload: { forged: true } }, 'FORBIDDEN_NAMESPACE');
    }
    await expectCode(socket, { op: 'publish', id: 'undeclared::a', payload: 1 }, 'UNKNOWN_NAMESPACE');
    // What reaches the stream's subscriber is the provider's message, first in its sequence.
    h.synthetic.pump(1, TICKS);
    const [msg] = await listener.waitMessages(1);
    expect(msg.payload).not.toHaveProperty('forged');
    expect(listener.messages).toHaveLength(1);
  });

  test('without an attach, every session op is CLIENT_NOT_ATTACHED, even naming a session', async () => {
    const { sessionId } = await h.subscriber([TICKS]);
    const socket = await h.connect();
    for (const frame of [
      { op: 'session.configure', patterns: [] },
      { op: 'session.detach' },
      { op: 'session.close' },
      { op: 'publish', id: 'local::a', payload: 1 },
      { op: 'request', id: TICKS, body: null },
    ]) {
      await expectCode(socket, frame, 'CLIENT_NOT_ATTACHED');
      await expectCode(socket, { ...frame, sessionId }, 'CLIENT_NOT_ATTACHED');
    }
    expect((await h.service.stats()).sessions.find((s) => s.id === sessionId)).toMatchObject({ attached: true, patterns: [TICKS] });
  });

  test('a session attached elsewhere cannot be attached again; its owner keeps receiving', async () => {
    const owner = await h.subscriber([TICKS]);
    const intruder = await h.connect();
    await expectCode(intruder, { op: 'session.attach', sessionId: owner.sessionId }, 'CLIENT_ALREADY_ATTACHED');
    const before = owner.socket.messages.length;
    h.synthetic.pump(2, TICKS);
    await owner.socket.waitMessages(before + 2);
    expect(intruder.messages).toHaveLength(0);
  });

  test("a frame naming another session's id acts on the socket's own session only", async () => {
    const a = await h.subscriber([TICKS]);
    const b = await h.subscriber([TICKS]);
    const other = { sessionId: b.sessionId };
    expect(await a.socket.ask({ op: 'session.configure', patterns: ['synthetic::ethusdt.ticks'], ...other })).toMatchObject({ op: 'configured', patterns: ['synthetic::ethusdt.ticks'] });
    const request = await a.socket.ask({ op: 'request', id: TICKS, body: null, ...other });
    expect(request).toMatchObject({ op: 'reply', ok: true });
    expect(b.socket.frames.some((f) => f.op === 'reply')).toBe(false);
    expect(await a.socket.ask({ op: 'session.detach', ...other })).toMatchObject({ op: 'detached' });
    await expectCode(a.socket, { op: 'session.close', ...other }, 'CLIENT_NOT_ATTACHED');

    const sessions = (await h.service.stats()).sessions;
    expect(sessions.find((s) => s.id === a.sessionId)).toMatchObject({ attached: false, patterns: ['synthetic::ethusdt.ticks'] });
    expect(sessions.find((s) => s.id === b.sessionId)).toMatchObject({ attached: true, patterns: [TICKS] });
    const before = b.socket.messages.length;
    h.synthetic.pump(1, TICKS);
    await b.socket.waitMessages(before + 1);
  });
});

describe('prototype pollution', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness()));
  afterAll(() => h.stop());

  const PROTO = '{"__proto__":{"polluted":1}}';
  const CTOR = '{"constructor":{"prototype":{"polluted":1}}}';
  /** Frames with `value` in every position a client controls, each with its own ref first. */
  const positions = (value: string, tag: string): [string, string][] =>
    [
      `{"ref":"#","op":"stats",${value.slice(1, -1)}}`,
      `{"ref":"#","op":"publish","id":"local::chat","payload":${value}}`,
      `{"ref":"#","op":"publish","id":"local::chat","payload":{"a":[1,{"b":${value}}]}}`,
      `{"ref":"#","op":"publish","id":"local::chat","payload":[${value}]}`,
      `{"ref":"#","op":"request","id":"${TICKS}","body":${value}}`,
      `{"ref":"#","op":"request","id":"${TICKS}","body":{"deep":{"er":${value}}}}`,
      `{"ref":"#","op":"session.configure","patterns":["${TICKS}",${value}]}`,
      `{"ref":"#","op":"session.create","idleAfterMs":${value}}`,
      `{"ref":"#","op":"session.attach","sessionId":${value}}`,
      `{"ref":"#","op":"explain","pattern":${value}}`,
      `{"ref":"#","op":"publish","id":"local::chat","payload":${value.replace('_', '\\u005f')}}`,
    ].map((text, i): [string, string] => [`${tag}${i}`, text.replace('#', `${tag}${i}`)]);

  test.each([
    ['{"__proto__":{"polluted":1}}', PROTO, 'p'],
    ['{"constructor":{"prototype":{"polluted":1}}}', CTOR, 'c'],
  ])('%s in every position: BAD_REQUEST with the ref; nothing delivered, nothing polluted', async (_what, value, tag) => {
    const { socket: listener } = await h.subscriber(['local::*']);
    const { socket } = await h.subscriber([TICKS]);
    const frames = positions(value, tag);
    for (const [, text] of frames) socket.send(text);
    const answers: Frame[] = await Promise.all(frames.map(([ref]) => socket.waitFor((f) => f.ref === ref)));
    for (const answer of answers) expect(answer).toMatchObject({ op: 'error', code: 'BAD_REQUEST', message: expect.stringMatching(/is not allowed/) });

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    // The publishes were refused, not delivered: the next message on the namespace is the first.
    socket.send({ op: 'publish', id: 'local::chat', payload: 'after' });
    const [msg] = await listener.waitMessages(1);
    expect(msg).toMatchObject({ payload: 'after' });
    expect(listener.messages).toHaveLength(1);
    // The session is unharmed.
    expect(await socket.ask({ op: 'session.configure', patterns: [TICKS] })).toMatchObject({ op: 'configured' });
  });
});
