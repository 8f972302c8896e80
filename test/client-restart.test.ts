import { connect, type ClientMessage, type Gap, type ReconnectInfo } from '../client';
import { buildCli, startRun, type RunningCli } from './support/cli';

const TICKS = 'synthetic::btcusdt.ticks[rate=200]';

let main: string;
const servers: RunningCli[] = [];

beforeAll(async () => {
  main = await buildCli();
}, 120_000);

afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
});

async function run(port: number): Promise<RunningCli> {
  const server = await startRun(main, ['--port', String(port)]);
  servers.push(server);
  return server;
}

/** Resolves with the first value `listen` reports that passes `accept`. */
function first<T>(listen: (fn: (value: T) => void) => void, accept: (value: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${timeoutMs} ms`)), timeoutMs);
    listen((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      resolve(value);
    });
  });
}

test('the server is killed and restarted on the same port: the client makes a new session with its patterns, says so, and reports the gap', async () => {
  const before = await run(0);
  const port = Number(new URL(before.url).port);
  const client = await connect(before.url, { reconnect: { initialMs: 50, maxMs: 500 } });
  try {
    const sub = await client.subscribe([TICKS]);
    const it = sub[Symbol.asyncIterator]();
    const firstMessage = (await it.next()).value as ClientMessage;
    expect(firstMessage.id).toBe(TICKS);
    const oldSession = client.sessionId;

    const reconnected = first<ReconnectInfo>((fn) => client.on('reconnect', fn));
    const gap = first<Gap>((fn) => client.on('gap', fn), (g) => g.id === TICKS);
    before.child.kill('SIGKILL');
    await before.exited;
    await run(port);

    const info = await reconnected;
    expect(info.resumed).toBe(false);
    expect(info.sessionId).not.toBe(oldSession);
    // The new server counts from the start again: the client says the stream broke.
    expect(['reset', 'epoch']).toContain((await gap).kind);
    // Messages flow on the same subscription.
    const after = await first<ClientMessage>((fn) => client.on('message', fn));
    expect(after.id).toBe(TICKS);
    expect(client.patterns).toEqual([TICKS]);
    expect((await client.stats()).sessions.find((s) => s.id === client.sessionId)?.patterns).toEqual([TICKS]);
  } finally {
    await client.close();
  }
});
