import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BookPayload } from '../common/market';
import { BookReplica } from '../testkit/book-replica';
import { buildCli, runCli, startRun } from './support/cli';
import { FakeBinance } from './support/fake-binance';
import { FakeBinanceDepth } from './support/fake-binance-depth';

jest.setTimeout(60_000);

let main: string;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-book-cli-'));
  main = await buildCli();
}, 240_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (main) rmSync(dirname(dirname(main)), { recursive: true, force: true });
});

test("tessera subscribe 'binance::btcusdt.book' --count 20 prints a snapshot, then changes", async () => {
  const fake = await FakeBinance.start();
  const depth = await FakeBinanceDepth.start(['btcusdt']);
  depth.fake = fake;
  // The venue keeps moving: one delta every 10 ms.
  const ticker = setInterval(() => depth.step('btcusdt'), 10);
  const file = join(dir, 'binance.json');
  writeFileSync(file, JSON.stringify({ providers: [{ type: 'binance', name: 'binance', baseUrl: fake.url, restUrl: depth.url, symbols: ['btcusdt'] }] }));
  const server = await startRun(main, ['--config', file, '--port', '0']);
  try {
    const { code, stdout, stderr } = await runCli(main, ['subscribe', 'binance::btcusdt.book', '--count', '20', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    if (process.env.BOOK_CLI_SHOW) process.stdout.write(stdout);
    const messages = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; payload: BookPayload });
    expect(messages).toHaveLength(20);
    expect(messages.every((m) => m.id === 'binance::book.btcusdt')).toBe(true);
    expect(messages[0].payload.type).toBe('snapshot');
    expect(messages.slice(1).every((m) => m.payload.type === 'change')).toBe(true);
    const replica = new BookReplica();
    for (const m of messages) replica.apply(m.payload);
    expect(replica.crossedSeen).toBe(0);
    expect(replica.levels().bids.length).toBeGreaterThan(10);
  } finally {
    clearInterval(ticker);
    server.child.kill('SIGINT');
    await server.exited;
    await depth.close();
    await fake.close();
  }
});
