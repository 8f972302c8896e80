import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder, waitUntil } from '../testkit/wait';
import { BooksWorker } from '../workers/books/books-worker';
import { BarsWorker } from '../workers/bars/bars-worker';
import { startService } from './support/service';

const BOOK = 'books::book[depth=2;interval=100ms;venue=feed].btcusdt';
// A book stream's payloads, as a venue's `book` sends them (the common/market BookPayload shape).
const snapshot = (bids: [number, number][], asks: [number, number][]) => ({ type: 'snapshot', bids, asks });
const change = (bids: [number, number][], asks: [number, number][]) => ({ type: 'change', bids, asks });

describe('the books worker through the service', () => {
  it('samples the top of a book stream per interval; a joiner gets the current top as state', async () => {
    const service = await startService();
    const feed = new ProviderScript();
    await service.addProvider('feed', feed.factory);
    await service.addWorker('books', () => new BooksWorker({ eventTimeOnly: ['feed'] }));
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    expect(await service.configureSession(session, [BOOK])).toEqual([BOOK]);
    expect([...feed.subscribed]).toEqual(['feed::book.btcusdt']);
    feed.emit('btcusdt.book', snapshot([[100, 1], [99, 2], [98, 3]], [[101, 1], [102, 2]]), 1_000);
    feed.emit('btcusdt.book', change([[100, 0]], [[101, 4]]), 1_050);
    feed.emit('btcusdt.book', change([[99.5, 1]], []), 1_100);
    await recorder.waitFor((r) => r.messages.length === 1);
    expect(recorder.messages[0]).toMatchObject({ id: BOOK, eventTs: 1_100, payload: { bids: [[99, 2], [98, 3]], asks: [[101, 4], [102, 2]] } });

    const late = await service.newSession();
    const joiner = new EnvelopeRecorder((await service.attachClient(late)).envelopes);
    await service.configureSession(late, [BOOK]);
    await joiner.waitFor((r) => r.messages.length === 1);
    expect(joiner.messages[0]).toMatchObject({ state: true, payload: { bids: [[99.5, 1], [99, 2]], asks: [[101, 4], [102, 2]] } });
  });

  it('a worker restarted while its input book is live gets the book again as state, and samples on from it', async () => {
    const service = await startService({ faultInjection: true });
    const feed = new ProviderScript();
    await service.addProvider('feed', feed.factory);
    await service.addWorker('books', () => new BooksWorker({ eventTimeOnly: ['feed'] }));
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, [BOOK]);
    // The feed's book after the three messages below, as a joiner would be given it.
    feed.stateful('btcusdt.book', () => snapshot([[99.5, 1], [99, 2], [98, 3]], [[101, 4], [102, 2]]));
    feed.emit('btcusdt.book', snapshot([[100, 1], [99, 2], [98, 3]], [[101, 1], [102, 2]]), 1_000);
    feed.emit('btcusdt.book', change([[100, 0]], [[101, 4]]), 1_050);
    feed.emit('btcusdt.book', change([[99.5, 1]], []), 1_100);
    await recorder.waitFor((r) => r.messages.length === 1);
    const received = async (): Promise<number> => (await service.stats()).workers.find((w) => w.name === 'books')?.received ?? 0;
    const before = await received();

    await service.crash({ worker: 'books' });
    await recorder.waitFor((r) => r.notices('provider-up').length === 1);
    // The new incarnation's one input so far is the book's state.
    const deadline = Date.now() + 5_000;
    while ((await received()) <= before) {
      if (Date.now() > deadline) throw new Error('the restarted worker never got its input book again');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Only a change from here on: a worker that lost the book could never sample it again.
    const later = Date.now() + 60_000;
    feed.emit('btcusdt.book', change([[99.5, 0]], []), later);
    await recorder.waitFor((r) => r.messages.length === 2);
    expect(recorder.messages[1]).toMatchObject({ id: BOOK, payload: { bids: [[99.5, 1], [99, 2]], asks: [[101, 4], [102, 2]] } });
  });

  it('a worker past its restart intensity is failed: its clients are told and its inputs released', async () => {
    const service = await startService({ faultInjection: true, providerRestart: { maxRestarts: 0 } });
    const feed = new ProviderScript();
    await service.addProvider('feed', feed.factory);
    await service.addWorker('bars', () => new BarsWorker());
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['bars::btcusdt.bar[venue=feed;ticks=5]']);
    expect(feed.subscribed.size).toBe(1);
    await service.crash({ worker: 'bars' });
    await recorder.waitFor((r) => r.notices('provider-down').some((n) => n.reason === 'gave-up'));
    await waitUntil(() => feed.subscribed.size === 0, 5000, 'input released');
    const stats = await service.stats();
    expect(stats.workers[0]).toMatchObject({ name: 'bars', state: 'failed', inputs: 0 });
  });
});
