import fc from 'fast-check';
import type { MessageEnvelope } from '../common/envelope';
import { isTesseraError } from '../common/errors';
import type { Payload } from '../common/json';
import { messageBytes } from '../common/payload-size';
import { decodeFrames, encodeFrames, FRAME_VERSION } from '../cluster/frame';
import { LIST, NEW_SHAPE, NULL, STR8 } from '../cluster/value-tags';

// The link's batch format (cluster/frame.ts): what the importer reads back must be exactly what
// JSON text would have given it, with the same `size` the exporter's service counted.

interface Decoded {
  readonly epoch: string;
  readonly seq: number;
  readonly ts: number;
  readonly eventTs: number | undefined;
  readonly payload: Payload;
  readonly size: number;
}

function decode(data: Uint8Array): Decoded[] {
  const out: Decoded[] = [];
  decodeFrames(data, (epoch, seq, ts, eventTs, payload, size) => out.push({ epoch, seq, ts, eventTs, payload, size }));
  return out;
}

/** What crossing as JSON text makes of a payload (bytes cross as they are). */
function viaJson(payload: unknown): Payload {
  return payload instanceof Uint8Array ? payload : (JSON.parse(JSON.stringify([payload]) as string) as Payload[])[0];
}

function batch(payloads: readonly unknown[], at: Partial<MessageEnvelope> = {}): MessageEnvelope[] {
  return payloads.map((payload, i) => ({ type: 'message', id: 'a::b', seq: 100 + i, epoch: 'e1', ts: 1_700_000_000_000, ...at, payload: payload as Payload }));
}

function expectCrossed(msgs: readonly MessageEnvelope[]): void {
  const got = decode(encodeFrames(msgs));
  expect(got.map((m) => [m.epoch, m.seq, m.ts, m.eventTs])).toEqual(msgs.map((m) => [m.epoch, m.seq, m.ts, Number.isNaN(m.eventTs) ? undefined : m.eventTs]));
  expect(got.map((m) => m.payload)).toEqual(msgs.map((m) => viaJson(m.payload)));
  expect(got.map((m) => m.size)).toEqual(got.map((m) => messageBytes(m.payload)));
}

const bytes = fc.uint8Array({ maxLength: 40 });
/** Values JSON treats specially, mixed into JSON documents. */
const odd = fc.constantFrom<unknown>(undefined, -0, Number.NaN, Infinity, '\ud800', 'a\udc00b', new Date(0), { toJSON: () => 'x' }, [undefined, () => 1], { ['__proto__']: 1 });
const member: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), odd, fc.string({ unit: 'binary', maxLength: 300 }), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 })),
})).value;
/** Market-data-like objects: few layouts, members that often repeat. */
const trade = fc.record({ symbol: fc.constantFrom('btcusdt', 'ethusdt', 'ü€'), price: fc.double({ noNaN: true }), qty: fc.oneof(fc.integer(), fc.double()), side: fc.constantFrom('buy', 'sell'), n: fc.integer() }, { requiredKeys: ['symbol', 'price'] });
const position = fc.double().chain((first) => fc.constantFrom(first, Number.isFinite(first) ? first + 1 : 0));

describe('link batches', () => {
  test('epoch, seq, ts, eventTs and payloads cross unchanged, in order, with their sizes', () => {
    const msg: MessageEnvelope = { type: 'message', id: 'a::b', seq: 2 ** 40 + 3, epoch: 'ep-ü', ts: 1_700_000_000_123, eventTs: 1_699_999_999_999, payload: { p: [1, 'x', null], s: 'ü€' } };
    expectCrossed([msg, { ...msg, seq: msg.seq + 1, eventTs: undefined, payload: new Uint8Array([0, 255]) }, { ...msg, seq: 9, ts: 3.5, payload: '' }]);
    expectCrossed(batch([{ seq: 1 }, { seq: 2 }, { seq: 3, extra: true }, { seq: 4 }]));
    // One object shared by several payloads is written each time (only primitives repeat).
    const shared = { bid: [1.5, 2], ask: null };
    expectCrossed(batch([{ book: shared }, { book: shared }, { book: { ...shared } }]));
    // Layouts that change after members that are objects were written.
    expectCrossed(batch([{ a: { x: 1 }, b: 1 }, { a: { x: 2 }, c: 2 }, [{ a: { x: 3 }, b: 3 }, { a: { y: 1 } }, { a: { x: 4 }, b: 4 }], { a: { x: 5 }, b: 5 }]));
    expectCrossed([]);
    // A batch far larger than the writer's buffer, then a small one again.
    expectCrossed(batch([{ blob: 'x'.repeat(5_000_000), bytes: null }, new Uint8Array(3_000_000)]));
    expectCrossed(batch([{ a: 1 }]));
  });

  test('any batch of JSON, odd values and bytes reads back as JSON text would have given it', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(member, trade, bytes), { maxLength: 30 }), position, position, fc.option(fc.double(), { nil: undefined }), (payloads, seq, ts, eventTs) => {
        const msgs = batch(payloads).map((m, i) => ({ ...m, seq: i % 3 === 0 ? seq : seq + i, ts: i % 2 === 0 ? ts : ts + i, eventTs: i % 4 === 0 ? eventTs : undefined }));
        expectCrossed(msgs);
      }),
      { numRuns: 300 },
    );
  });

  test('a payload JSON cannot write fails the batch as JSON.stringify would', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = { again: cycle };
    expect(() => encodeFrames(batch([{ n: 1n }]))).toThrow(TypeError);
    expect(() => encodeFrames(batch([cycle]))).toThrow(TypeError);
    // The writer is whole again for the next batch.
    expectCrossed(batch([{ a: 1 }, { a: 2 }]));
  });

  test('a truncated or garbled batch is refused with BAD_REQUEST, never misread or half-delivered', () => {
    const good = encodeFrames(batch([{ symbol: 'btcusdt', price: 1.5 }, { symbol: 'btcusdt', price: 2.5 }, [1, 'two', null]]));
    for (let n = 0; n < good.length; n++) {
      const delivered: unknown[] = [];
      let error: unknown;
      try {
        decodeFrames(good.subarray(0, n), (...args) => delivered.push(args));
      } catch (e) {
        error = e;
      }
      expect(isTesseraError(error, 'BAD_REQUEST')).toBe(true);
      expect(delivered).toEqual([]);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (garbage, flip) => {
        const mutated = Uint8Array.from(good);
        mutated[flip % mutated.length] ^= 1 + (flip % 255);
        for (const data of [Uint8Array.of(FRAME_VERSION, ...garbage), mutated]) {
          try {
            decodeFrames(data, () => undefined);
          } catch (e) {
            expect(isTesseraError(e, 'BAD_REQUEST') || isTesseraError(e, 'NOT_SUPPORTED')).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  test('bytes the writer never produces are refused: a __proto__ layout, nesting past the limit', () => {
    // A batch of one null payload, whose last byte (the payload) is replaced.
    const head = encodeFrames(batch([null])).subarray(0, -1);
    const withPayload = (...bytes: number[]): Uint8Array => Uint8Array.of(...head, ...bytes);
    const u32 = (n: number): number[] => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
    expect(decode(withPayload(NULL)).map((m) => m.payload)).toEqual([null]);
    const proto = withPayload(NEW_SHAPE, ...u32(1), STR8, 9, ...Buffer.from('__proto__'), NULL);
    expect(() => decode(proto)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/__proto__/) }));
    const deep = withPayload(...Array.from({ length: 40 }, () => [LIST, ...u32(1)]).flat(), NULL);
    expect(() => decode(deep)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/nested deeper/) }));
    // The writer itself carries both as JSON text.
    const nested: unknown[] = [];
    let at = nested;
    for (let i = 0; i < 40; i++) at.push((at = []));
    expectCrossed(batch([JSON.parse('{"__proto__": {"x": 1}, "y": 2}'), nested]));
  });

  test('a batch of another frame version is refused with NOT_SUPPORTED, naming both versions', () => {
    // Version 1 was JSON payloads behind a kind byte of 0 or 1.
    const old = Uint8Array.from(encodeFrames(batch([1])));
    for (const first of [0, 1]) {
      old[0] = first;
      expect(() => decode(old)).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/version 1; this node reads version 2/) }));
    }
    old[0] = FRAME_VERSION + 1;
    expect(() => decode(old)).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
  });
});
