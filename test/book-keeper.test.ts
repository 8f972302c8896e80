import fc from 'fast-check';
import { KeeperHarness } from './support/keeper-harness';
import type { Venue } from './support/book-feeds';

const VENUES: Venue[] = ['binance', 'bybit', 'okx'];

type Action = 'step' | 'skip' | 'dup' | 'garbage' | 'crossed' | 'badChecksum' | 'reconnect' | 'time' | 'respond' | 'staleSnapshot';

const actions = fc.array(
  fc.oneof(
    { weight: 30, arbitrary: fc.constant<Action>('step') },
    { weight: 4, arbitrary: fc.constantFrom<Action>('time', 'respond') },
    { weight: 3, arbitrary: fc.constantFrom<Action>('skip', 'dup', 'garbage', 'crossed', 'badChecksum', 'reconnect', 'staleSnapshot') },
  ),
  { minLength: 40, maxLength: 200, size: 'max' },
);

/** Runs one action; returns whether the client may now be behind without knowing it yet. */
function run(h: KeeperHarness, action: Action, ancient: ReturnType<KeeperHarness['feed']['snapshot']>): boolean {
  switch (action) {
    case 'step':
      h.step();
      return false;
    case 'skip':
      h.step(false);
      return true;
    case 'dup':
      if (h.last) h.deliver(h.last);
      return false;
    case 'garbage': {
      const d = h.feed.step();
      h.deliver({ ...d, bids: [['NaN', '1'], ...d.bids] });
      return true;
    }
    case 'crossed': {
      // A delta that puts a bid above the best ask: the venue's book never is, so it is corrupt.
      const d = h.feed.step();
      const ask = h.feed.book.snapshot(1).asks[0];
      h.deliver({ ...d, bids: [...d.bids, [String(Number(ask[0]) + 1), '1']] });
      return true;
    }
    case 'badChecksum': {
      const d = h.feed.step();
      h.deliver({ ...d, checksum: h.venue === 'okx' ? d.checksum + 1 : d.checksum, bids: h.venue === 'okx' ? d.bids : [['NaN', '1']] });
      return true;
    }
    case 'reconnect':
      h.reconnect();
      return false;
    case 'time':
      h.advance(50);
      return false;
    case 'respond':
      h.respond();
      return false;
    case 'staleSnapshot':
      // A REST answer older than the deltas held since the request (Binance only: the others' snapshots are in-band).
      if (!h.outOfBand || h.pending.length === 0) return false;
      h.respond(ancient);
      return true;
  }
}

describe.each(VENUES)('%s book keeper', (venue) => {
  it('a client taking the first snapshot and every change holds the venue book, through any breaks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), actions, (seed, list) => {
        const h = new KeeperHarness(venue, seed);
        const ancient = h.feed.snapshot();
        for (let i = 0; i < 5; i++) h.step(false);
        h.start();
        let behind = false;
        for (const action of list) {
          const mayBeBehind = run(h, action, ancient);
          // A lost or corrupt message is found at the latest by the next delta; until then the client may lag.
          if (mayBeBehind) behind = true;
          else if (action === 'step') behind = false;
          if (h.keeper.live && !behind) expect(h.equal()).toBe(true);
          expect(h.replica.crossedSeen).toBe(0);
        }
        h.step(); // a loss at the very end shows on the next delta
        h.heal();
        expect(h.keeper.live).toBe(true);
        h.step();
        expect(h.equal()).toBe(true);
        // The stream's contract: a snapshot first, and after every gap a resync snapshot before any change.
        expect(h.seen[0]).toBe('snapshot');
        expect(h.replica.changeBeforeSnapshot).toBe(0);
        for (let i = 0; i < h.seen.length; i++) if (h.seen[i] === 'gap') expect(h.seen.slice(i + 1).find((s) => s !== 'gap')).toBe('resync');
        expect(h.seen.filter((s) => s === 'resync').length).toBe(h.gaps.length);
        expect(h.counters.resyncs).toBeGreaterThanOrEqual(h.gaps.length);
      }),
      { numRuns: 40 },
    );
  });

  it('resyncs on a lost delta, announces it, and comes back with resync: true', () => {
    const h = new KeeperHarness(venue, 7);
    h.start();
    h.respond();
    expect(h.keeper.live).toBe(true);
    for (let i = 0; i < 5; i++) h.step();
    h.step(false);
    h.step();
    expect(h.gaps).toEqual([expect.stringMatching(/^book resync \(sequence\)/)]);
    expect(h.keeper.live).toBe(false);
    h.heal();
    expect(h.payloads.at(-1)).toMatchObject({ type: 'snapshot', resync: true });
    expect(h.equal()).toBe(true);
    expect(h.counters.resyncsBy.sequence).toBe(1);
  });

  it('backs off while the venue keeps breaking the book, and starts over once it is stable', () => {
    const h = new KeeperHarness(venue, 9);
    h.start();
    h.respond();
    const requestsAfter = (ms: number): number => {
      const before = h.pending.length;
      h.advance(ms);
      return h.pending.length - before;
    };
    const breakIt = (): void => {
      h.step(false);
      h.step();
    };
    breakIt();
    expect(requestsAfter(0)).toBe(1); // the first resync is immediate
    h.respond();
    breakIt();
    expect(requestsAfter(9)).toBe(0);
    expect(requestsAfter(1)).toBe(1); // then 10 ms
    h.respond();
    breakIt();
    expect(requestsAfter(19)).toBe(0);
    expect(requestsAfter(1)).toBe(1); // 20 ms
    expect(h.counters.delayedResyncs).toBe(2);
    h.respond();
    h.advance(1000); // stable for stableMs
    breakIt();
    expect(requestsAfter(0)).toBe(1);
  });

  it('a reconnect drops the book with a gap and resyncs', () => {
    const h = new KeeperHarness(venue, 11);
    h.start();
    h.respond();
    h.step();
    h.reconnect();
    expect(h.gaps).toEqual([expect.stringMatching(/reconnect/)]);
    expect(h.keeper.current()).toBeUndefined();
    h.heal();
    expect(h.payloads.at(-1)).toMatchObject({ type: 'snapshot', resync: true });
    expect(h.equal()).toBe(true);
    expect(h.counters.resyncsBy.reconnect).toBe(1);
  });

  it('gives a joiner the current book, equal to what the stream built', () => {
    const h = new KeeperHarness(venue, 13);
    expect(h.keeper.current()).toBeUndefined();
    h.start();
    h.respond();
    for (let i = 0; i < 20; i++) h.step();
    const state = h.keeper.current();
    expect(state?.type).toBe('snapshot');
    expect({ bids: state?.bids, asks: state?.asks }).toEqual(h.replica.levels());
  });
});

describe('binance specifics', () => {
  it('buffers deltas while the REST snapshot loads and applies them on top (slow snapshot)', () => {
    const h = new KeeperHarness('binance', 21);
    h.start();
    expect(h.pending).toHaveLength(1); // asked at once; the answer is the book at the time of asking
    for (let i = 0; i < 30; i++) h.step();
    expect(h.payloads).toHaveLength(0);
    h.respond();
    expect(h.payloads).toHaveLength(1);
    expect(h.equal()).toBe(true);
    expect(h.counters.bufferedDeltas).toBe(30);
  });

  it('refetches when the snapshot is older than the buffered deltas, keeping them', () => {
    const h = new KeeperHarness('binance', 23);
    const ancient = h.feed.snapshot();
    for (let i = 0; i < 3; i++) h.step(false);
    h.start();
    for (let i = 0; i < 5; i++) h.step();
    h.respond(ancient);
    expect(h.keeper.live).toBe(false);
    expect(h.gaps).toEqual([]); // never live: nothing to announce
    expect(h.counters.resyncsBy['stale-snapshot']).toBe(1);
    h.heal();
    expect(h.payloads).toHaveLength(1);
    expect(h.payloads[0]).toMatchObject({ type: 'snapshot' });
    expect(h.payloads[0]).not.toHaveProperty('resync');
    expect(h.equal()).toBe(true);
  });

  it('ignores the answer to a request made before a reconnect (reconnect mid-snapshot)', () => {
    const h = new KeeperHarness('binance', 25);
    h.start();
    const early = h.pending.splice(0);
    h.step();
    h.reconnect();
    h.deliverSnapshot(early[0].snapshot!, early[0].ticket);
    expect(h.counters.lateSnapshots).toBe(1);
    expect(h.keeper.live).toBe(false);
    h.heal();
    expect(h.equal()).toBe(true);
  });

  it('bounds the buffer and counts what it drops', () => {
    const h = new KeeperHarness('binance', 27);
    h.start();
    for (let i = 0; i < 10_005; i++) h.step();
    expect(h.counters.bufferOverflows).toBe(5);
    h.respond(h.feed.snapshot());
    expect(h.equal()).toBe(true);
  });
});

describe('bybit specifics', () => {
  it('a new snapshot on the socket replaces the book; clients get the difference, no gap', () => {
    const h = new KeeperHarness('bybit', 31);
    h.start();
    h.respond();
    for (let i = 0; i < 10; i++) h.step(false); // the venue restarted: these never came
    h.deliverSnapshot({ ...h.feed.snapshot(), id: 1 }); // u = 1 after a venue restart
    expect(h.gaps).toEqual([]);
    expect(h.payloads.at(-1)?.type).toBe('change');
    expect(h.equal()).toBe(true);
  });

  it('drops deltas that come before the snapshot', () => {
    const h = new KeeperHarness('bybit', 33);
    h.keeper.start();
    h.step();
    expect(h.counters.deltasBeforeSnapshot).toBe(1);
  });
});

describe('okx specifics', () => {
  it('resyncs on a bad checksum, with a gap', () => {
    const h = new KeeperHarness('okx', 41);
    h.start();
    h.respond();
    const d = h.feed.step();
    h.deliver({ ...d, checksum: d.checksum ^ 1 });
    expect(h.gaps).toEqual([expect.stringMatching(/^book resync \(checksum\)/)]);
    h.heal();
    expect(h.equal()).toBe(true);
  });

  it('takes checksum 0 as none (the venue stopped computing it)', () => {
    const h = new KeeperHarness('okx', 43);
    h.start();
    h.respond();
    const d = h.feed.step();
    h.deliver({ ...d, checksum: 0 });
    expect(h.gaps).toEqual([]);
    expect(h.equal()).toBe(true);
  });
});
