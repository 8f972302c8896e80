import { startHarness, type Harness } from './support/gateway-harness';
import { contiguous, TestSocket } from './support/ws-client';

const TICKS = 'synthetic::btcusdt.ticks';

/** Polls the service until `sessionId` has no client attached (the server saw the socket go). */
async function waitDetached(h: Harness, sessionId: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const stats = await h.service.stats();
    if (stats.sessions.find((s) => s.id === sessionId)?.attached === false) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`session ${sessionId} still attached`);
}

describe('a socket that drops and comes back', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness()));
  afterAll(() => h.stop());

  test('re-attaching from a new socket gets the subscriptions and the buffered messages, without a gap', async () => {
    const { socket, sessionId } = await h.subscriber([TICKS]);
    h.synthetic.pump(3, TICKS);
    const before = await socket.waitMessages(3);
    await socket.terminate();
    await waitDetached(h, sessionId);

    h.synthetic.pump(4, TICKS); // buffered by the session while no client is attached
    const again = await h.connect();
    expect(await again.ask({ op: 'session.attach', sessionId })).toMatchObject({ op: 'attached', sessionId });
    await again.waitMessages(4);
    h.synthetic.pump(2, TICKS); // still subscribed: no configure needed
    const after = await again.waitMessages(6);

    const all = [...before, ...after];
    expect(contiguous(all, TICKS)).toBe(true);
    expect(all).toHaveLength(9);
  });

  test('a closed socket detaches too; the session lives on within its idle time', async () => {
    const { socket, sessionId } = await h.subscriber(['synthetic::ethusdt.ticks']);
    await socket.close();
    await waitDetached(h, sessionId);
    const again = await h.connect();
    expect(await again.ask({ op: 'session.attach', sessionId })).toMatchObject({ op: 'attached' });
    const stats = await h.service.stats();
    expect(stats.sessions.find((s) => s.id === sessionId)?.patterns).toEqual(['synthetic::ethusdt.ticks']);
  });
});

describe('bad input from one client does not disturb another', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness({ gateway: { maxFrameBytes: 4096 } })));
  afterAll(() => h.stop());

  test('junk and oversized frames: the sender is told (then cut off at 1009); the other client sees every message', async () => {
    const { socket: steady } = await h.subscriber([TICKS]);
    const junk = [
      'not json',
      '{"op":"nope"}',
      '{"op":"session.attach"}',
      '{"op":"session.configure","patterns":[1]}',
      '{"op":"publish","id":"local::a"}',
      '{"op":"explain"}',
    ];
    let sent = 0;
    const noisy = await h.connect();
    for (const text of junk) {
      h.synthetic.pump(10, TICKS);
      sent += 10;
      const since = noisy.frames.length;
      noisy.send(text);
      expect(await noisy.waitFor((f) => f.op === 'error', { since })).toMatchObject({ code: 'BAD_REQUEST' });
    }
    // Just under the limit is fine; over it is LIMIT_EXCEEDED, then close 1009.
    expect(await noisy.ask({ op: 'explain', pattern: 'synthetic::' + 'a'.repeat(3000) })).toMatchObject({ op: 'error' });
    h.synthetic.pump(10, TICKS);
    sent += 10;
    const since = noisy.frames.length;
    noisy.send(JSON.stringify({ op: 'publish', id: 'local::big', payload: 'x'.repeat(10_000) }));
    expect(await noisy.waitFor((f) => f.op === 'error', { since })).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('4096') });
    expect((await noisy.closed).code).toBe(1009);

    h.synthetic.pump(10, TICKS);
    sent += 10;
    const received = await steady.waitMessages(sent);
    expect(received).toHaveLength(sent);
    expect(contiguous(received, TICKS)).toBe(true);
    expect(steady.frames.some((f) => f.op === 'error')).toBe(false);
  });
});

describe('flow control', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness({ gateway: { highWaterBytes: 256 * 1024, lowWaterBytes: 64 * 1024 } })));
  afterAll(() => h.stop());

  test('a client that stops reading is paused and its session drops, while another client gets everything', async () => {
    const id = 'synthetic::solusdt.ticks[size=65536]';
    const slow = await h.subscriber([id], { outBuffer: 20, overflow: 'drop-newest' });
    const fast = await h.subscriber([id]);
    slow.socket.ws.pause(); // stop reading: TCP backs up into the gateway's send buffer

    let sent = 0;
    let dropped = 0;
    for (let round = 0; round < 400 && dropped === 0; round++) {
      h.synthetic.pump(5, id);
      sent += 5;
      await fast.socket.waitMessages(sent);
      dropped = (await h.service.stats()).sessions.find((s) => s.id === slow.sessionId)?.dropped ?? 0;
    }
    expect(dropped).toBeGreaterThan(0);
    expect(contiguous(fast.socket.messages, id)).toBe(true);

    slow.socket.ws.resume();
    const notice = await slow.socket.waitFor((f) => f.op === 'notice' && f.kind === 'dropped', { timeoutMs: 20_000 });
    expect(notice.count).toBeGreaterThan(0);
    await slow.socket.until(() => (slow.socket.messages.length + dropped >= sent ? true : undefined), 20_000, 'the rest of the messages');
    const seqs = slow.socket.messages.map((m) => m.seq);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1])).toBe(true);
  });
});

describe('authentication', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness({ gateway: { token: 's3cret' } })));
  afterAll(() => h.stop());

  test('an upgrade without the token, or with a wrong one, is refused with 401', async () => {
    await expect(TestSocket.open(h.url)).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(`${h.url}/?token=wrong`)).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(h.url, { headers: { Authorization: 'Bearer s3cre' } })).rejects.toThrow('HTTP 401');
  });

  test('the token as a query parameter or a Bearer header is accepted', async () => {
    const byQuery = await TestSocket.open(`${h.url}/?token=s3cret`);
    expect(await byQuery.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
    const byHeader = await TestSocket.open(h.url, { headers: { Authorization: 'Bearer s3cret' } });
    expect(await byHeader.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
    await Promise.all([byQuery.close(), byHeader.close()]);
  });
});

describe('dead peers', () => {
  test('a socket that stops answering pings is cut off and its session freed for a re-attach', async () => {
    const h = await startHarness({ gateway: { pingIntervalMs: 50 } });
    try {
      const mute = await TestSocket.open(h.url, { autoPong: false });
      const sessionId = (await mute.ask({ op: 'session.create' })).sessionId as string;
      await mute.ask({ op: 'session.attach', sessionId });
      expect((await mute.closed).code).toBe(1006);
      await waitDetached(h, sessionId);
      const again = await h.connect();
      expect(await again.ask({ op: 'session.attach', sessionId })).toMatchObject({ op: 'attached' });
    } finally {
      await h.stop();
    }
  });
});
