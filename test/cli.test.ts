import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseRecordingLine } from '../providers/replay/recording';
import { buildCli, runCli, startRun, type RunningCli } from './support/cli';
import { TestSocket } from './support/ws-client';

jest.setTimeout(60_000);

let main: string;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-test-'));
  main = await buildCli();
}, 240_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (main) rmSync(dirname(dirname(main)), { recursive: true, force: true });
});

describe('tessera run, subscribe and stats', () => {
  let server: RunningCli;
  beforeAll(async () => (server = await startRun(main, ['--port', '0'])));
  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  test('the first stdout line is the URL with the real port', () => {
    expect(server.firstLine).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  test('subscribe --count 10 prints 10 NDJSON messages and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(main, ['subscribe', 'synthetic::btcusdt.ticks[rate=200]', '--count', '10', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    const messages = lines.map((line) => JSON.parse(line) as { id: string; seq: number; ts: number; payload: unknown });
    for (const m of messages) {
      expect(m).toEqual({ id: 'synthetic::btcusdt.ticks[rate=200]', seq: expect.any(Number), epoch: expect.any(String), ts: expect.any(Number), eventTs: expect.any(Number), payload: expect.any(Object) });
    }
    expect(messages.map((m) => m.seq - messages[0].seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('subscribe --duration ends on time; --format pretty prints readable lines', async () => {
    const { code, stdout } = await runCli(main, ['subscribe', 'synthetic::*', '--duration', '1', '--format', 'pretty', '--url', server.url]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}synthetic::\S+ {2}#\d+ {2}\{/m);
  });

  test('subscribe --record writes a recording the replay provider reads', async () => {
    const file = join(dir, 'rec.ndjson');
    const { code } = await runCli(main, ['subscribe', 'synthetic::ethusdt.trades[rate=200]', '--count', '5', '--record', file, '--url', server.url]);
    expect(code).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const [i, line] of lines.entries()) expect(parseRecordingLine(line, i + 1)).toMatchObject({ ok: true, record: { id: 'synthetic::ethusdt.trades[rate=200]' } });
  });

  test('subscribe to a bad pattern exits 1 and says why', async () => {
    const { code, stderr } = await runCli(main, ['subscribe', 'synthetic::no such', '--count', '1', '--url', server.url]);
    expect(code).toBe(1);
    expect(stderr).toContain('INVALID_PATTERN');
  });

  test('stats prints the JSON and exits 0', async () => {
    const { code, stdout } = await runCli(main, ['stats', '--url', server.url]);
    expect(code).toBe(0);
    const stats = JSON.parse(stdout) as { providers: { name: string }[]; sessions: unknown[]; router: object };
    expect(stats.providers.map((p) => p.name)).toEqual(['synthetic']);
    expect(stats).toHaveProperty('router');
  });

  test('the default configuration runs the bars worker on the synthetic trades', async () => {
    const { code, stdout, stderr } = await runCli(main, ['subscribe', 'bars::btcusdt.bar[venue=synthetic;interval=1s]', '--count', '1', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const bar = JSON.parse(stdout) as { id: string; eventTs: number; payload: Record<string, unknown> };
    expect(bar.id).toBe('bars::bar[interval=1s;venue=synthetic].btcusdt');
    expect(bar.payload).toEqual({
      open: expect.any(Number), high: expect.any(Number), low: expect.any(Number), close: expect.any(Number), volume: expect.any(Number),
      buyVolume: expect.any(Number), sellVolume: expect.any(Number), trades: expect.any(Number), vwap: expect.any(Number),
      startTs: bar.eventTs - 1000, endTs: bar.eventTs, closed: true,
    });
    const stats = JSON.parse((await runCli(main, ['stats', '--url', server.url])).stdout) as { workers: { name: string; state: string }[] };
    expect(stats.workers).toEqual([expect.objectContaining({ name: 'bars', state: 'running', inputs: expect.any(Number), received: expect.any(Number) })]);
  });

  test('SIGTERM closes every socket and exits 0', async () => {
    const socket = await TestSocket.open(server.url);
    const sessionId = (await socket.ask({ op: 'session.create' })).sessionId as string;
    await socket.ask({ op: 'session.attach', sessionId });
    await socket.ask({ op: 'session.configure', patterns: ['synthetic::btcusdt.ticks[rate=100]'] });
    await socket.waitMessages(1);
    server.child.kill('SIGTERM');
    expect((await socket.closed).code).toBe(1001);
    expect(await server.exited).toMatchObject({ code: 0, signal: null });
  });
});

describe('tessera run with a configuration file', () => {
  test('a bad file is refused at start, naming the field (exit 2)', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ providers: [{ type: 'foo', name: 'x' }], gateway: { port: 'high' } }));
    const { code, stdout, stderr } = await runCli(main, ['run', '--config', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('providers[0].type: unknown provider type "foo"');
    expect(stderr).toContain('gateway.port: must be an integer 0..65535');
  });

  test('a token in the file: clients without it are refused, with it served; --port overrides the file', async () => {
    const file = join(dir, 'token.json');
    writeFileSync(file, JSON.stringify({ gateway: { port: 1, token: 'pw' } }));
    const server = await startRun(main, ['--config', file, '--port', '0']);
    try {
      const refused = await runCli(main, ['stats', '--url', server.url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('401');
      expect((await runCli(main, ['stats', '--url', server.url, '--token', 'pw'])).code).toBe(0);
    } finally {
      server.child.kill('SIGINT');
      expect((await server.exited).code).toBe(0);
    }
  });
});

/** A user's provider, written as a plain CommonJS file: trades on a timer, at `options.price`. */
const FEED_JS = `
exports.create = (options) => {
  let ctx, cancel, n = 0;
  const ids = new Map();
  return {
    start(c) { ctx = c; },
    stop() { if (cancel) cancel(); },
    validate(id) { return id.tags.length === 2 && id.tag('trade') ? undefined : 'only <symbol>.trade'; },
    subscribe(list) {
      for (const id of list) ids.set(id.canonical, id);
      if (!cancel) cancel = ctx.setInterval(() => {
        for (const id of ids.values()) ctx.emit(id, { price: options.price, amount: 1, side: 'buy', tradeId: String(++n) }, ctx.clock.now());
      }, 10);
    },
    unsubscribe(list) { for (const id of list) ids.delete(id.canonical); },
  };
};
`;

/** A user's worker: counts the trades of \`<venue>::<symbol>.trade\` on \`count::<symbol>.count[venue=…]\`. */
const COUNT_JS = `
exports.create = (options) => {
  let ctx;
  const byInput = new Map();
  const input = (id) => id.tag('count').params.get('venue') + '::' + id.tags.find((t) => t.name !== 'count').name + '.trade';
  return {
    start(c) { ctx = c; },
    stop() {},
    inputs(id) { return [input(id)]; },
    subscribe(ids) { for (const id of ids) byInput.set(input(id), { id, n: 0 }); },
    unsubscribe(ids) { for (const id of ids) byInput.delete(input(id)); },
    receive(batch) {
      for (const m of batch) {
        const s = byInput.get(m.id);
        if (s) ctx.emit(s.id, { n: ++s.n, label: options.label });
      }
    },
  };
};
`;

describe('tessera run with the user\'s own modules', () => {
  test('a provider and a worker from files next to the config run without editing the package', async () => {
    const folder = mkdtempSync(join(dir, 'modules-'));
    writeFileSync(join(folder, 'feed.js'), FEED_JS);
    writeFileSync(join(folder, 'count.js'), COUNT_JS);
    const file = join(folder, 'tessera.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: [{ module: './feed.js', name: 'feed', price: 100 }],
        workers: [{ module: './count.js', name: 'count', label: 'mine' }, { type: 'bars', name: 'bars' }],
      }),
    );
    const server = await startRun(main, ['--config', file, '--port', '0']);
    try {
      const counted = await runCli(main, ['subscribe', 'count::btcusdt.count[venue=feed]', '--count', '3', '--url', server.url]);
      expect(counted.code).toBe(0);
      expect(counted.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { payload: unknown }).payload)).toEqual([
        { n: 1, label: 'mine' },
        { n: 2, label: 'mine' },
        { n: 3, label: 'mine' },
      ]);
      const bars = await runCli(main, ['subscribe', 'bars::btcusdt.bar[venue=feed;ticks=4]', '--count', '1', '--url', server.url]);
      expect(JSON.parse(bars.stdout)).toMatchObject({ payload: { open: 100, close: 100, trades: 4, volume: 4, buyVolume: 4, closed: true } });
      const stats = JSON.parse((await runCli(main, ['stats', '--url', server.url])).stdout) as { providers: { name: string }[]; workers: { name: string }[] };
      expect([stats.providers.map((p) => p.name), stats.workers.map((w) => w.name)]).toEqual([['feed'], ['count', 'bars']]);
    } finally {
      server.child.kill('SIGINT');
      expect((await server.exited).code).toBe(0);
    }
  });

  test('a module entry that cannot work is refused at start, naming the field', async () => {
    const folder = mkdtempSync(join(dir, 'bad-modules-'));
    writeFileSync(join(folder, 'nocreate.js'), 'exports.make = () => ({});');
    writeFileSync(join(folder, 'throws.js'), "exports.create = () => { throw new Error('label is required'); };");
    writeFileSync(join(folder, 'notworker.js'), FEED_JS);
    const file = join(folder, 'tessera.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: [{ module: './nocreate.js', name: 'p' }],
        workers: [
          { module: './missing.js', name: 'w1' },
          { module: './throws.js', name: 'w2' },
          { module: './notworker.js', name: 'w3', price: 1 },
          { type: 'bars', module: './throws.js', name: 'w4' },
        ],
      }),
    );
    const { code, stdout, stderr } = await runCli(main, ['run', '--config', file]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain('providers[0].module: "./nocreate.js" exports no create(options) function');
    expect(stderr).toContain('workers[0].module: cannot load "./missing.js": no such file');
    expect(stderr).toContain('workers[1].module: "./throws.js": create(options) threw: label is required');
    expect(stderr).toContain('workers[2].module: "./notworker.js": create(options) did not return a worker: it lacks inputs, receive');
    expect(stderr).toContain('workers[3].module: give "type" (a shipped worker) or "module" (your own), not both');
  });
});
