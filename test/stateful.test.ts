import type { MessageEnvelope } from '../common/envelope';
import { encodeMessage } from '../gateway/encode';
import { Identifier } from '../router/identifier';
import { EnvelopeRecorder, ManualClock, ProviderScript } from '../testkit';
import { startService } from './support/service';

/**
 * A stateful stream as a provider keeps one: the state is a small key → value book, each
 * message a change of one key, applied and emitted in the same synchronous step.
 */
class Book {
  readonly levels = new Map<string, number>();
  constructor(
    readonly script: ProviderScript,
    readonly stream: string,
  ) {}

  mark(): void {
    this.script.stateful(this.stream, () => ({ levels: Object.fromEntries(this.levels) }));
  }

  change(key: string, value: number): void {
    if (value === 0) this.levels.delete(key);
    else this.levels.set(key, value);
    this.script.emit(this.stream, { key, value });
  }
}

/** What a client rebuilds: the first message must be the state, then every change in order. */
function rebuild(messages: readonly MessageEnvelope[]): { levels: Map<string, number>; problems: string[] } {
  const problems: string[] = [];
  const levels = new Map<string, number>();
  let seq: number | undefined;
  for (const msg of messages) {
    if (msg.state === true) {
      if (seq !== undefined) problems.push(`state at seq ${msg.seq} after seq ${seq}`);
      for (const [k, v] of Object.entries((msg.payload as { levels: Record<string, number> }).levels)) levels.set(k, v);
      seq = msg.seq;
      continue;
    }
    if (seq !== undefined && msg.seq !== seq + 1) problems.push(`seq ${msg.seq} after ${seq}`);
    seq = msg.seq;
    const { key, value } = msg.payload as { key: string; value: number };
    if (value === 0) levels.delete(key);
    else levels.set(key, value);
  }
  return { levels, problems };
}

async function setup() {
  const service = await startService({ sessionDefaults: { outBuffer: 100_000 } });
  const script = new ProviderScript();
  script.catalogue = ['a', 'b', 'c'].map((s) => Identifier.of('feed', { [s]: {}, book: {} }));
  await service.addProvider('feed', script.factory);
  const join = async (patterns: string[]) => {
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, patterns);
    return { session, recorder };
  };
  return { service, script, join };
}

const messagesOf = (recorder: EnvelopeRecorder, id: string): MessageEnvelope[] => recorder.messages.filter((m) => m.id === id);

describe('stateful streams: state on join', () => {
  test('a session joining a flowing stateful stream first gets its state, then the changes that follow it', async () => {
    const { script, join } = await setup();
    const first = await join(['feed::a.book']);
    const book = new Book(script, 'a.book');
    book.mark();
    book.change('100', 1);
    book.change('101', 2);
    await first.recorder.waitFor((r) => r.messages.length === 2);
    const second = await join(['feed::a.book']);
    book.change('100', 0);
    await second.recorder.waitFor((r) => r.messages.length === 2);
    const [state, change] = second.recorder.messages;
    expect(state).toMatchObject({ id: 'feed::a.book', seq: 2, state: true, payload: { levels: { '100': 1, '101': 2 } } });
    expect(typeof state.epoch).toBe('string');
    expect(change).toMatchObject({ seq: 3, payload: { key: '100', value: 0 } });
    expect(change.state).toBeUndefined();
    // The session that was there all along never gets a state message.
    await first.recorder.waitFor((r) => r.messages.length === 3);
    expect(first.recorder.messages.some((m) => m.state === true)).toBe(false);
  });

  test('no state for the session that starts the stream, nor for one that already receives it', async () => {
    const { service, script, join } = await setup();
    const book = new Book(script, 'a.book');
    const starter = await join(['feed::a.book']);
    book.mark();
    book.change('1', 1);
    await starter.recorder.waitFor((r) => r.messages.length === 1);
    expect(starter.recorder.messages[0].state).toBeUndefined();
    // A second pattern over a stream the session already receives: nothing extra.
    await service.configureSession(starter.session, ['feed::a.book', 'feed::*']);
    book.change('2', 2);
    await starter.recorder.waitFor((r) => r.messages.length === 2);
    expect(starter.recorder.messages.map((m) => [m.seq, m.state])).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
  });

  test('a wildcard pattern gets the state of every flowing stateful stream it covers, nothing of the others', async () => {
    const { script, join } = await setup();
    const holder = await join(['feed::a.book', 'feed::b.book', 'feed::c.book']);
    const a = new Book(script, 'a.book');
    const b = new Book(script, 'b.book');
    a.mark();
    b.mark();
    a.change('x', 1);
    b.change('y', 2);
    script.emit('c.book', { key: 'z', value: 3 });
    await holder.recorder.waitFor((r) => r.messages.length === 3);
    const joiner = await join(['feed::*']);
    await joiner.recorder.waitFor((r) => r.messages.length === 2);
    expect(joiner.recorder.messages.map((m) => [m.id, m.state, m.payload])).toEqual([
      ['feed::a.book', true, { levels: { x: 1 } }],
      ['feed::b.book', true, { levels: { y: 2 } }],
    ]);
  });

  test('a supplier without state yet gives nothing; an unmarked stream gives no state', async () => {
    const { service, script, join } = await setup();
    await join(['feed::a.book']);
    let ready = false;
    script.stateful('a.book', () => (ready ? { levels: {} } : undefined));
    script.emit('a.book', { key: 'k', value: 1 });
    const early = await join(['feed::a.book']);
    ready = true;
    const late = await join(['feed::a.book']);
    script.stateful('a.book', undefined);
    const unmarked = await join(['feed::a.book']);
    script.emit('a.book', { key: 'k', value: 2 });
    for (const r of [early, late, unmarked]) await r.recorder.waitFor((rec) => rec.messages.some((m) => m.payload !== null && (m.payload as { value?: number }).value === 2));
    expect(early.recorder.messages.map((m) => m.state === true)).toEqual([false]);
    expect(late.recorder.messages.map((m) => m.state === true)).toEqual([true, false]);
    expect(unmarked.recorder.messages.map((m) => m.state === true)).toEqual([false]);
    expect(service).toBeDefined();
  });

  test('a restarted provider starts with no stream marked: its joiners get a gap, then only what it emits', async () => {
    const clock = new ManualClock();
    const service = await startService({ clock, faultInjection: true, providerRestart: { initialBackoffMs: 10, jitter: 0 } });
    const script = new ProviderScript();
    await service.addProvider('feed', script.factory);
    const holder = await service.newSession();
    const holderRecorder = new EnvelopeRecorder((await service.attachClient(holder)).envelopes);
    await service.configureSession(holder, ['feed::a.book']);
    script.stateful('a.book', () => ({ levels: { old: 1 } }));
    script.emit('a.book', { key: 'old', value: 1 });
    await holderRecorder.waitFor((r) => r.messages.length === 1);
    await service.crash({ provider: 'feed' });
    await holderRecorder.waitFor((r) => r.notices('provider-down').length === 1);
    clock.advance(10);
    await holderRecorder.waitFor((r) => r.notices('provider-up').length === 1);
    const joiner = await service.newSession();
    const joinerRecorder = new EnvelopeRecorder((await service.attachClient(joiner)).envelopes);
    await service.configureSession(joiner, ['feed::a.book']);
    script.emit('a.book', { key: 'new', value: 2 });
    await joinerRecorder.waitFor((r) => r.messages.length === 1);
    expect(joinerRecorder.messages.map((m) => [m.seq, m.state])).toEqual([[2, undefined]]);
    expect(holderRecorder.notices('gap')).toEqual([{ type: 'notice', kind: 'gap', id: 'feed::a.book', reason: 'provider-restart' }]);
  });

  test('joins at random moments under load: every joiner rebuilds exactly the provider state', async () => {
    const { script, join } = await setup();
    const books = ['a.book', 'b.book'].map((stream) => new Book(script, stream));
    const emittedOn = new Map<string, number>();
    await join(['feed::a.book', 'feed::b.book']);
    for (const book of books) book.mark();
    // A deterministic generator, so a failure can be replayed.
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const TOTAL = 20_000;
    let emitted = 0;
    const load = (async () => {
      while (emitted < TOTAL) {
        // A burst of changes in one synchronous step, then a turn for the rest of the service.
        const burst = 1 + Math.floor(random() * 200);
        for (let i = 0; i < burst && emitted < TOTAL; i++, emitted++) {
          const book = books[Math.floor(random() * books.length)];
          book.change(String(Math.floor(random() * 50)), Math.floor(random() * 4));
          emittedOn.set(`feed::${book.stream}`, (emittedOn.get(`feed::${book.stream}`) ?? 0) + 1);
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    const choices: [string[], string[]][] = [
      [['feed::a.book'], ['feed::a.book']],
      [['feed::b.book'], ['feed::b.book']],
      [['feed::*'], ['feed::a.book', 'feed::b.book']],
      [['feed::book.*'], ['feed::a.book', 'feed::b.book']],
      [['feed::a.book', 'feed::b.book'], ['feed::a.book', 'feed::b.book']],
    ];
    const joiners: { recorder: EnvelopeRecorder; streams: string[] }[] = [];
    while (emitted < TOTAL) {
      const [patterns, streams] = choices[Math.floor(random() * choices.length)];
      joiners.push({ recorder: (await join(patterns)).recorder, streams });
      const turns = Math.floor(random() * 3);
      for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await load;
    expect(joiners.length).toBeGreaterThan(10);
    let withState = 0;
    for (const { recorder, streams } of joiners) {
      for (const id of streams) {
        const last = emittedOn.get(id) ?? 0;
        await recorder.waitFor((r) => messagesOf(r, id).at(-1)?.seq === last, 10_000, `${id} up to seq ${last}`);
        const mine = messagesOf(recorder, id);
        const { levels, problems } = rebuild(mine);
        expect(problems).toEqual([]);
        // Joined before the first change: everything from seq 1 instead of a state.
        if (mine[0].state !== true) expect(mine[0].seq).toBe(1);
        else withState++;
        expect(mine.filter((m) => m.state === true)).toHaveLength(mine[0].state === true ? 1 : 0);
        expect(Object.fromEntries(levels)).toEqual(Object.fromEntries(books.find((b) => `feed::${b.stream}` === id)!.levels));
      }
    }
    expect(withState).toBeGreaterThan(5);
  }, 60_000);
});

describe('stateful streams on the wire', () => {
  test('a state message carries "state": true, a cached one "cached": true; others neither', () => {
    const base: MessageEnvelope = { type: 'message', id: 'x::a', seq: 4, epoch: 'e', ts: 1, payload: { n: 1 } };
    expect(JSON.parse(encodeMessage({ ...base, state: true }))).toEqual({ op: 'msg', id: 'x::a', seq: 4, epoch: 'e', ts: 1, payload: { n: 1 }, state: true });
    expect(JSON.parse(encodeMessage({ ...base, cached: true }))).toEqual({ op: 'msg', id: 'x::a', seq: 4, epoch: 'e', ts: 1, payload: { n: 1 }, cached: true });
    expect(JSON.parse(encodeMessage(base))).toEqual({ op: 'msg', id: 'x::a', seq: 4, epoch: 'e', ts: 1, payload: { n: 1 } });
  });
});
