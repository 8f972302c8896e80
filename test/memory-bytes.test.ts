import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DataService } from '../data-service';
import { EnvelopeRecorder } from '../testkit';
import { startService } from './support/service';
import { childEnv, transpilePackage } from './support/transpile';
import { TestSocket } from './support/ws-client';

// Out-buffers are bounded in bytes as well as in messages, each and all together, so a slow
// client cannot take the server's memory with large payloads; the drops are announced.

const KB = 1024;
const MB = 1024 * KB;
const big = (n: number, tag: string): string => tag + 'x'.repeat(n - tag.length);

async function publisher(service: DataService) {
  const session = await service.newSession();
  return service.attachClient(session);
}

async function paused(service: DataService, patterns: string[], outBuffer: number, overflow: 'drop-newest' | 'drop-oldest' | 'conflate' = 'drop-newest') {
  const session = await service.newSession();
  const client = await service.attachClient(session, { outBuffer, overflow });
  client.pause();
  const recorder = new EnvelopeRecorder(client.envelopes);
  await service.configureSession(session, patterns);
  return { session, client, recorder };
}

async function sessionStats(service: DataService, id: string) {
  return (await service.stats()).sessions.find((s) => s.id === id)!;
}

/** Polls an async probe until it holds. */
async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('out-buffers bounded in bytes (library)', () => {
  test.each(['drop-newest', 'drop-oldest', 'conflate'] as const)('%s: a paused client with outBuffer 10000 holds at most maxOutBufferBytes', async (overflow) => {
    const service = await startService({ publishNamespaces: ['local'], limits: { maxOutBufferBytes: 1 * MB } });
    const pub = await publisher(service);
    const slow = await paused(service, ['local::*'], 10_000, overflow);
    for (let i = 0; i < 100; i++) await pub.publish(`local::big.n${i % 7}`, big(100 * KB, `m${i}:`));
    const stats = await sessionStats(service, slow.session);
    expect(stats.bufferedBytes).toBeLessThanOrEqual(1 * MB);
    expect(stats.buffered).toBeLessThan(11);
    expect(stats.buffered + stats.dropped).toBe(100);
    slow.client.resume();
    await slow.recorder.waitFor((r) => r.messages.length === stats.buffered, 5000, 'the buffer');
    // Every loss is announced, and only what was kept is delivered.
    const announced = slow.recorder.notices('dropped').reduce((n, d) => n + d.count, 0);
    expect(announced).toBe(stats.dropped);
    if (overflow === 'drop-oldest') expect(slow.recorder.messages.at(-1)!.payload).toMatch(/^m99:/);
    if (overflow === 'drop-newest') expect(slow.recorder.messages[0].payload).toMatch(/^m0:/);
  });

  test('one message larger than the bound is dropped and announced, never buffered', async () => {
    const service = await startService({ publishNamespaces: ['local'], limits: { maxOutBufferBytes: 64 * KB } });
    const pub = await publisher(service);
    const slow = await paused(service, ['local::x'], 100, 'drop-oldest');
    await pub.publish('local::x', big(200 * KB, 'huge'));
    await pub.publish('local::x', 'small');
    await eventually(async () => (await sessionStats(service, slow.session)).buffered === 1, 'the small message');
    slow.client.resume();
    await slow.recorder.waitFor((r) => r.messages.length === 1, 5000, 'the small message');
    expect(slow.recorder.messages[0].payload).toBe('small');
    expect(slow.recorder.notices('dropped')).toEqual([expect.objectContaining({ count: 1 })]);
  });

  test('all sessions together stay under maxTotalBufferBytes', async () => {
    const service = await startService({ publishNamespaces: ['local'], limits: { maxOutBufferBytes: 4 * MB, maxTotalBufferBytes: 2 * MB } });
    const pub = await publisher(service);
    const slow = await Promise.all([1, 2, 3, 4, 5].map(() => paused(service, ['local::x'], 1000)));
    for (let i = 0; i < 50; i++) await pub.publish('local::x', big(100 * KB, `m${i}:`));
    const stats = (await service.stats()).sessions.filter((s) => slow.some((p) => p.session === s.id));
    expect(stats.reduce((n, s) => n + s.bufferedBytes, 0)).toBeLessThanOrEqual(2 * MB);
    for (const s of stats) expect(s.buffered + s.dropped).toBe(50);
    // What is delivered gives the budget back: the same sessions can buffer again.
    for (const p of slow) p.client.resume();
    await eventually(async () => (await service.stats()).sessions.every((s) => s.buffered === 0), 'buffers drained');
    await pub.publish('local::x', 'after');
    await Promise.all(slow.map((p) => p.recorder.waitFor((r) => r.messages.some((m) => m.payload === 'after'), 5000, 'the next message')));
  });
});

/**
 * The server in a child process with a small heap: five subscribers that stop reading, a
 * publisher of 1 MB payloads, and a steady subscriber that must keep receiving.
 */
describe('a slow reader cannot take the server out of memory', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  test('under --max-old-space-size=128, 150 MB published to five paused sockets', async () => {
    const script = join(transpilePackage(), 'memory-child.js');
    writeFileSync(
      script,
      `const { DataService } = require('./data-service');
const { Gateway } = require('./gateway/server');
const { silentLogger } = require('./common/logger');
(async () => {
  const service = await DataService.start({ logger: silentLogger(), publishNamespaces: ['local'], limits: { maxOutBufferBytes: 8 * 1048576, maxTotalBufferBytes: 32 * 1048576 } });
  const gateway = await Gateway.start({ service, port: 0, maxPublishesPerSecond: 0, maxOpsPerSecond: 0 });
  process.stdin.on('data', () => {
    global.gc();
    process.stdout.write(JSON.stringify({ heap: process.memoryUsage().heapUsed }) + '\\n');
  });
  console.log(gateway.url);
})();
`,
    );
    const proc = spawn(process.execPath, ['--max-old-space-size=128', '--expose-gc', script], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv() });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: proc.stdout! });
    const next = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null, signal: string | null): void => reject(new Error(`server exited (${code ?? signal}): ${stderr.slice(-400)}`));
        proc.once('exit', onExit);
        lines.once('line', (line) => {
          proc.off('exit', onExit);
          resolve(line);
        });
      });
    const url = await next();
    const session = async (patterns: string[], outBuffer = 10_000): Promise<TestSocket> => {
      const socket = await TestSocket.open(url);
      const { sessionId } = await socket.ask({ op: 'session.create' });
      await socket.ask({ op: 'session.attach', sessionId, outBuffer });
      await socket.ask({ op: 'session.configure', patterns });
      return socket;
    };
    const slow = await Promise.all([1, 2, 3, 4, 5].map(() => session(['local::big'])));
    const steady = await session(['local::small']);
    const pub = await session([]);
    // Stop reading: the kernel's buffers fill, then the server's, then the sessions'.
    for (const s of slow) (s.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = JSON.stringify({ op: 'publish', id: 'local::big', payload: big(1_000_000, 'p') });
    const sent = (text: string): Promise<void> => new Promise((resolve, reject) => pub.ws.send(text, (error) => (error ? reject(error) : resolve())));
    for (let i = 0; i < 150; i++) {
      if (i % 10 === 0) void sent(JSON.stringify({ op: 'publish', id: 'local::small', payload: i }));
      // One at a time, so the test process itself stays small.
      await sent(frame);
    }
    expect(await pub.ask({ op: 'stats' }, 60_000)).toMatchObject({ op: 'stats' });
    await steady.until(() => (steady.messages.length === 15 ? true : undefined), 30_000, 'every small message');
    expect(steady.messages.map((m) => m.payload)).toEqual([...Array(15).keys()].map((k) => k * 10));
    proc.stdin!.write('report\n');
    // Alive, and what it holds after a collection is the budget and change, not what was sent.
    const report = JSON.parse(await next()) as { heap: number };
    expect(report.heap).toBeLessThan(80 * MB);
    const stats = await pub.ask({ op: 'stats' });
    const sessions = stats.sessions as { bufferedBytes: number; dropped: number; patterns: string[] }[];
    const slowStats = sessions.filter((s) => s.patterns.includes('local::big'));
    expect(slowStats).toHaveLength(5);
    expect(slowStats.reduce((n, s) => n + s.bufferedBytes, 0)).toBeLessThanOrEqual(32 * MB);
    for (const s of slowStats) expect(s.dropped).toBeGreaterThan(0);
    // A slow socket that reads again is told what it lost.
    const reader = slow[0];
    (reader.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await reader.waitFor((f) => f.op === 'notice' && f.kind === 'dropped', { timeoutMs: 30_000, what: 'a dropped notice' });
    await Promise.all([...slow, steady, pub].map((s) => s.terminate()));
  }, 120_000);
});
