import type { Envelope } from '../../common/envelope';
import type { DataService } from '../../data-service';
import { AuditedBook, type CheckCounts, type VenueBookFacts } from './book-audit';
import { startBookVenues, type SoakBookVenue } from './book-venues';

const STEP_MS = 25;
const QUIET_CHECK_MS = 5_000;
/** How long a quiet point holds the venues still for the deltas in flight to land. */
const QUIET_HOLD_MS = 2_000;

/** The venues' names: the namespaces of the book streams (their own audit, not invariant 1's). */
export const BOOK_VENUES = ['binance', 'bybit', 'okx'] as const;

/** The book streams the audit session holds, and clients may ask for. */
export const VENUE_BOOKS = ['binance::btcusdt.book', 'binance::ethusdt.book', 'bybit::btcusdt.book', 'bybit::ethusdt.book', 'okx::btc-usdt-swap.book', 'okx::eth-usdt-swap.book'];

/** What the venue books' audit found (plain data, no reference into the world). */
export interface BookFacts {
  readonly venues: readonly VenueBookFacts[];
  readonly violations: readonly string[];
}

interface VenueTally {
  breaks: number;
  drops: number;
  readonly quiet: CheckCounts;
  readonly snapshots: CheckCounts;
}

const counts = (): CheckCounts => ({ equal: 0, skipped: 0, unequal: 0 });

/**
 * Order books from the three fake venues through their real providers, under chaos: connections
 * dropped, deltas lost or misnumbered (and, on OKX, a wrong checksum) at random. One audit
 * session outside the chaos rebuilds every book (`AuditedBook`); each snapshot it receives is
 * compared with the venue's book as it was at the snapshot's event time, and every 5 s the venues
 * hold still until the deltas in flight land and every book must equal its venue's (a book whose
 * resync is under way is skipped); after the chaos the same once more. Venue-agnostic: a venue
 * only says how it is driven (`SoakBookVenue`).
 */
export class VenueBooks {
  readonly violations: string[] = [];
  private readonly tallies = new Map<string, VenueTally>();
  private readonly books: AuditedBook[] = [];
  private readonly byId = new Map<string, AuditedBook>();
  private stepper: ReturnType<typeof setInterval> | undefined;
  private paused = false;
  private lastQuiet = Date.now();
  private checking = false;
  /** Steps since the last break: a lost delta only shows when the next one arrives. */
  private sinceBreak = 0;
  /** The final check has begun: no more quiet points. */
  private final = false;

  private constructor(private readonly venues: readonly SoakBookVenue[]) {
    for (const venue of venues) {
      const tally: VenueTally = { breaks: 0, drops: 0, quiet: counts(), snapshots: counts() };
      this.tallies.set(venue.name, tally);
      for (const symbol of venue.symbols) {
        const book = new AuditedBook(venue, symbol, tally.snapshots, this.violations);
        this.books.push(book);
        this.byId.set(book.id, book);
      }
    }
  }

  static async start(service: DataService): Promise<VenueBooks> {
    const venue = new VenueBooks(await startBookVenues(service));
    venue.stepper = setInterval(() => venue.tick(), STEP_MS);
    return venue;
  }

  /** The audit session: outside the chaos, a buffer that never overflows. */
  async audit(service: DataService): Promise<void> {
    const session = await service.newSession({ idleAfterMs: 0 });
    (await service.attachClient(session, { outBuffer: 1_000_000 })).envelopes.subscribe((e) => this.observe(e));
    await service.configureSession(session, VENUE_BOOKS);
  }

  /**
   * The venues are held still (a quiet point): a break now could not show (no delta follows a
   * lost one), so the book would differ with no gap to say why. The chaos leaves them alone.
   */
  get holding(): boolean {
    return this.paused;
  }

  /** A delta of one of `venue`'s books lost on the way or altered: that book must resync. */
  breakBook(venue: string, pick: number): void {
    const v = this.venue(venue);
    this.tally(venue).breaks++;
    this.sinceBreak = 0;
    const symbol = v.symbols[pick % v.symbols.length];
    v.step(symbol, v.breaks[Math.floor(pick / v.symbols.length) % v.breaks.length]);
    this.books.find((b) => b.venue === v && b.symbol === symbol)?.record();
  }

  /** Every connection to `venue` dropped without a close handshake. */
  dropConnections(venue: string): void {
    this.tally(venue).drops++;
    this.venue(venue).drop();
  }

  facts(): BookFacts {
    return {
      venues: this.venues.map((v) => {
        const t = this.tally(v.name);
        const books = this.books.filter((b) => b.venue === v);
        const sum = (f: (b: AuditedBook) => number): number => books.reduce((n, b) => n + f(b), 0);
        return { venue: v.name, breaks: t.breaks, drops: t.drops, gaps: sum((b) => b.gaps), resyncs: sum((b) => b.resyncs), quiet: { ...t.quiet }, snapshots: { ...t.snapshots }, crossedOrEarly: sum((b) => b.crossedOrEarly) };
      }),
      violations: [...this.violations],
    };
  }

  /** The final quiet point: resyncs under way finish with the venues moving, then they hold still until every book matches. */
  async finalCheck(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Let a delta after the last break land first, so a loss just before the end shows and resyncs.
    this.final = true;
    await this.waitTicks(2);
    // An out-of-band venue's book fetches its snapshot again only once a delta comes after a reconnect.
    await this.waitFor(() => this.books.every((b) => !b.broken), deadline - Date.now());
    this.paused = true;
    await this.waitFor(() => this.books.every((b) => b.equal()), Math.max(QUIET_HOLD_MS, deadline - Date.now()));
    for (const b of this.books) {
      if (b.equal()) this.tally(b.venue.name).quiet.equal++;
      else this.unequal(b, `after the chaos: ${b.id} differs from the venue's book${b.broken ? ' (a resync never came)' : ''}`);
    }
  }

  async stop(): Promise<void> {
    if (this.stepper !== undefined) clearInterval(this.stepper);
    await Promise.all(this.venues.map((v) => v.stop()));
  }

  private venue(name: string): SoakBookVenue {
    const v = this.venues.find((x) => x.name === name);
    if (v === undefined) throw new Error(`no book venue ${name}`);
    return v;
  }

  private tally(name: string): VenueTally {
    return this.tallies.get(name)!;
  }

  private tick(): void {
    if (this.paused) return;
    for (const b of this.books) {
      b.venue.step(b.symbol);
      b.record();
    }
    this.sinceBreak++;
    if (!this.checking && !this.final && this.sinceBreak > 1 && Date.now() - this.lastQuiet > QUIET_CHECK_MS) void this.quietPoint();
  }

  /** Holds the venues still until every book matches; a book that had a gap meanwhile is resyncing: skipped. */
  private async quietPoint(): Promise<void> {
    this.checking = true;
    this.paused = true;
    const gaps = this.books.map((b) => b.gaps);
    await this.waitFor(() => this.books.every((b) => b.broken || b.equal()), QUIET_HOLD_MS);
    this.books.forEach((b, i) => {
      if (b.equal()) this.tally(b.venue.name).quiet.equal++;
      else if (b.broken || b.gaps !== gaps[i]) this.tally(b.venue.name).quiet.skipped++;
      else this.unequal(b, `quiet point: ${b.id} differs from the venue's book`);
    });
    this.lastQuiet = Date.now();
    this.paused = false;
    this.checking = false;
  }

  private unequal(b: AuditedBook, finding: string): void {
    this.tally(b.venue.name).quiet.unequal++;
    if (this.violations.length < 10) this.violations.push(finding);
  }

  private async waitTicks(n: number): Promise<void> {
    while (this.checking || this.sinceBreak < n) await new Promise((resolve) => setTimeout(resolve, STEP_MS));
  }

  /** Polls until `done` holds or `timeoutMs` passes. */
  private async waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  private observe(e: Envelope): void {
    if (e.type !== 'notice') return this.byId.get(e.id)?.message(e);
    if (e.kind === 'gap') this.byId.get(e.id)?.gap();
    else if ((e.kind === 'dropped' || e.kind === 'disconnected') && this.violations.length < 10) this.violations.push(`the audit session lost messages (${e.kind})`);
  }
}
