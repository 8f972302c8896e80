import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ReplayProvider } from '../providers/replay';
import { EnvelopeRecorder, waitUntil } from '../testkit';
import { startHarness, type Harness } from './support/gateway-harness';
import { startService } from './support/service';

// Small promises the README makes that did not hold: every limit answers LIMIT_EXCEEDED, a
// published value arrives as sent (or is refused), a missing recording is reported for what it
// is, and a recording written with a byte-order mark plays from its first line.

const dir = mkdtempSync(join(tmpdir(), 'tessera-hardening-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordingLogger(): { logger: winston.Logger; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      entries.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), entries };
}

describe('an outBuffer over the maximum is a limit', () => {
  test('the library answers LIMIT_EXCEEDED, and a malformed one stays BAD_REQUEST', async () => {
    const service = await startService({ limits: { maxOutBuffer: 100 } });
    const session = await service.newSession();
    await expect(service.attachClient(session, { outBuffer: 101 })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await expect(service.attachClient(session, { outBuffer: 1.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(service.attachClient(session, { outBuffer: 100 })).resolves.toBeDefined();
  });

  test('over the gateway too, with the ref', async () => {
    const h = await startHarness({ service: { limits: { maxOutBuffer: 100 } } });
    try {
      const socket = await h.connect();
      const { sessionId } = await socket.ask({ op: 'session.create' });
      expect(await socket.ask({ op: 'session.attach', sessionId, outBuffer: 1000 })).toMatchObject({ op: 'error', code: 'LIMIT_EXCEEDED' });
      expect(await socket.ask({ op: 'session.attach', sessionId, outBuffer: 10 })).toMatchObject({ op: 'attached' });
    } finally {
      await h.stop();
    }
  });
});

describe('numbers JSON cannot carry are refused in publish', () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness()));
  afterAll(() => h.stop());

  test('{"v":1e309} over the gateway is BAD_REQUEST, and nothing is delivered as null', async () => {
    const { socket } = await h.subscriber(['local::x']);
    socket.send('{"op":"publish","id":"local::x","payload":{"v":1e309},"ref":"inf"}');
    expect(await socket.waitFor((f) => f.ref === 'inf')).toMatchObject({ op: 'error', code: 'BAD_REQUEST', message: expect.stringMatching(/Infinity/) });
    socket.send({ op: 'publish', id: 'local::x', payload: { v: 1 } });
    const [first] = await socket.waitMessages(1);
    expect(first.payload).toEqual({ v: 1 });
    expect(socket.messages).toHaveLength(1);
  });

  test('the library refuses NaN and -Infinity anywhere in a payload', async () => {
    const service = await startService({ publishNamespaces: ['local'] });
    const session = await service.newSession();
    const client = await service.attachClient(session);
    await expect(client.publish('local::x', { a: [1, { b: Number.NaN }] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.publish('local::x', -Infinity)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.publish('local::x', { a: [1, 2.5, -0] })).resolves.toBeUndefined();
  });
});

describe('replay recordings', () => {
  test('a missing file fails the start with its cause and logs nothing misleading before it', async () => {
    const { logger, entries } = recordingLogger();
    const service = await startService({ logger });
    const file = join(dir, 'missing.ndjson');
    await expect(service.addProvider('tape', () => new ReplayProvider({ file }))).rejects.toMatchObject({
      code: 'PROVIDER_START_FAILED',
      message: expect.stringContaining('cannot open recording'),
    });
    expect(entries.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.message)).not.toContain('provider stop failed');
  });

  test('a UTF-8 byte-order mark does not spoil the first line', async () => {
    const file = join(dir, 'bom.ndjson');
    const line = (i: number): string => JSON.stringify({ id: 'synthetic::btcusdt.ticks', ts: 1_700_000_000_000 + i, payload: { i } });
    writeFileSync(file, `\ufeff${line(0)}\n${line(1)}\n`);
    const service = await startService();
    await service.addProvider('tape', () => new ReplayProvider({ file, pace: 'fast' }));
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['tape::btcusdt.ticks']);
    await waitUntil(() => recorder.messages.length >= 2, 5000, 'both lines');
    expect(recorder.messages.map((m) => m.payload)).toEqual([{ i: 0 }, { i: 1 }]);
  });
});
