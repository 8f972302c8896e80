import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { MessageEnvelope } from '../common/envelope';
import { parseRecordingLine, RecordingWriter, ReplayProvider, type ReplayOptions } from '../providers/replay';
import { parseIdentifier, type Identifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { systemClock } from '../common/clock';
import { CaptureContext } from '../testkit';

const dir = mkdtempSync(join(tmpdir(), 'tessera-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function recording(lines: readonly (string | object)[]): string {
  const file = join(dir, `r${++files}.ndjson`);
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}

const id = (text: string): Identifier => parseIdentifier(text);
const T0 = 1_700_000_000_000;
const BTC = 'synthetic::btcusdt.ticks';
const ETH = 'synthetic::ethusdt.ticks';

/** Five lines over two streams, 1 s apart; payload `{ i }` is the line number. */
const BASIC = [0, 1, 2, 3, 4].map((i) => ({ id: i % 2 === 0 ? BTC : ETH, ts: T0 + i * 1000, ...(i === 1 ? {} : { eventTs: T0 + i * 1000 - 5 }), payload: { i } }));

async function started(options: Omit<ReplayOptions, 'file'> & { file: string }, logger?: winston.Logger) {
  const provider = new ReplayProvider(options);
  const ctx = new CaptureContext({ name: 'replay', logger });
  await provider.start(ctx);
  return { provider, ctx };
}

/** A winston logger that keeps each entry, to check what was warned about. */
function recordingLogger(): { logger: winston.Logger; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      entries.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), entries };
}

describe('ReplayProvider playback', () => {
  it('plays fast, in file order, under its own namespace, keeping eventTs (recorded ts when absent)', async () => {
    const { provider, ctx } = await started({ file: recording(BASIC), pace: 'fast' });
    provider.subscribe([id('replay::btcusdt.ticks'), id('replay::ethusdt.ticks')]);
    ctx.manual.advance(0);
    expect(ctx.emits.map((e) => [e.id, e.payload, e.eventTs])).toEqual([
      ['replay::btcusdt.ticks', { i: 0 }, T0 - 5],
      ['replay::ethusdt.ticks', { i: 1 }, T0 + 1000],
      ['replay::btcusdt.ticks', { i: 2 }, T0 + 2000 - 5],
      ['replay::ethusdt.ticks', { i: 3 }, T0 + 3000 - 5],
      ['replay::btcusdt.ticks', { i: 4 }, T0 + 4000 - 5],
    ]);
    expect(provider.stats()).toMatchObject({ records: 5, emitted: 5, finished: true, badLines: 0 });
    expect(ctx.activeTimers).toBe(0);
  });

  it('plays on real timers too, without blocking the loop', async () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => ({ id: BTC, ts: T0 + i, payload: i }));
    const provider = new ReplayProvider({ file: recording(lines), pace: 'fast', chunkSize: 500 });
    const ctx = new CaptureContext({ name: 'replay', clock: systemClock });
    await provider.start(ctx);
    provider.subscribe([id('replay::btcusdt.ticks')]);
    await ctx.waitForEmits(5_000);
    expect(ctx.emits[4_999].payload).toBe(4_999);
    expect(ctx.activeTimers).toBe(0);
  });

  it('emits only subscribed streams', async () => {
    const { provider, ctx } = await started({ file: recording(BASIC), pace: 'fast' });
    provider.subscribe([id('replay::ethusdt.ticks')]);
    ctx.manual.advance(0);
    expect(ctx.emits.map((e) => e.payload)).toEqual([{ i: 1 }, { i: 3 }]);
  });

  it('yields to the event loop between chunks when fast', async () => {
    const { provider, ctx } = await started({ file: recording(BASIC), pace: 'fast', chunkSize: 2 });
    provider.subscribe([id('replay::btcusdt.ticks'), id('replay::ethusdt.ticks')]);
    expect(ctx.emits).toHaveLength(0);
    ctx.manual.step();
    expect(ctx.emits).toHaveLength(2);
    ctx.manual.step();
    expect(ctx.emits).toHaveLength(4);
  });

  it('keeps the recorded gaps, scaled by speed', async () => {
    const { provider, ctx } = await started({ file: recording(BASIC), pace: 'recorded', speed: 2 });
    provider.subscribe([id('replay::btcusdt.ticks'), id('replay::ethusdt.ticks')]);
    ctx.manual.advance(0);
    expect(ctx.emits).toHaveLength(1);
    ctx.manual.advance(499);
    expect(ctx.emits).toHaveLength(1);
    ctx.manual.advance(1);
    expect(ctx.emits).toHaveLength(2);
    ctx.manual.advance(1_500);
    expect(ctx.emits).toHaveLength(5);
    expect(provider.stats().finished).toBe(true);
  });

  it('loops from the first line again when asked', async () => {
    const { provider, ctx } = await started({ file: recording(BASIC), pace: 'recorded', loop: true });
    provider.subscribe([id('replay::btcusdt.ticks')]);
    ctx.manual.advance(10_000 - 1);
    // Lines at 0..4 s, then again from 4 s (the loop restarts at once) and 8 s.
    expect(ctx.emits.map((e) => (e.payload as { i: number }).i)).toEqual([0, 2, 4, 0, 2, 4, 0]);
    expect(provider.stats()).toMatchObject({ loops: 2, finished: false });
    provider.stop();
    expect(ctx.activeTimers).toBe(0);
  });

  it('pauses while nothing is subscribed and resumes where it stopped', async () => {
    const { provider, ctx } = await started({ file: recording(BASIC), pace: 'recorded' });
    const btc = id('replay::btcusdt.ticks');
    provider.subscribe([btc]);
    ctx.manual.advance(2_500);
    provider.unsubscribe([btc]);
    expect(ctx.activeTimers).toBe(0);
    ctx.manual.advance(60_000);
    provider.subscribe([btc]);
    ctx.manual.advance(0);
    expect(ctx.emits).toHaveLength(2);
    ctx.manual.advance(1_000);
    expect(ctx.emits.map((e) => (e.payload as { i: number }).i)).toEqual([0, 2, 4]);
  });

  it('stop cancels its timers; start and stop are safe twice', async () => {
    const { provider, ctx } = await started({ file: recording(BASIC), pace: 'recorded' });
    await provider.start(ctx);
    provider.subscribe([id('replay::btcusdt.ticks')]);
    expect(ctx.activeTimers).toBe(1);
    provider.stop();
    provider.stop();
    expect(ctx.activeTimers).toBe(0);
    expect(ctx.manual.pending).toBe(0);
  });
});

describe('ReplayProvider loading', () => {
  it('rejects start with a clear error when the file is missing', async () => {
    const file = join(dir, 'missing.ndjson');
    const provider = new ReplayProvider({ file });
    await expect(provider.start(new CaptureContext({ name: 'replay' }))).rejects.toThrow(`replay: cannot open recording "${file}"`);
    expect(() => provider.subscribe([id('replay::btcusdt.ticks')])).toThrow(/not started/);
  });

  it('counts and skips bad lines, warning about each up to a bound', async () => {
    const file = recording([
      BASIC[0],
      'not json',
      '',
      '[1,2]',
      { id: BTC, payload: {} },
      { id: 'synthetic::bad id', ts: T0, payload: {} },
      { id: BTC, ts: T0, eventTs: 'x', payload: {} },
      { id: BTC, ts: T0 },
      BASIC[1],
    ]);
    const { logger, entries } = recordingLogger();
    const { provider, ctx } = await started({ file, pace: 'fast', maxBadLineLogs: 3 }, logger);
    expect(provider.badLines).toBe(6);
    expect(provider.stats()).toMatchObject({ lines: 8, records: 2, badLines: 6 });
    const warnings = entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatchObject({ message: 'bad recording line skipped', error: expect.stringMatching(/^line 2: not JSON/) });
    expect(warnings[3].message).toMatch(/not logged/);
    provider.subscribe([id('replay::btcusdt.ticks'), id('replay::ethusdt.ticks')]);
    ctx.manual.advance(0);
    expect(ctx.emits.map((e) => e.payload)).toEqual([{ i: 0 }, { i: 1 }]);
    expect(entries.some((e) => e.message === 'recording played to the end')).toBe(true);
  });

  it('expands and validates over the ids in the file', async () => {
    const file = recording([...BASIC, { id: 'binance::btcusdt.kline[interval=1m]', ts: T0, payload: 1 }, { id: 'btcusdt.trade', ts: T0, payload: 2 }]);
    const { provider } = await started({ file });
    const expand = (p: string) => provider.expand(parsePattern(p)).map(String);
    expect(expand('replay::*')).toEqual(['replay::btcusdt.ticks', 'replay::ethusdt.ticks', 'replay::btcusdt.kline[interval=1m]', 'replay::btcusdt.trade']);
    expect(expand('replay::btcusdt.*')).toEqual(['replay::btcusdt.ticks', 'replay::btcusdt.kline[interval=1m]', 'replay::btcusdt.trade']);
    expect(expand('synthetic::*')).toEqual([]);
    expect(provider.validate(id('replay::btcusdt.ticks'))).toBeUndefined();
    expect(provider.validate(id('replay::solusdt.ticks'))).toMatch(/not in recording/);
    expect(provider.validate(id('synthetic::btcusdt.ticks'))).toMatch(/namespace/);
    const result = provider.subscribe([id('replay::solusdt.ticks'), id('replay::btcusdt.trade')]);
    expect(result.failed?.map((f) => f.id.canonical)).toEqual(['replay::solusdt.ticks']);
  });

  it('reports a bad line with its line number', () => {
    expect(parseRecordingLine('{"id":"a::b","ts":1,"payload":null}', 1)).toEqual({ ok: true, record: { id: 'a::b', ts: 1, payload: null } });
    expect(parseRecordingLine('{"id":"a::b","payload":1}', 7)).toEqual({ ok: false, error: 'line 7: "ts" must be a number (ms)' });
    expect(parseRecordingLine('{', 3)).toMatchObject({ ok: false, error: expect.stringMatching(/^line 3: not JSON/) });
  });
});

describe('RecordingWriter → ReplayProvider round trip', () => {
  it('plays back the recorded payloads in the same order', async () => {
    const file = join(dir, 'roundtrip.ndjson');
    const writer = await RecordingWriter.open(file);
    const sent: MessageEnvelope[] = [];
    for (let seq = 1; seq <= 200; seq++) {
      const payload = seq % 50 === 0 ? new Uint8Array([seq, 0, 255]) : { symbol: 'btcusdt', price: 60_000 + seq / 100, n: seq, nested: [seq, { s: `ü${seq}\n` }] };
      const msg: MessageEnvelope = { type: 'message', id: seq % 3 === 0 ? ETH : BTC, seq, epoch: 'e', ts: T0 + seq, ...(seq % 7 === 0 ? {} : { eventTs: T0 + seq - 1 }), payload };
      sent.push(msg);
      writer.write(msg);
    }
    await writer.close();
    await writer.close();
    expect(writer.written).toBe(200);
    expect(() => writer.write(sent[0])).toThrow(/closed/);

    const { provider, ctx } = await started({ file, pace: 'fast', chunkSize: 16 });
    provider.subscribe([id('replay::btcusdt.ticks'), id('replay::ethusdt.ticks')]);
    ctx.manual.advance(0);
    expect(provider.stats().badLines).toBe(0);
    expect(ctx.emits.map((e) => e.payload)).toEqual(sent.map((m) => m.payload));
    expect(ctx.emits.map((e) => e.eventTs)).toEqual(sent.map((m) => m.eventTs ?? m.ts));
    expect(ctx.emits.map((e) => e.id)).toEqual(sent.map((m) => m.id.replace('synthetic::', 'replay::')));
  });

  it('fails to open a file in a missing folder', async () => {
    await expect(RecordingWriter.open(join(dir, 'no', 'such', 'file.ndjson'))).rejects.toThrow(/ENOENT/);
  });
});
