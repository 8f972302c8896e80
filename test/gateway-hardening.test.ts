import { startHarness, type Harness } from './support/gateway-harness';
import { TestSocket } from './support/ws-client';

// What one gateway client may hold, which web pages may connect, and what `stats` tells one
// client about the others.

describe('Origin check on upgrades', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness({ gateway: { allowedOrigins: ['https://app.example'] } })));
  afterAll(() => h.stop());

  test('a page from another origin is refused with 403; no Origin (not a browser) is let in', async () => {
    await expect(TestSocket.open(h.url, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const plain = await TestSocket.open(h.url);
    expect(await plain.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
    await plain.terminate();
  });

  test("the gateway's own origin and the listed ones are let in", async () => {
    const { port } = h.gateway.address;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'https://app.example', 'HTTPS://APP.EXAMPLE/']) {
      const socket = await TestSocket.open(h.url, { origin });
      expect(await socket.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
      await socket.terminate();
    }
    // The same host on another port is another origin.
    await expect(TestSocket.open(h.url, { origin: `http://127.0.0.1:${port + 1}` })).rejects.toThrow('HTTP 403');
  });
});

describe('stats over the gateway', () => {
  test("lists only the client's own session id; the others get a label that cannot attach", async () => {
    const h = await startHarness();
    try {
      const a = await h.subscriber(['synthetic::btcusdt.ticks']);
      const b = await h.subscriber(['synthetic::ethusdt.ticks']);
      const stats = await a.socket.ask({ op: 'stats' });
      const ids = (stats.sessions as { id: string; patterns: string[] }[]).map((s) => s.id);
      expect(ids).toContain(a.sessionId);
      expect(ids).not.toContain(b.sessionId);
      const label = (stats.sessions as { id: string; patterns: string[] }[]).find((s) => s.patterns.includes('synthetic::ethusdt.ticks'))!.id;
      expect(label).toMatch(/^~[0-9a-f]{12}$/);
      // A detached session cannot be taken over with what stats showed.
      await b.socket.ask({ op: 'session.detach' });
      const thief = await h.connect();
      expect(await thief.ask({ op: 'session.attach', sessionId: label })).toMatchObject({ op: 'error', code: 'SESSION_NOT_FOUND' });
    } finally {
      await h.stop();
    }
  });

  test('gateway.exposeSessionIds lists them all', async () => {
    const h = await startHarness({ gateway: { exposeSessionIds: true } });
    try {
      const a = await h.subscriber([]);
      const b = await h.subscriber([]);
      const ids = ((await a.socket.ask({ op: 'stats' })).sessions as { id: string }[]).map((s) => s.id);
      expect(ids).toEqual(expect.arrayContaining([a.sessionId, b.sessionId]));
    } finally {
      await h.stop();
    }
  });
});

describe('session quotas over the gateway', () => {
  test('per connection: sessions created and not closed; closing one frees a place', async () => {
    const h = await startHarness({ gateway: { maxSessionsPerConnection: 3 } });
    try {
      const socket = await h.connect();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await socket.ask({ op: 'session.create' })).sessionId as string);
      expect(await socket.ask({ op: 'session.create' })).toMatchObject({ op: 'error', code: 'LIMIT_EXCEEDED', message: expect.stringContaining('maxSessionsPerConnection') });
      // Another connection has its own quota.
      const other = await h.connect();
      expect(await other.ask({ op: 'session.create' })).toMatchObject({ op: 'session.created' });
      await socket.ask({ op: 'session.attach', sessionId: ids[0] });
      await socket.ask({ op: 'session.close' });
      expect(await socket.ask({ op: 'session.create' })).toMatchObject({ op: 'session.created' });
      // A session that times out frees its place too (the service tells the gateway).
      await h.service.closeSession(ids[1]);
      expect(await socket.ask({ op: 'session.create' })).toMatchObject({ op: 'session.created' });
    } finally {
      await h.stop();
    }
  });

  test('per token: all clients of the token together', async () => {
    const h = await startHarness({ gateway: { token: 't0k', maxSessionsPerToken: 4, maxSessionsPerConnection: 3 } });
    try {
      const open = () => TestSocket.open(h.url, { headers: { Authorization: 'Bearer t0k' } });
      const [s1, s2] = [await open(), await open()];
      for (let i = 0; i < 3; i++) expect(await s1.ask({ op: 'session.create' })).toMatchObject({ op: 'session.created' });
      expect(await s2.ask({ op: 'session.create' })).toMatchObject({ op: 'session.created' });
      expect(await s2.ask({ op: 'session.create' })).toMatchObject({ op: 'error', code: 'LIMIT_EXCEEDED', message: expect.stringContaining('maxSessionsPerToken') });
      // The library is not a gateway client: its sessions do not count.
      await expect(h.service.newSession()).resolves.toEqual(expect.any(String));
      await Promise.all([s1.terminate(), s2.terminate()]);
    } finally {
      await h.stop();
    }
  });

  test('sessions that never time out are capped, and so is the idle time a client may ask for', async () => {
    const h = await startHarness({ gateway: { maxPersistentSessions: 2, maxIdleAfterMs: 60_000 } });
    try {
      const sockets = await Promise.all([1, 2, 3].map(() => h.connect()));
      expect(await sockets[0].ask({ op: 'session.create', idleAfterMs: 0 })).toMatchObject({ op: 'session.created' });
      expect(await sockets[1].ask({ op: 'session.create', idleAfterMs: -1 })).toMatchObject({ op: 'session.created' });
      // Disconnecting does not give them back: they live on until closed.
      await sockets[0].terminate();
      expect(await sockets[2].ask({ op: 'session.create', idleAfterMs: 0 })).toMatchObject({ op: 'error', code: 'LIMIT_EXCEEDED', message: expect.stringContaining('maxPersistentSessions') });
      expect(await sockets[2].ask({ op: 'session.create', idleAfterMs: 60_001 })).toMatchObject({ op: 'error', code: 'LIMIT_EXCEEDED', message: expect.stringContaining('maxIdleAfterMs') });
      expect(await sockets[2].ask({ op: 'session.create', idleAfterMs: 60_000 })).toMatchObject({ op: 'session.created' });
    } finally {
      await h.stop();
    }
  });
});
