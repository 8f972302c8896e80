import type { ServiceStats } from '../common/service-types';
import { GatewayCounters } from '../gateway/counters';
import { GatewayMetrics } from '../gateway/metrics';
import { zeroBookCounters } from '../providers/exchange/book/resync';

test('/metrics carries the book figures a provider reports in its stats details', async () => {
  const books = zeroBookCounters();
  books.resyncsBy.sequence = 4;
  books.resyncsBy.checksum = 1;
  books.delayedResyncs = 3;
  const stats = {
    providers: [
      { name: 'okx', state: 'running', streams: 2, msgs: 10, restarts: 0, details: { booksInSync: 1, books } },
      { name: 'synthetic', state: 'running', streams: 1, msgs: 5, restarts: 0 },
    ],
    workers: [],
    sessionTotals: { open: 0, attached: 0, buffered: 0, maxBuffered: 0, maxFill: 0, delivered: 0, dropped: 0 },
    router: { bindings: 0, routed: 0, dropped: 0, restarts: 0 },
  } as unknown as ServiceStats;
  const text = await new GatewayMetrics(new GatewayCounters(), () => 0).render(stats);
  expect(text).toContain('tessera_provider_books_in_sync{provider="okx"} 1');
  expect(text).toContain('tessera_provider_book_resyncs_total{provider="okx",reason="sequence"} 4');
  expect(text).toContain('tessera_provider_book_resyncs_total{provider="okx",reason="checksum"} 1');
  expect(text).toContain('tessera_provider_book_resyncs_delayed_total{provider="okx"} 3');
  expect(text).not.toMatch(/book.*provider="synthetic"/);
});
