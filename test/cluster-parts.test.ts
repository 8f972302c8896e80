import { readNatsConfig, parseServers } from '../cluster/config';
import { ExporterHealth } from '../cluster/health';
import { Interest } from '../cluster/interest';
import type { NatsLink } from '../cluster/link';
import { Leases } from '../cluster/leases';
import { NamespaceMap } from '../cluster/namespace-map';
import { parseControlRequest, parseReply, encodeJson, type ControlRequest } from '../cluster/protocol';
import { StreamSet, digestOf } from '../cluster/stream-set';
import { streamOfToken, subjectsOf } from '../cluster/subjects';
import { parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { systemClock } from '../common/clock';
import { TesseraError } from '../common/errors';
import { silentLogger } from '../common/logger';

describe('stream subjects', () => {
  test('any canonical identifier becomes one safe subject token, and back', () => {
    const ids = ['binance::btcusdt.kline[interval=1m]', 'x::a b.c[k=v w;z=*>]', 'ns::ünï.cödé', `n::${'t'.repeat(500)}`];
    for (const canonical of ids) {
      const subject = subjectsOf('node-1').stream(canonical);
      const token = subject.slice('tessera.node-1.s.'.length);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(streamOfToken(token)).toBe(canonical);
    }
  });

  test('node names are held to one subject token', () => {
    expect(subjectsOf('a_b-1').control).toBe('tessera.a_b-1.ctl');
    expect(() => subjectsOf('a.b')).toThrow(/node name/);
    expect(() => subjectsOf('*')).toThrow(/node name/);
  });
});

describe('stream sets and digests', () => {
  test('the digest depends on the members only', () => {
    const s = new StreamSet();
    for (const id of ['a', 'b', 'c']) s.add(id);
    s.delete('b');
    expect(s.digest).toBe(digestOf(['c', 'a']));
    expect(s.digest).not.toBe(digestOf(['a', 'b', 'c']));
    expect(new StreamSet().digest).toBe(0);
  });
});

describe('leases', () => {
  test('a stream is wanted while one live lease holds it; expiry frees it', () => {
    const leases = new Leases();
    leases.renew('b', 0, 1_000);
    leases.renew('c', 0, 2_000);
    expect(leases.add('b', ['x', 'y']).added).toEqual(['x', 'y']);
    expect(leases.add('c', ['y', 'z']).added).toEqual(['z']);
    expect(leases.expire(999)).toEqual({ holders: [], removed: [] });
    expect(leases.expire(1_000)).toEqual({ holders: ['b'], removed: ['x'] });
    expect(leases.union().sort()).toEqual(['y', 'z']);
    leases.renew('c', 1_500, 2_000);
    expect(leases.expire(3_000).holders).toEqual([]);
  });

  test('set replaces, drop releases, forget takes a stream from everyone', () => {
    const leases = new Leases();
    leases.renew('b', 0, 1_000);
    leases.add('b', ['x', 'y']);
    expect(leases.set('b', ['y', 'z'])).toEqual({ added: ['z'], removed: ['x'] });
    expect(leases.describe('b')).toEqual({ count: 2, digest: digestOf(['y', 'z']) });
    leases.forget('y');
    expect(leases.describe('b').count).toBe(1);
    expect(leases.drop('b')).toEqual({ added: [], removed: ['z'] });
    expect(leases.describe('b')).toEqual({ count: 0, digest: 0 });
    expect(leases.add('unknown', ['x']).added).toEqual([]);
  });
});

describe('exporter health', () => {
  function health(connected = true): { h: ExporterHealth; said: string[] } {
    const said: string[] = [];
    const h = new ExporterHealth(connected, 3_000, { down: (reason) => said.push(`down: ${reason}`), up: () => said.push('up') });
    return { h, said };
  }

  test('first contact is silent; every down is followed by one up', () => {
    const { h, said } = health();
    h.seen('i1', 0, 100);
    h.markSynced();
    expect(said).toEqual([]);
    h.check(250);
    h.check(301);
    expect(said).toEqual(['down: exporter heartbeat lost']);
    h.seen('i1', 400);
    h.markSynced();
    expect(said).toEqual(['down: exporter heartbeat lost', 'up']);
  });

  test('a new instance, a lost connection and a remote provider-down each take it down', () => {
    const { h, said } = health();
    h.seen('i1', 0);
    h.markSynced();
    expect(h.seen('i2', 10)).toBe(true);
    h.markSynced();
    h.setConnected(false);
    h.setConnected(true);
    h.markSynced();
    h.setRemote(false, 'remote provider: crashed');
    h.setRemote(true, '');
    expect(said).toEqual(['down: the exporter restarted', 'up', 'down: NATS connection lost', 'up', 'down: remote provider: crashed', 'up']);
  });
});

describe('namespace mapping', () => {
  test('identifiers and patterns swap namespaces and keep the rest', () => {
    const map = new NamespaceMap('remote-binance', 'binance');
    expect(map.toRemote(parseIdentifier('remote-binance::kline[interval=1m].btcusdt'))).toBe('binance::btcusdt.kline[interval=1m]');
    expect(map.patternToRemote(parsePattern('remote-binance::kline[*].*'))).toBe('binance::kline[*].*');
    expect(map.toLocal('binance::btcusdt.trade')?.canonical).toBe('remote-binance::btcusdt.trade');
    expect(map.toLocal('binancex::btcusdt.trade')).toBeUndefined();
  });
});

describe('control messages', () => {
  test('requests are checked on arrival; remote errors come back with their code', () => {
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    expect(parseControlRequest(enc({ op: 'expand', pattern: 'a::*' }))).toEqual({ op: 'expand', pattern: 'a::*' });
    expect(() => parseControlRequest(enc({ op: 'interest', holder: 'h', leaseMs: 0 }))).toThrow(/leaseMs/);
    expect(() => parseControlRequest(enc({ op: 'nope' }))).toThrow(/unknown op/);
    expect(() => parseControlRequest(enc([1]))).toThrow(/object/);
    expect(() => parseReply(encodeJson({ ok: false, code: 'FORBIDDEN_NAMESPACE', message: 'no' }))).toThrow(expect.objectContaining({ code: 'FORBIDDEN_NAMESPACE' }));
  });
});

describe('the nats configuration section', () => {
  const context = { providers: ['binance', 'synthetic'], publishNamespaces: ['local'] };

  test('defaults, and nothing at all without a section or --nats', () => {
    const issues: string[] = [];
    expect(readNatsConfig(undefined, issues, context)).toBeUndefined();
    const config = readNatsConfig({ node: 'tokyo', export: ['binance'], import: [{ node: 'ny', provider: 'binance', as: 'ny-binance' }] }, issues, context);
    expect(issues).toEqual([]);
    expect(config).toMatchObject({ servers: ['nats://127.0.0.1:4222'], node: 'tokyo', export: ['binance'], leaseMs: 10_000, import: [{ node: 'ny', provider: 'binance', as: 'ny-binance' }] });
    expect(readNatsConfig(undefined, issues, { ...context, servers: ['nats://10.0.0.1:4222'] })?.servers).toEqual(['nats://10.0.0.1:4222']);
  });

  test('every problem is named by its field', () => {
    const issues: string[] = [];
    readNatsConfig(
      { servers: ['http://x'], node: 'A.B', export: ['nope'], import: [{ node: 'ny', as: 'ny' }, { provider: 'x', as: 'binance' }, { node: 'ny', provider: 'x', as: 'local' }, { node: 'ny', provider: 'binance' }], leaseMs: 5, colour: 'red' },
      issues,
      context,
    );
    expect(issues.sort()).toEqual(
      [
        'nats.servers: [0] must be a URL like nats://host:4222',
        'nats.node: must be 1-64 characters of a-z 0-9 _ -',
        'nats.leaseMs: must be an integer 100 or more',
        'nats.colour: unknown field',
        'nats.import[0].provider: is required',
        'nats.import[1].node: is required',
        'nats.import[1].as: "binance" is already a provider, publish namespace or import',
        'nats.import[2].as: "local" is already a provider, publish namespace or import',
        'nats.import[3].as: "binance" is already a provider, publish namespace or import',
        'nats.export[0]: no provider "nope" is configured',
      ].sort(),
    );
  });

  test('--nats takes a comma-separated list', () => {
    expect(parseServers('nats://a:4222, nats://b:4222')).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(() => parseServers('a:4222')).toThrow(/--nats/);
  });
});

describe('interest', () => {
  test('an add that joins a sync sent before the exporter came back asks again', async () => {
    // The first request (a renewal's resync) is held; it fails as it would have when sent.
    let failFirst: (error: Error) => void = () => undefined;
    const sent: ControlRequest[] = [];
    const request = (_subject: string, body: ControlRequest): Promise<unknown> => {
      sent.push(body);
      if (sent.length === 1) return new Promise((_resolve, reject) => (failFirst = reject));
      const held = body.op === 'interest' ? (body.set ?? body.add ?? []) : [];
      return Promise.resolve({ ok: true, instance: 'i1', count: held.length, digest: digestOf(held), failed: [] });
    };
    const link = { connected: true, request } as unknown as NatsLink;
    const health = new ExporterHealth(true, 3_000, { down: () => undefined, up: () => undefined });
    const interest = new Interest(link, 'tessera.a.ctl', 'b/remote/1', { exporter: 'a', leaseMs: 900, requestTimeoutMs: 2_000 }, health, { clock: systemClock, logger: silentLogger() }, { failed: () => undefined, restored: () => undefined });

    interest.renew();
    const added = interest.add(['src::btc.trade']);
    failFirst(new TesseraError('TIMEOUT', 'no answer on tessera.a.ctl: 503'));
    expect(await added).toEqual(new Map());
    expect(sent.map((r) => (r.op === 'interest' ? Object.keys(r).filter((k) => k === 'set' || k === 'add') : []))).toEqual([['set'], ['set'], ['add']]);
  });
});
