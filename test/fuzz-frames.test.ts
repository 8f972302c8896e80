import fc from 'fast-check';
import { ERROR_CODES } from '../common/errors';
import { OVERFLOW_POLICIES } from '../common/service-types';
import { MAX_FRAME_DEPTH, parseClientFrame, type ClientFrame, type ParseResult } from '../gateway/frames';
import { startHarness, type Harness } from './support/gateway-harness';
import { guardPrototypes } from './support/prototype-guard';

// The frame parser on hostile text: anything at all, valid frames with one field swapped for a
// value of any type, forbidden keys spliced into every object of a frame, deep nesting. It
// never throws; a refused frame says "bad frame"; an accepted one has exactly the right types.
// Then the same frames over a real socket: only answers with stable codes come back.

/** Runs per property; `FUZZ_RUNS=100000 npx jest test/fuzz-` for a long hunt. */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 400);

/** JSON values without the keys the gateway refuses anywhere (tested on their own below). */
const json = fc.jsonValue({ maxDepth: 4 }).filter((value) => !/"(__proto__|constructor|prototype)":/.test(JSON.stringify(value)));
const ref = fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', '\0', '\u200b', '\u{1F680}', ':', '.', '[', '*'), maxLength: 12 }),
  fc.constantFrom('local::a', 'local::\u{1F680}.x[k=\u200b]', 'synthetic::btcusdt.ticks', 'synthetic::*', 'SYNTHETIC::ticks[*].*', 'nowhere::a'),
);

/** One valid frame of every op, with fuzzed contents. */
const validFrame: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ op: fc.constant('session.create'), idleAfterMs: fc.integer() }, { requiredKeys: ['op'] }),
  fc.record({ op: fc.constant('session.attach'), sessionId: text.filter((s) => s !== ''), outBuffer: fc.integer({ min: 1 }), overflow: fc.constantFrom(...OVERFLOW_POLICIES) }, { requiredKeys: ['op', 'sessionId'] }),
  fc.record({ op: fc.constant('session.configure'), patterns: fc.array(text) }),
  fc.record({ op: fc.constantFrom('session.detach', 'session.close', 'stats') }),
  fc.record({ op: fc.constant('publish'), id: text.filter((s) => s !== ''), payload: json }),
  fc.record({ op: fc.constant('request'), id: text.filter((s) => s !== ''), body: json }, { requiredKeys: ['op', 'id'] }),
  fc.record({ op: fc.constant('explain'), pattern: text.filter((s) => s !== '') }),
);

const FIELDS = ['op', 'ref', 'idleAfterMs', 'sessionId', 'outBuffer', 'overflow', 'patterns', 'id', 'payload', 'body', 'pattern'];
/** Any JSON value, including the awkward ones for a typed field. */
const anyValue = fc.oneof(json, fc.constantFrom<unknown>(null, true, '', -1, 0, 1.5, 2 ** 60, [], {}, [null], ['a', 1], 'drop-newest'));

/** A valid frame with one field (present or not) set to any value, or removed. */
const mutatedFrame = fc.tuple(validFrame, fc.constantFrom(...FIELDS), fc.option(anyValue, { nil: undefined }), fc.option(ref, { nil: undefined })).map(([frame, field, value, r]) => {
  const out: Record<string, unknown> = { ...frame, ...(r === undefined ? {} : { ref: r }) };
  if (value === undefined) delete out[field];
  else out[field] = value;
  return JSON.stringify(out);
});

const isRef = (value: unknown) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
const isText = (value: unknown) => typeof value === 'string' && value.length > 0;
const isInt = (value: unknown, min = Number.MIN_SAFE_INTEGER) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** Every field of an accepted frame has its declared type, and nothing else was carried over. */
function wellTyped(frame: ClientFrame): boolean {
  const f = frame as unknown as Record<string, unknown>;
  const allowed: Record<ClientFrame['op'], string[]> = {
    'session.create': ['idleAfterMs'],
    'session.attach': ['sessionId', 'outBuffer', 'overflow'],
    'session.configure': ['patterns'],
    'session.detach': [],
    'session.close': [],
    stats: [],
    publish: ['id', 'payload'],
    request: ['id', 'body'],
    explain: ['pattern'],
  };
  if (!(frame.op in allowed)) return false;
  if (Object.keys(f).some((k) => k !== 'op' && k !== 'ref' && !allowed[frame.op].includes(k))) return false;
  if (f.ref !== undefined && !isRef(f.ref)) return false;
  switch (frame.op) {
    case 'session.create':
      return frame.idleAfterMs === undefined || isInt(frame.idleAfterMs);
    case 'session.attach':
      return isText(frame.sessionId) && (frame.outBuffer === undefined || isInt(frame.outBuffer, 1)) && (frame.overflow === undefined || OVERFLOW_POLICIES.includes(frame.overflow));
    case 'session.configure':
      return Array.isArray(frame.patterns) && frame.patterns.every((p) => typeof p === 'string');
    case 'publish':
      return isText(frame.id) && frame.payload !== undefined;
    case 'request':
      return isText(frame.id) && frame.body !== undefined;
    case 'explain':
      return isText(frame.pattern);
    default:
      return true;
  }
}

function check(input: string): ParseResult {
  const result = parseClientFrame(input);
  if (result.ok) expect(wellTyped(result.frame)).toBe(true);
  else {
    expect(result.message).toMatch(/^bad frame: /);
    expect(result.message.length).toBeLessThan(300);
    if (result.ref !== undefined) expect(isRef(result.ref)).toBe(true);
  }
  return result;
}

/** Inserts `member` as the first member of the n-th object in `text` (JSON from JSON.stringify). */
function spliceIntoObject(text: string, n: number, member: string): string {
  const opens: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') opens.push(i);
  }
  const at = opens[n % opens.length] + 1;
  return text.slice(0, at) + member + (text[at] === '}' ? '' : ',') + text.slice(at);
}

const POISON = [
  '"__proto__":{"polluted":1}',
  '"constructor":{"prototype":{"polluted":1}}',
  '"prototype":{"polluted":1}',
  '"\\u005f_proto__":{"polluted":1}',
  '"\\u0063onstructor":{"prototype":{"polluted":1}}',
  '"__pro\\u0074o__":[{"polluted":1}]',
];

guardPrototypes();

describe('parseClientFrame never throws', () => {
  test.each([
    ['arbitrary UTF-16 text', fc.string({ unit: 'binary', maxLength: 200 })],
    ['arbitrary JSON', fc.json({ maxDepth: 5 })],
    ['valid frames', validFrame.map((f) => JSON.stringify(f))],
    ['frames with one field of any type, or missing', mutatedFrame],
  ])('%s', (_what, arb) => {
    fc.assert(fc.property(arb, (input) => void check(input)), { numRuns: NUM_RUNS });
  });

  test('valid frames are accepted, with their ref', () => {
    fc.assert(
      fc.property(validFrame, ref, (frame, r) => {
        const result = check(JSON.stringify({ ...frame, ref: r }));
        expect(result).toMatchObject({ ok: true, frame: { op: frame.op, ref: r } });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a field of the wrong type is named in the message', () => {
    expect(parseClientFrame('{"op":"session.attach","sessionId":7,"ref":"a"}')).toEqual({ ok: false, message: 'bad frame: "sessionId" must be a non-empty string', ref: 'a' });
    expect(parseClientFrame('{"op":"session.configure","patterns":["a",{}]}')).toMatchObject({ ok: false, message: expect.stringContaining('"patterns"') });
    expect(parseClientFrame('{"op":"session.create","idleAfterMs":1e400}')).toMatchObject({ ok: false, message: expect.stringContaining('"idleAfterMs"') });
  });
});

describe('forbidden keys anywhere in a frame', () => {
  test('spliced into any object of any frame (payloads and bodies included): refused, ref echoed', () => {
    const arb = fc.tuple(validFrame, fc.nat(), fc.constantFrom(...POISON), ref);
    fc.assert(
      fc.property(arb, ([frame, n, member, r]) => {
        const result = check(spliceIntoObject(JSON.stringify({ ref: r, ...frame }), n, member));
        expect(result).toMatchObject({ ok: false, message: expect.stringContaining('is not allowed') });
        // The ref can only be read back when the poison is not at the top level before it.
        if (result.ok === false && result.ref !== undefined) expect(result.ref).toBe(r);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the same words as values, or inside other keys, are fine', () => {
    const result = parseClientFrame('{"op":"publish","id":"local::a","payload":{"text":"__proto__ constructor prototype","my__proto__":1,"\\u0041":2}}');
    expect(result).toMatchObject({ ok: true, frame: { payload: { text: '__proto__ constructor prototype', my__proto__: 1, A: 2 } } });
  });
});

const deep = (depth: number, kind: 'array' | 'object') => (kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

describe('deep nesting', () => {
  const SLOTS = ['payload', 'body', 'patterns', 'ref', 'sessionId', 'extra'];

  test('beyond the limit, anywhere: a clean BAD_REQUEST, even 100k levels', () => {
    const arb = fc.tuple(fc.oneof(fc.integer({ min: MAX_FRAME_DEPTH, max: 2_000 }), fc.constantFrom(100_000, 250_000)), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.constantFrom(...SLOTS));
    fc.assert(
      fc.property(arb, ([depth, kind, slot]) => {
        const result = check(`{"op":"publish","id":"local::a","payload":1,"${slot}":${deep(depth, kind)}}`);
        expect(result).toEqual({ ok: false, message: `bad frame: JSON nested deeper than ${MAX_FRAME_DEPTH} levels` });
      }),
      { numRuns: 60 },
    );
  });

  test('at the limit, accepted; brackets inside strings do not count', () => {
    const atLimit = `{"op":"publish","id":"local::a","payload":${deep(MAX_FRAME_DEPTH - 1, 'array')}}`;
    expect(parseClientFrame(atLimit)).toMatchObject({ ok: true });
    expect(parseClientFrame(`{"op":"publish","id":"local::a","payload":"${'[{'.repeat(5_000)}\\"]"}`)).toMatchObject({ ok: true });
    expect(parseClientFrame(deep(100_000, 'array'))).toMatchObject({ ok: false });
  });
});

describe('over a real socket', () => {
  let h: Harness;
  // No rate limits here, so that every frame the parser accepts reaches the service.
  beforeAll(async () => (h = await startHarness({ gateway: { maxOpsPerSecond: 0, maxPublishesPerSecond: 0 } })));
  afterAll(() => h.stop());

  test('whatever is sent, every error carries a stable code, never INTERNAL, and the socket stays open', async () => {
    const { socket } = await h.subscriber(['synthetic::btcusdt.ticks']);
    const poisoned = fc.tuple(validFrame, fc.nat(), fc.constantFrom(...POISON)).map(([f, n, member]) => spliceIntoObject(JSON.stringify(f), n, member));
    const tooDeep = fc.tuple(fc.integer({ min: MAX_FRAME_DEPTH, max: 100_000 }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => `{"op":"publish","id":"local::a","payload":${deep(d, k)}}`);
    const arb = fc.oneof(mutatedFrame, validFrame.map((f) => JSON.stringify(f)), poisoned, tooDeep, fc.string({ unit: 'binary', maxLength: 100 }));
    await fc.assert(
      fc.asyncProperty(arb, async (input) => {
        socket.send(input);
        // Ordered after any session op the input was; a slow service shows up as a timeout here.
        expect(await socket.ask({ op: 'explain', pattern: 'synthetic::ticks.*' })).toMatchObject({ op: 'explained' });
      }),
      { numRuns: Math.min(NUM_RUNS, 200) },
    );
    // Publishes are not ordered with explain; one that is sure to fail marks the end of them
    // (refused as forbidden, or as not attached if a fuzzed frame detached the socket).
    const last = await socket.ask({ op: 'publish', id: 'synthetic::btcusdt.ticks', payload: 0 });
    expect(['FORBIDDEN_NAMESPACE', 'CLIENT_NOT_ATTACHED']).toContain(last.code);
    const codes = socket.frames.filter((f) => f.op === 'error' || (f.op === 'reply' && f.ok === false)).map((f) => f.code);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(ERROR_CODES).toContain(code);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(await socket.ask({ op: 'stats' })).toMatchObject({ op: 'stats' });
  });
});
