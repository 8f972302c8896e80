import { startHarness } from './support/gateway-harness';
import { TestSocket } from './support/ws-client';

// A socket closed gracefully stays open for a moment (CLOSING) while the session still
// delivers to it. What it was handed then never reaches the peer: it must go back to the
// session and be announced to the next socket, never be counted as delivered and vanish.

const TICKS = 'synthetic::btcusdt.ticks';

test('30 graceful closes, each followed at once by a re-attach from a new socket: every message arrives or is announced', async () => {
  const h = await startHarness({ service: { sessionDefaults: { outBuffer: 100_000 } } });
  try {
    const first = await h.subscriber([TICKS]);
    const sessionId = first.sessionId;
    const sockets: TestSocket[] = [first.socket];
    const pumping = setInterval(() => h.synthetic.pump(20), 1);
    try {
      for (let round = 0; round < 30; round++) {
        const old = sockets[sockets.length - 1];
        await old.waitMessages(old.messages.length + 1);
        old.ws.close(1000, 'bye');
        const next = await h.connect();
        sockets.push(next);
        // The old socket's detach may not have landed yet: retry until the session is free.
        for (;;) {
          const answer = await next.ask({ op: 'session.attach', sessionId });
          if (answer.op === 'attached') break;
          expect(answer).toMatchObject({ code: 'CLIENT_ALREADY_ATTACHED' });
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
    } finally {
      clearInterval(pumping);
    }
    const last = sockets[sockets.length - 1];
    const stats = async () => (await h.service.stats()).sessions.find((s) => s.id === sessionId)!;
    for (let tries = 0; (await stats()).buffered > 0; tries++) {
      if (tries > 1000) throw new Error('the buffer did not drain');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { delivered, dropped } = await stats();
    await last.until(() => (sockets.reduce((n, s) => n + s.messages.length, 0) >= delivered ? true : undefined), 10_000, 'every delivered message');
    await Promise.all(sockets.slice(0, -1).map((s) => s.closed));

    const seqs = new Set(sockets.flatMap((s) => s.messages.filter((m) => m.id === TICKS).map((m) => m.seq)));
    const announced = sockets.flatMap((s) => s.frames).filter((f) => f.op === 'notice' && f.kind === 'dropped').reduce((n, f) => n + (f.count as number), 0);
    const highest = Math.max(...seqs);
    // What the service counted as delivered reached a socket; every other message was announced.
    expect(sockets.reduce((n, s) => n + s.messages.length, 0)).toBe(delivered);
    expect(highest - seqs.size).toBeLessThanOrEqual(announced);
    expect(announced).toBe(dropped);
  } finally {
    await h.stop();
  }
}, 60_000);
