import fc from 'fast-check';
import type { JsonValue } from '../common/json';
import { parseIdentifier } from '../router/identifier';
import { stopRigs, waitFor } from './support/binance-context';
import { invalidPayload, VENUES, type FuzzRig, type FuzzVenue, type Path, type Sample, type Target } from './support/venue-fuzz';

// Hostile venue frames through the real provider over a socket from the local fake venue (each
// fake follows its venue's public WebSocket docs): text that is not JSON, JSON of the wrong
// shape, a required number that is negative, zero, NaN, hex or beyond a double, huge finite
// numbers, levels in any order, a 1 MB frame, a stream nobody asked for. After each frame a valid
// sentinel trade on the same connection must still come through. Nothing fails the provider,
// nothing emitted breaks the schema, and every frame refused is counted, exactly once.

/** Frames per venue are about runs × 4; `FUZZ_RUNS=2000 npx jest test/fuzz-venues` for a long hunt. */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 25);

type Expect = 'refused' | 'accepted' | 'either';
interface Fuzzed {
  readonly kind: Target['kind'];
  readonly id: string;
  readonly stream: string;
  readonly text: string;
  readonly expect: Expect;
  readonly what: string;
}

const BAD_POSITIVE: JsonValue[] = ['-1', '-0.0001', '0', '0.0', 'NaN', 'Infinity', '-Infinity', '1e400', '', ' 1', '1 ', '1,5', '0x10', '0b1', '+-1', -2, 0, null, true, {}, [], 'abc'];
const BAD_SIZE = BAD_POSITIVE.filter((v) => v !== '0' && v !== '0.0' && v !== 0);
const HUGE: JsonValue[] = ['1e300', '123456789012345678901234567890', 1e300, '0.000000000000000000001', '5e-324'];

const bad = (values: JsonValue[], s: Sample): JsonValue[] => (s.blankIsAbsent ? values.filter((v) => v !== '') : values);

function setAt(value: JsonValue, path: Path, to: JsonValue | undefined): JsonValue {
  const copy = structuredClone(value) as Record<string | number, JsonValue>;
  let at: Record<string | number, JsonValue> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, JsonValue>;
  const last = path[path.length - 1];
  if (to !== undefined) at[last] = to;
  else if (Array.isArray(at)) at.splice(last as number, 1);
  else delete at[last];
  return copy;
}

/** Every array in the frame reversed (levels, batches): order is the venue's business, validity ours. */
function reversed(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(reversed).reverse();
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reversed(v)]));
  return value;
}

/** The frame with the field that names its stream changed, so no subscription matches it. */
function renamed(value: JsonValue): JsonValue {
  const v = value as Record<string, JsonValue>;
  if (typeof v.stream === 'string') return { ...v, stream: `x${v.stream}` };
  if (typeof v.topic === 'string') return { ...v, topic: `${v.topic}X` };
  const arg = v.arg as Record<string, JsonValue>;
  return { ...v, arg: arg.instId !== undefined ? { ...arg, instId: `X${String(arg.instId)}` } : { ...arg, instType: 'FUTURES' } };
}

function fuzzed(target: Target): fc.Arbitrary<Fuzzed> {
  const of = (sample: fc.Arbitrary<Sample>, f: (s: Sample) => fc.Arbitrary<Omit<Fuzzed, 'kind' | 'id' | 'stream'>>): fc.Arbitrary<Fuzzed> => sample.chain(f).map((x) => ({ ...x, kind: target.kind, id: target.id, stream: target.stream }));
  const text = (s: Sample): string => JSON.stringify(s.value);
  return fc.oneof(
    of(target.sample, (s) => fc.constant({ text: text(s), expect: 'accepted' as const, what: 'valid' })),
    of(target.sample, (s) => fc.nat({ max: text(s).length - 1 }).map((n) => ({ text: text(s).slice(0, n), expect: 'refused' as const, what: 'truncated' }))),
    of(target.sample, () => fc.oneof(fc.string().map((t) => `~${t}`), fc.constantFrom('[]', '7', 'null', '"x"', '{}', '[{}]')).map((t) => ({ text: t, expect: 'refused' as const, what: 'not a frame' }))),
    of(target.sample, (s) =>
      fc.tuple(fc.constantFrom(...s.positive), fc.constantFrom(...bad(BAD_POSITIVE, s))).map(([path, bad]) => ({ text: JSON.stringify(setAt(s.value, path, bad)), expect: 'refused' as const, what: `${path.join('.')}=${JSON.stringify(bad)}` })),
    ),
    of(target.sample, (s) =>
      s.sizes.length === 0
        ? fc.constant({ text: text(s), expect: 'accepted' as const, what: 'valid' })
        : fc.tuple(fc.constantFrom(...s.sizes), fc.constantFrom(...bad(BAD_SIZE, s))).map(([path, bad]) => ({ text: JSON.stringify(setAt(s.value, path, bad)), expect: 'refused' as const, what: `${path.join('.')}=${JSON.stringify(bad)}` })),
    ),
    of(target.sample, (s) => fc.tuple(fc.constantFrom(...s.positive, ...s.sizes), fc.constantFrom(...HUGE)).map(([path, huge]) => ({ text: JSON.stringify(setAt(s.value, path, huge)), expect: 'either' as const, what: `huge ${path.join('.')}` }))),
    of(target.sample, (s) => fc.constantFrom(...s.positive, ...s.sizes).map((path) => ({ text: JSON.stringify(setAt(s.value, path, undefined)), expect: 'either' as const, what: `no ${path.join('.')}` }))),
    of(target.sample, (s) => fc.constant({ text: JSON.stringify(reversed(s.value)), expect: 'either' as const, what: 'reversed' })),
    of(target.sample, (s) => fc.constant({ text: JSON.stringify(renamed(s.value)), expect: 'refused' as const, what: 'unknown stream' })),
    of(target.sample, (s) => fc.constant({ text: JSON.stringify({ ...(s.value as object), pad: 'x'.repeat(1 << 20) }), expect: 'accepted' as const, what: '1 MB frame' })),
  );
}

const refusals = (rig: FuzzRig): number => {
  const s = rig.provider.stats();
  return s.malformedFrames + s.unmappableMessages + s.unknownStreamFrames;
};

/** Per venue: the rig, and how many sentinels each sentinel stream has carried. */
class Session {
  private readonly sent = new Map<string, number>();
  constructor(
    readonly venue: FuzzVenue,
    readonly rig: FuzzRig,
  ) {}

  /** Sends a sentinel behind whatever was sent on `stream`'s connection and waits for it. */
  async settle(stream: string): Promise<void> {
    const probe = this.venue.sentinel(stream, 0);
    const n = (this.sent.get(probe.id) ?? 0) + 1;
    this.sent.set(probe.id, n);
    const sentinel = this.venue.sentinel(stream, n);
    expect(this.rig.send(sentinel.stream, sentinel.text)).toBe(1);
    await waitFor(() => this.rig.ctx.payloadsOf(sentinel.id).length >= n, `${this.venue.name} sentinel ${n}`);
  }

  /** One frame: sent, settled, and judged. */
  async check(f: Fuzzed): Promise<void> {
    const { ctx } = this.rig;
    const before = refusals(this.rig);
    const from = ctx.emits.length;
    const on = this.rig.send(f.stream, f.text);
    expect(on).toBe(1);
    await this.settle(f.stream);
    const mine = ctx.emits.slice(from).filter((e) => e.id === f.id);
    for (const e of mine) expect([f.what, invalidPayload(f.kind, e.payload, e.eventTs)]).toEqual([f.what, undefined]);
    const refused = refusals(this.rig) - before;
    if (f.expect === 'refused') expect([f.what, refused, mine.length]).toEqual([f.what, 1, 0]);
    if (f.expect === 'accepted') expect([f.what, refused]).toEqual([f.what, 0]);
    if (f.expect === 'either') expect([f.what, refused === 1 ? mine.length : refused]).toEqual([f.what, 0]);
    expect(ctx.failures).toEqual([]);
  }
}

async function session(venue: FuzzVenue): Promise<Session> {
  const rig = await venue.start();
  expect(await rig.provider.subscribe(venue.ids.map(parseIdentifier))).toEqual({});
  const s = new Session(venue, rig);
  for (const t of venue.targets) await s.settle(t.stream);
  return s;
}

describe.each(VENUES.map((v) => [v.name, v] as const))('%s frames, fuzzed through the provider', (_name, venue) => {
  afterEach(stopRigs);

  it('refuses and counts every bad frame, emits only valid messages, and keeps delivering', async () => {
    const s = await session(venue);
    const frames = fc.array(fc.oneof(...venue.targets.map(fuzzed)), { minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(frames, async (batch) => {
        for (const f of batch) await s.check(f);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(s.rig.ctx.gaps).toEqual([]);
  });

  it('replaces a connection that took the subscribe and then went silent, telling every stream', async () => {
    const s = await session(venue);
    s.rig.mute();
    s.rig.jump(5_000);
    await waitFor(() => venue.ids.every((id) => s.rig.ctx.gaps.some((g) => g.id === id)), 'a gap on every stream');
    expect(s.rig.provider.stats().staleReplacements).toBeGreaterThanOrEqual(1);
    // Back on a fresh connection, resubscribed: the sentinels come through again.
    for (const t of venue.targets) {
      await waitFor(() => s.rig.send(venue.sentinel(t.stream, 0).stream, '{}') === 1, 'resubscribed', 10_000);
      await s.settle(t.stream);
    }
    expect(s.rig.ctx.failures).toEqual([]);
  });
});
