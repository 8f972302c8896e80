import { tap } from 'rxjs';
import type { BookPayload } from '../common/market';
import { BybitProvider } from '../providers/bybit';
import { parseIdentifier } from '../router/identifier';
import { BookReplica } from '../testkit/book-replica';
import { ContinuityChecker } from '../testkit/continuity';
import { EnvelopeRecorder } from '../testkit/wait';
import { FakeBybit } from './support/fake-bybit';
import { InBandBooks } from './support/fake-inband-books';
import { startService } from './support/service';

// The stateful join on an order book, through the service: a session joining a book while that
// book resyncs (a lost delta, a dropped venue connection) must start from a snapshot, never from
// a change, and hold the venue's book once the venue is quiet, like a session that was there
// all along. The fake venue follows Bybit's v5 public WebSocket docs (snapshot after the
// subscribe ack, then deltas).

const BOOK = 'bybit::btcusdt.book';
let fake: FakeBybit | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  const books = new InBandBooks('bybit', ['btcusdt'], 3);
  const f = (fake = await FakeBybit.start({ symbols: ['BTCUSDT'], onSubscribed: (topic, c) => { const t = books.snapshotFor(topic); if (t !== undefined) c.send(t); } }));
  books.publisher = { publishDelta: (name, symbol, d) => f.publish(name, 'delta', { s: symbol.toUpperCase(), b: d.bids, a: d.asks, u: d.first, seq: d.seq }) };
  const service = await startService({ sessionDefaults: { idleAfterMs: 0 } });
  await service.addProvider('bybit', () => new BybitProvider({ baseUrl: f.url, symbols: ['btcusdt'] }));
  const canonical = parseIdentifier(BOOK).canonical;
  const join = async () => {
    const replica = new BookReplica();
    const checker = new ContinuityChecker();
    const kinds: string[] = [];
    const session = await service.newSession();
    const client = await service.attachClient(session, { outBuffer: 100_000 });
    const recorder = new EnvelopeRecorder(
      client.envelopes.pipe(
        tap((e) => {
          checker.observe(e);
          if (e.type === 'notice' && e.kind === 'gap') kinds.push('gap');
          if (e.type !== 'message' || e.id !== canonical) return;
          const p = e.payload as unknown as BookPayload;
          kinds.push(p.type === 'snapshot' ? (p.resync ? 'resync' : 'snapshot') : 'change');
          replica.apply(p);
        }),
      ),
    );
    const configured = service.configureSession(session, [BOOK]);
    return { replica, checker, kinds, recorder, configured };
  };
  /** Moves the venue's book until every replica holds it. */
  const settle = async (...replicas: BookReplica[]) => {
    const deadline = Date.now() + 8_000;
    const same = () => replicas.every((r) => JSON.stringify(r.levels()) === JSON.stringify(books.levels('btcusdt')));
    for (;;) {
      books.step('btcusdt');
      const quiet = Date.now() + 300;
      while (!same() && Date.now() < quiet) await new Promise((resolve) => setTimeout(resolve, 10));
      if (same()) return;
      if (Date.now() > deadline) throw new Error('timed out waiting for the books to match the venue');
    }
  };
  return { books, service, join, settle, fake: f };
}

/** A session's book stream: it starts from a snapshot, every gap is followed by a resync before any change, never crossed. */
function expectWhole(s: { replica: BookReplica; checker: ContinuityChecker; kinds: string[] }): void {
  expect(s.kinds.find((k) => k !== 'gap')).toMatch(/snapshot|resync/);
  s.kinds.forEach((k, i) => {
    if (k === 'gap') expect(s.kinds.slice(i + 1).find((x) => x !== 'gap') ?? 'resync').toBe('resync');
  });
  expect([s.replica.crossedSeen, s.replica.changeBeforeSnapshot]).toEqual([0, 0]);
  expect([s.checker.repeats, s.checker.findings]).toEqual([0, []]);
}

describe('a join racing a book resync', () => {
  it.each([
    ['a lost delta', (r: Awaited<ReturnType<typeof setup>>) => void r.books.step('btcusdt', 'lost')],
    ['a dropped venue connection', (r: Awaited<ReturnType<typeof setup>>) => r.fake.open.forEach((c) => c.drop())],
    [
      'two breaks in a row (the second resync is held back)',
      (r: Awaited<ReturnType<typeof setup>>) => {
        r.books.step('btcusdt', 'lost');
        r.books.step('btcusdt');
        r.books.step('btcusdt', 'wrong-seq');
      },
    ],
  ])('after %s, a session joining mid-resync starts from a snapshot and ends equal to the venue', async (_what, breakBook) => {
    const r = await setup();
    const first = await r.join();
    await first.configured;
    await r.settle(first.replica);
    breakBook(r);
    r.books.step('btcusdt'); // shows the loss (or lands on the dead socket)
    const late = await r.join();
    await late.configured;
    for (let i = 0; i < 3; i++) r.books.step('btcusdt');
    await r.settle(first.replica, late.replica);
    expectWhole(first);
    expectWhole(late);
    expect(first.kinds).toContain('gap');
  });
});
