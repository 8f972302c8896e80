import fc from 'fast-check';
import { isTesseraError } from '../common/errors';
import { Backoff } from '../common/backoff';
import { decodeFrame } from '../providers/binance/binance-connection';
import { Handover } from '../providers/exchange/handover';
import { BINANCE_DEFAULTS, resolveOptions } from '../providers/binance/options';
import { Pacer } from '../providers/exchange/pacer';
import { maxInWindow } from './support/binance-context';

describe('Pacer', () => {
  it('never lets more than the limit into any one-second window, however sends are asked for', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }), (limit, gaps) => {
        let now = 0;
        const pacer = new Pacer(() => now, limit);
        const sent: number[] = [];
        for (const gap of gaps) {
          now += gap;
          now += pacer.delay(); // wait as told, then send
          expect(pacer.delay()).toBe(0);
          pacer.record();
          sent.push(now);
        }
        expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it('lets a burst up to the limit through at once', () => {
    const pacer = new Pacer(() => 0, 5);
    for (let i = 0; i < 5; i++) {
      expect(pacer.delay()).toBe(0);
      pacer.record();
    }
    expect(pacer.delay()).toBe(1000);
  });
});

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, jitter included', () => {
    const seq = (random: () => number): number[] => {
      const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.2, random });
      return Array.from({ length: 8 }, () => b.next());
    };
    expect(seq(() => 0.5)).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    expect(seq(() => 0)).toEqual([80, 160, 320, 640, 800, 800, 800, 800]);
    expect(Math.max(...seq(() => 0.999999))).toBe(1000);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, random: Math.random });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('Handover', () => {
  /**
   * One stream, messages 1..n. The old socket delivers 1..last; the new one is subscribed from
   * message `from` on, and is promoted somewhere along its frames (acks for other streams may come
   * late). Any interleaving of the two sockets must deliver 1..n exactly once, in order.
   */
  it('delivers each message once and in order, whichever socket runs ahead', () => {
    const scenario = fc
      .record({ n: fc.integer({ min: 1, max: 60 }), j: fc.nat(), m: fc.nat(), p: fc.nat() })
      .map(({ n, j, m, p }) => {
        const from = 1 + (j % n);
        return { n, from, last: from - 1 + (m % (n - from + 2)), promoteAt: p % (n - from + 2) };
      })
      .chain((s) => fc.tuple(fc.constant(s), fc.array(fc.boolean(), { minLength: 2 * s.n + 2, maxLength: 2 * s.n + 2 })));
    fc.assert(
      fc.property(scenario, ([{ n, from, last, promoteAt }, picks]) => {
        const h = new Handover<number>();
        const old = Array.from({ length: last }, (_, i) => i + 1);
        const next: (number | 'promote')[] = Array.from({ length: n - from + 1 }, (_, i) => from + i);
        next.splice(promoteAt, 0, 'promote');
        const out: number[] = [];
        for (const takeOld of picks) {
          if (takeOld && old.length > 0) {
            const k = old.shift()!;
            out.push(...h.fromOld('s', String(k), k));
          } else if (next.length > 0) {
            const k = next.shift()!;
            if (k === 'promote') out.push(...h.promote(new Set(['s'])).map((f) => f.value));
            else out.push(...h.fromNew('s', String(k), k));
          }
        }
        for (const k of old) out.push(...h.fromOld('s', String(k), k));
        for (const k of next) {
          if (k === 'promote') out.push(...h.promote(new Set(['s'])).map((f) => f.value));
          else out.push(...h.fromNew('s', String(k), k));
        }
        out.push(...h.finish().map((f) => f.value));
        expect(out).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('passes streams the old socket did not carry straight through', () => {
    const h = new Handover<number>();
    h.promote(new Set(['a']));
    expect(h.fromNew('b', '1', 1)).toEqual([1]);
    expect(h.movedOver(['a', 'b'])).toBe(false);
    expect(h.fromOld('a', '7', 7)).toEqual([7]);
    expect(h.fromNew('a', '7', 7)).toEqual([]);
    // Moved over, but only caught up once the new socket sends something the old one did not.
    expect(h.movedOver(['a', 'b'])).toBe(false);
    expect(h.fromNew('a', '8', 8)).toEqual([8]);
    expect(h.movedOver(['a', 'b'])).toBe(true);
  });
});

describe('decodeFrame', () => {
  it.each([
    ['{"stream":"btcusdt@aggTrade","data":{"E":1}}', { kind: 'data', stream: 'btcusdt@aggTrade', payload: { E: 1 } }],
    ['{"stream":"!ticker@arr","data":[{"E":1}]}', { kind: 'data', stream: '!ticker@arr', payload: [{ E: 1 }] }],
    ['{"result":null,"id":7}', { kind: 'reply', id: 7 }],
    ['{"error":{"code":-1,"msg":"too many subscriptions"},"id":8}', { kind: 'reply', id: 8, error: '-1: too many subscriptions' }],
    ['{"code":0,"msg":"Unknown property","id":9}', { kind: 'reply', id: 9, error: '0: Unknown property' }],
  ])('%s', (text, frame) => {
    expect(decodeFrame(text)).toEqual(frame);
  });

  it.each(['not json', '[1,2]', '42', 'null', '{"stream":"x"}', '{"stream":"x","data":null}', '{"stream":"x","data":5}', '{"data":{}}', '{"foo":1}', '{"id":"x","result":null}'])(
    'calls %j malformed',
    (text) => {
      expect(decodeFrame(text).kind).toBe('malformed');
    },
  );
});

describe('binance options', () => {
  it('fills the documented defaults', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({ baseUrl: 'wss://fstream.binance.com', streamsPerConnection: 200, controlMessagesPerSecond: 5 });
    expect(o.renewAfterMs).toBeLessThan(24 * 3600_000);
    expect(resolveOptions({ baseUrl: 'ws://127.0.0.1:9/' }).baseUrl).toBe('ws://127.0.0.1:9');
    expect(BINANCE_DEFAULTS.staleTimeoutMs).toBeGreaterThan(BINANCE_DEFAULTS.pingIntervalMs);
  });

  it.each([
    [{ baseUrl: 'http://x' }, 'baseUrl'],
    [{ streamsPerConnection: 1025 }, 'streamsPerConnection'],
    [{ controlMessagesPerSecond: 10 }, 'controlMessagesPerSecond'],
    [{ renewAfterMs: 24 * 3600_000 }, 'renewAfterMs'],
    [{ reconnectInitialMs: 5000, reconnectMaxMs: 1000 }, 'reconnectMaxMs'],
    [{ reconnectJitter: 1 }, 'reconnectJitter'],
    [{ symbols: ['BTCUSDT'] }, 'symbols'],
    [{ pingIntervalMs: 1000, staleTimeoutMs: 1000 }, 'staleTimeoutMs'],
  ])('refuses %j naming %s', (options, field) => {
    let error: unknown;
    try {
      resolveOptions(options);
    } catch (e) {
      error = e;
    }
    expect(isTesseraError(error, 'BAD_REQUEST')).toBe(true);
    expect((error as Error).message).toContain(field);
  });
});
