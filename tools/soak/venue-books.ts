import type { Envelope } from '../../common/envelope';
import type { BookPayload } from '../../common/market';
import type { DataService } from '../../data-service';
import { BybitProvider } from '../../providers/bybit';
import { parseIdentifier } from '../../router/identifier';
import { BookReplica } from '../../testkit/book-replica';
import { FakeBybit } from '../../test/support/fake-bybit';
import { InBandBooks } from '../../test/support/fake-inband-books';

const SYMBOLS = ['btcusdt', 'ethusdt'] as const;
const STEP_MS = 25;
const QUIET_CHECK_MS = 5_000;

/** The book streams the soak's clients may ask for (the venue's name is `bybit`). */
export const VENUE_BOOKS = SYMBOLS.map((s) => `bybit::${s}.book`);

/**
 * Order books from a fake venue (Bybit v5 on 127.0.0.1, the local fake the tests use, written from
 * the venue's public WebSocket docs) through the real provider, under chaos: connections dropped
 * and deltas lost or misnumbered at random. One audit session outside the chaos rebuilds each book
 * from what it receives and checks: never crossed, no change before a snapshot, a `resync`
 * snapshot after every `gap` before any change, and at quiet points (the venue held still until
 * the deltas in flight landed) equal to the venue's book.
 */
export class VenueBooks {
  readonly books = new InBandBooks('bybit', SYMBOLS, 7);
  breaks = 0;
  drops = 0;
  quietChecks = 0;
  /** Quiet points given up because a gap came while waiting (the book was resyncing). */
  quietSkipped = 0;
  readonly violations: string[] = [];
  private readonly replicas = new Map<string, { replica: BookReplica; broken: boolean; resyncs: number; gaps: number }>();
  private stepper: ReturnType<typeof setInterval> | undefined;
  private paused = false;
  private lastQuiet = Date.now();
  private checking = false;

  private constructor(readonly fake: FakeBybit) {
    this.books.publisher = { publishDelta: (name, symbol, d) => fake.publish(name, 'delta', { s: symbol.toUpperCase(), b: d.bids, a: d.asks, u: d.first, seq: d.seq }) };
  }

  static async start(service: DataService): Promise<VenueBooks> {
    let venue: VenueBooks | undefined;
    const fake = await FakeBybit.start({ symbols: SYMBOLS.map((s) => s.toUpperCase()), onSubscribed: (topic, c) => {
      const text = venue?.books.snapshotFor(topic);
      if (text !== undefined) c.send(text);
    } });
    venue = new VenueBooks(fake);
    await service.addProvider('bybit', () => new BybitProvider({ baseUrl: fake.url, symbols: [...SYMBOLS], pingIntervalMs: 1_000, staleTimeoutMs: 5_000 }));
    venue.stepper = setInterval(() => venue!.tick(), STEP_MS);
    return venue;
  }

  /** The audit session: outside the chaos, a buffer that never overflows. */
  async audit(service: DataService): Promise<void> {
    for (const s of SYMBOLS) this.replicas.set(parseIdentifier(`bybit::${s}.book`).canonical, { replica: new BookReplica(), broken: false, resyncs: 0, gaps: 0 });
    const session = await service.newSession({ idleAfterMs: 0 });
    (await service.attachClient(session, { outBuffer: 1_000_000 })).envelopes.subscribe((e) => this.observe(e));
    await service.configureSession(session, VENUE_BOOKS);
  }

  /** A delta lost on the way, or numbered wrong: the book must resync. */
  breakBook(pick: number): void {
    this.breaks++;
    this.books.step(SYMBOLS[pick % SYMBOLS.length], pick % 2 === 0 ? 'lost' : 'wrong-seq');
  }

  /** Every connection to the venue dropped without a close handshake. */
  dropConnections(): void {
    this.drops++;
    for (const c of this.fake.open) c.drop();
  }

  get gaps(): number {
    return [...this.replicas.values()].reduce((n, r) => n + r.gaps, 0);
  }

  get resyncs(): number {
    return [...this.replicas.values()].reduce((n, r) => n + r.resyncs, 0);
  }

  get crossed(): number {
    return [...this.replicas.values()].reduce((n, r) => n + r.replica.crossedSeen + r.replica.changeBeforeSnapshot, 0);
  }

  /** The final quiet point: the venue holds still until every book matches, or `timeoutMs` passes. */
  async finalCheck(timeoutMs: number): Promise<void> {
    this.paused = true;
    if (!(await this.waitEqual(timeoutMs))) this.violations.push(`after the chaos: ${this.mismatch()}`);
    else this.quietChecks++;
  }

  async stop(): Promise<void> {
    if (this.stepper !== undefined) clearInterval(this.stepper);
    await this.fake.close();
  }

  private tick(): void {
    if (this.paused) return;
    for (const s of SYMBOLS) this.books.step(s);
    if (!this.checking && Date.now() - this.lastQuiet > QUIET_CHECK_MS) void this.quietPoint();
  }

  /** Holds the venue still until the books match; a gap meanwhile means a resync is under way: skipped. */
  private async quietPoint(): Promise<void> {
    this.checking = true;
    this.paused = true;
    const gaps = this.gaps;
    const equal = await this.waitEqual(2_000);
    if (equal) this.quietChecks++;
    else if (this.gaps !== gaps || [...this.replicas.values()].some((r) => r.broken)) this.quietSkipped++;
    else this.violations.push(`quiet point: ${this.mismatch()}`);
    this.lastQuiet = Date.now();
    this.paused = false;
    this.checking = false;
  }

  private async waitEqual(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.equal()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  private equal(): boolean {
    return SYMBOLS.every((s) => JSON.stringify(this.replicas.get(parseIdentifier(`bybit::${s}.book`).canonical)?.replica.levels()) === JSON.stringify(this.books.levels(s)));
  }

  private mismatch(): string {
    return SYMBOLS.filter((s) => JSON.stringify(this.replicas.get(parseIdentifier(`bybit::${s}.book`).canonical)?.replica.levels()) !== JSON.stringify(this.books.levels(s)))
      .map((s) => `${s} book differs from the venue's`)
      .join(', ');
  }

  private observe(e: Envelope): void {
    if (e.type === 'notice') {
      if (e.kind === 'gap') {
        const r = this.replicas.get(e.id);
        if (r !== undefined) {
          r.gaps++;
          r.broken = true;
        }
      } else if (e.kind === 'dropped' || e.kind === 'disconnected') this.violations.push(`the audit session lost messages (${e.kind})`);
      return;
    }
    const r = this.replicas.get(e.id);
    if (r === undefined) return;
    const payload = e.payload as unknown as BookPayload;
    if (r.broken) {
      if (payload.type === 'change') {
        if (this.violations.length < 10) this.violations.push(`${e.id} seq ${e.seq}: a change after a gap, before the resync snapshot`);
        return;
      }
      r.broken = false;
      r.resyncs++;
    }
    const before = r.replica.crossedSeen + r.replica.changeBeforeSnapshot;
    r.replica.apply(payload);
    if (r.replica.crossedSeen + r.replica.changeBeforeSnapshot > before && this.violations.length < 10) {
      this.violations.push(`${e.id} seq ${e.seq}${e.state === true ? ' (state)' : ''}: ${r.replica.crossedSeen > 0 ? 'crossed' : 'a change before any snapshot'} after ${payload.type}`);
    }
  }
}
