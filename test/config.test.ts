import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfig, validateConfig } from '../cli/config';
import { BinanceProvider } from '../providers/binance';
import { ReplayProvider } from '../providers/replay';
import { providerFactory, ProviderConfigError } from '../providers/registry';
import { BarsWorker } from '../workers/bars/bars-worker';
import { BooksWorker } from '../workers/books/books-worker';
import { SyntheticProvider } from '../providers/synthetic';
import { CaptureContext } from '../testkit';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-config-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The issues a configuration is refused with (fails the test if it is accepted). */
function issuesOf(raw: unknown): readonly string[] {
  try {
    validateConfig(raw, 'test.json', dir);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('configuration was accepted');
}

describe('the embedded default configuration', () => {
  test('is the synthetic provider and a gateway on 127.0.0.1:7400', () => {
    const config = loadConfig(undefined);
    expect(config.gateway).toMatchObject({ host: '127.0.0.1', port: 7400 });
    expect(config.gateway.token).toBeUndefined();
    expect(config.providers.map((p) => [p.type, p.name])).toEqual([['synthetic', 'synthetic']]);
    expect(config.providers[0].factory()).toBeInstanceOf(SyntheticProvider);
    expect(config.sessions).toEqual(DEFAULT_CONFIG.sessions);
    expect(config.endpoints).toEqual({ metrics: true, health: true, page: true });
    expect(config.workers.map((w) => [w.type, w.name])).toEqual([['bars', 'bars']]);
    expect(config.workers[0].factory()).toBeInstanceOf(BarsWorker);
  });

  test('a file without a workers section gets the bars worker, unless a provider is named bars', () => {
    expect(validateConfig({}, 'test.json', dir).workers.map((w) => w.name)).toEqual(['bars']);
    expect(validateConfig({ providers: [{ type: 'synthetic', name: 'bars' }] }, 'test.json', dir).workers).toEqual([]);
    expect(validateConfig({ workers: [] }, 'test.json', dir).workers).toEqual([]);
    const books = validateConfig({ workers: [{ type: 'books', name: 'tops', graceMs: 0, eventTimeOnly: ['tape'] }] }, 'test.json', dir);
    expect(books.workers[0].factory()).toBeInstanceOf(BooksWorker);
  });

  test('command-line options override it', () => {
    expect(loadConfig(undefined, { host: '0.0.0.0', port: 0 }).gateway).toMatchObject({ host: '0.0.0.0', port: 0 });
  });
});

describe('a good configuration file', () => {
  test('is read with every section, defaults filling the gaps', () => {
    file('rec.ndjson', '{"id":"x::a.b","ts":1,"payload":1}\n');
    const path = file('good.json', {
      gateway: { host: '127.0.0.2', port: 9000, token: 's3cret', maxFrameBytes: 4096, maxConnections: 5 },
      providers: [
        { type: 'synthetic', name: 'sim', seed: 7, symbols: ['abc', { symbol: 'xyz', price: 10 }], defaultRate: 5 },
        { type: 'replay', name: 'tape', file: 'rec.ndjson', pace: 'fast', loop: true },
      ],
      publishNamespaces: ['chat'],
      sessions: { idleAfterMs: 0, outBuffer: 16, overflow: 'conflate' },
      limits: { maxSessions: 3, maxPatternsPerSession: 4, providerCallTimeoutMs: 500 },
      endpoints: { metrics: false, page: false },
    });
    const config = loadConfig(path);
    expect(config.gateway).toMatchObject({ host: '127.0.0.2', port: 9000, token: 's3cret', maxFrameBytes: 4096, maxConnections: 5 });
    expect(config.gateway.highWaterBytes).toBeGreaterThan(0);
    expect(config.providers.map((p) => [p.type, p.name])).toEqual([['synthetic', 'sim'], ['replay', 'tape']]);
    expect(config.publishNamespaces).toEqual(['chat']);
    expect(config.sessions).toEqual({ idleAfterMs: 0, outBuffer: 16, overflow: 'conflate' });
    expect(config.limits).toEqual({ maxSessions: 3, maxPatternsPerSession: 4, providerCallTimeoutMs: 500 });
    expect(config.endpoints).toEqual({ metrics: false, health: true, page: false });
  });

  test('the command line overrides the file', () => {
    const path = file('port.json', { gateway: { host: '127.0.0.3', port: 9001 } });
    expect(loadConfig(path, { port: 0 }).gateway).toMatchObject({ host: '127.0.0.3', port: 0 });
  });

  test("a replay provider's relative file is found next to the configuration file", async () => {
    file('tape.ndjson', '{"id":"synthetic::btcusdt.ticks","ts":1,"payload":{"p":1}}\n');
    const path = file('replay.json', { providers: [{ type: 'replay', name: 'tape', file: 'tape.ndjson' }] });
    const provider = loadConfig(path).providers[0].factory();
    expect(provider).toBeInstanceOf(ReplayProvider);
    await expect(Promise.resolve(provider.start(new CaptureContext({ name: 'tape' })))).resolves.toBeUndefined();
    await provider.stop();
  });

  test('an empty object is the defaults; an empty provider list is no providers', () => {
    expect(validateConfig({}, 'x', dir).providers).toHaveLength(1);
    expect(validateConfig({ providers: [] }, 'x', dir).providers).toHaveLength(0);
  });
});

describe('a bad configuration is refused, naming the field', () => {
  test.each([
    ['an unknown provider type', { providers: [{ type: 'synthetic', name: 'a' }, { type: 'foo', name: 'b' }] }, 'providers[1].type: unknown provider type "foo"'],
    ['a port out of range', { gateway: { port: 70000 } }, 'gateway.port: must be an integer 0..65535'],
    ['a port as text', { gateway: { port: '7400' } }, 'gateway.port: must be an integer 0..65535'],
    ['a misspelt gateway field', { gateway: { prot: 1 } }, 'gateway.prot: unknown field'],
    ['an unknown top-level field', { provider: [] }, 'provider: unknown field'],
    ['a gateway that is not an object', { gateway: 7 }, 'gateway: must be an object'],
    ['a frame limit too small', { gateway: { maxFrameBytes: 10 } }, 'gateway.maxFrameBytes: must be an integer 64 or more'],
    ['no connections allowed', { gateway: { maxConnections: 0 } }, 'gateway.maxConnections: must be an integer 1 or more'],
    ['an empty token', { gateway: { token: '' } }, 'gateway.token: must be a non-empty string'],
    ['a low-water mark above the high one', { gateway: { highWaterBytes: 10, lowWaterBytes: 20 } }, 'gateway.lowWaterBytes: must not be above gateway.highWaterBytes'],
    ['providers not a list', { providers: {} }, 'providers: must be an array'],
    ['a provider without a type', { providers: [{ name: 'a' }] }, 'providers[0].type: is required'],
    ['a provider without a name', { providers: [{ type: 'synthetic' }] }, 'providers[0].name: is required'],
    ['a provider name that is not a namespace', { providers: [{ type: 'synthetic', name: 'Bad Name' }] }, 'providers[0].name: must be 1-64 characters of a-z 0-9 _ -'],
    ['two providers with one name', { providers: [{ type: 'synthetic', name: 'a' }, { type: 'synthetic', name: 'a' }] }, 'providers[1].name: "a" is used by another provider'],
    ['an unknown provider option', { providers: [{ type: 'synthetic', name: 'a', bogus: 1 }] }, 'providers[0].bogus: unknown option for a synthetic provider'],
    ['a provider option of the wrong type', { providers: [{ type: 'synthetic', name: 'a', symbols: 'btcusdt' }] }, 'providers[0].symbols: must be an array'],
    ['a bad option value', { providers: [{ type: 'synthetic', name: 'a', emitMode: 'fast' }] }, 'providers[0].emitMode: must be one of "timer", "manual"'],
    ["the provider's own check", { providers: [{ type: 'synthetic', name: 'a', symbols: ['ticks'] }] }, 'providers[0]: synthetic: option "symbols[0]"'],
    ['a replay without a file', { providers: [{ type: 'replay', name: 'r' }] }, 'providers[0].file: is required for a replay provider'],
    ['a replay pace', { providers: [{ type: 'replay', name: 'r', file: 'x', pace: 'slow' }] }, 'providers[0].pace: must be one of "recorded", "fast"'],
    ['a binance option the provider refuses', { providers: [{ type: 'binance', name: 'bn', streamsPerConnection: 5000 }] }, 'providers[0].streamsPerConnection: binance option streamsPerConnection must be'],
    ['a binance test-only option', { providers: [{ type: 'binance', name: 'bn', random: 1 }] }, 'providers[0].random: unknown option for a binance provider'],
    ['a bad publish namespace', { publishNamespaces: ['ok', 'Not OK'] }, 'publishNamespaces: [1] must be 1-64 characters'],
    ["a publish namespace that is a provider's", { publishNamespaces: ['synthetic'] }, `publishNamespaces: "synthetic" is also a provider's name`],
    ['an unknown overflow policy', { sessions: { overflow: 'block' } }, 'sessions.overflow: must be one of "drop-newest", "drop-oldest", "conflate", "disconnect"'],
    ['a zero out-buffer', { sessions: { outBuffer: 0 } }, 'sessions.outBuffer: must be an integer 1 or more'],
    ['a fractional idle time', { sessions: { idleAfterMs: 1.5 } }, 'sessions.idleAfterMs: must be an integer'],
    ['a negative session limit', { limits: { maxSessions: -1 } }, 'limits.maxSessions: must be an integer 1 or more'],
    ['an unknown limit', { limits: { maxSockets: 1 } }, 'limits.maxSockets: unknown field'],
    ['workers not a list', { workers: 'bars' }, 'workers: must be an array'],
    ['an unknown worker type', { workers: [{ type: 'candles', name: 'c' }] }, 'workers[0].type: unknown worker type "candles" (known: bars, books)'],
    ['an unknown worker option', { workers: [{ type: 'bars', name: 'b', grace: 5 }] }, 'workers[0].grace: unknown option for a bars worker (it takes graceMs, eventTimeOnly, checkEveryMs)'],
    ['a bad worker option', { workers: [{ type: 'books', name: 'b', graceMs: -1 }] }, 'workers[0].graceMs: must be an integer 0 or more'],
    ['a worker named like a provider', { workers: [{ type: 'bars', name: 'synthetic' }] }, 'workers[0].name: "synthetic" is used by another provider'],
    ['a worker without type or module', { workers: [{ name: 'w' }] }, 'workers[0].type: is required (or "module"'],
    ["a publish namespace that is a worker's", { publishNamespaces: ['bars'] }, `publishNamespaces: "bars" is also a worker's name`],
    ['an endpoint switch that is not a boolean', { endpoints: { metrics: 'yes' } }, 'endpoints.metrics: must be'],
    ['an unknown endpoint', { endpoints: { admin: true } }, 'endpoints.admin: unknown field'],
  ])('%s', (_what, raw, expected) => {
    const issues = issuesOf(raw);
    expect(issues.some((issue) => issue.startsWith(expected))).toBe(true);
  });

  test('every problem is reported at once', () => {
    const issues = issuesOf({ gateway: { port: -1, host: 3 }, sessions: { outBuffer: 'big' }, extra: true });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gateway\.port:/),
        expect.stringMatching(/^gateway\.host:/),
        expect.stringMatching(/^sessions\.outBuffer:/),
        'extra: unknown field',
      ]),
    );
  });

  test('the message names the file and every field', () => {
    const path = file('bad.json', { gateway: { port: 'x' } });
    expect(() => loadConfig(path)).toThrow(/bad\.json:\n {2}gateway\.port: must be an integer 0\.\.65535/);
  });

  test('a file that is not JSON, or not an object, or missing', () => {
    expect(() => loadConfig(file('broken.json', '{ "gateway": '))).toThrow(/broken\.json:\n {2}not valid JSON/);
    expect(() => loadConfig(file('array.json', '[]'))).toThrow(/must be a JSON object/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/missing\.json:\n {2}cannot read the file \(ENOENT\)/);
  });
});

describe('the provider registry', () => {
  test('an unknown type names the field and the known types', () => {
    const attempt = (): unknown => providerFactory('kafka', {});
    expect(attempt).toThrow(ProviderConfigError);
    expect(attempt).toThrow(/unknown provider type "kafka" \(known: synthetic, replay, binance, bybit/);
  });

  test('a binance provider is built from its options without touching the network', () => {
    const factory = providerFactory('binance', { baseUrl: 'ws://127.0.0.1:9', symbols: ['btcusdt'], streamsPerConnection: 100 });
    expect(factory()).toBeInstanceOf(BinanceProvider);
  });

  test('each call of a factory is a fresh provider', () => {
    const factory = providerFactory('synthetic', { seed: 'x' });
    expect(factory()).not.toBe(factory());
  });
});

describe('the nats section', () => {
  it('is absent when the node runs alone, and --nats turns it on', () => {
    expect(validateConfig({}, 'test', '/').nats).toBeUndefined();
    const config = validateConfig({}, 'test', '/', { nats: ['nats://127.0.0.1:4222'] });
    expect(config.nats?.servers).toEqual(['nats://127.0.0.1:4222']);
  });

  it('refuses a bad section naming the field', () => {
    expect(() => validateConfig({ nats: { servers: ['http://x'] } }, 'test', '/')).toThrow(/nats\.servers/);
  });
});
