import { formatReport } from '../tools/soak/report';
import { runSoak } from '../tools/soak/soak';

/**
 * The short chaos soak (the long one is `npm run soak`, see RELIABILITY.md): a few seconds of
 * crashes, stalls, slow and vanishing clients against a real service and gateway, then every
 * invariant checked. It waits on events and polls with timeouts, never on fixed sleeps, so it
 * holds on a loaded machine too.
 */
test('a short chaos soak keeps every invariant', async () => {
  const report = await runSoak({ seconds: 4, seed: 'jest-1', workers: 4, libClients: 6, wsClients: 6, reconnectClients: 2 });
  const failed = report.invariants.filter((i) => !i.ok);
  if (failed.length > 0) process.stderr.write(`${formatReport(report)}\n`);
  expect(failed).toEqual([]);
  // The run did what it is for: faults went in, clients churned, messages flowed.
  expect(report.faultsInjected.total).toBeGreaterThan(5);
  expect(report.operations.total).toBeGreaterThan(100);
  expect(report.messages.delivered).toBeGreaterThan(1_000);
  expect(report.leaksFound).toBe(0);
  // Books on all three venues, each compared with its venue's after snapshots and when held still.
  expect(report.books.map((b) => b.venue)).toEqual(['binance', 'bybit', 'okx']);
  for (const b of report.books) expect(Math.min(b.snapshots.equal, b.quiet.equal)).toBeGreaterThan(0);
}, 120_000);
