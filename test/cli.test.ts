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
