import type { MessageEnvelope } from '../../common/envelope';
import type { BookPayload } from '../../common/market';
import { parseIdentifier } from '../../router/identifier';
import { BookReplica } from '../../testkit/book-replica';
import { BookHistory } from './book-history';
import type { SoakBookVenue } from './book-venues';

/** Comparisons of a client's book with the venue's: equal, given up (the book was resyncing, or its time is past the history), unequal. */
export interface CheckCounts {
  equal: number;
  skipped: number;
  unequal: number;
}

/** What one venue went through and what its books' audit found (plain numbers). */
export interface VenueBookFacts {
  readonly venue: string;
  readonly breaks: number;
  readonly drops: number;
  readonly gaps: number;
  readonly resyncs: number;
  /** At quiet points (the venue held still) and after the chaos. */
  readonly quiet: CheckCounts;
  /** Every snapshot the audit session received (the first, and each resync), against the venue's book at the snapshot's event time. */
  readonly snapshots: CheckCounts;
  readonly crossedOrEarly: number;
}

const MAX_FINDINGS = 10;

/**
 * One book stream as the audit session rebuilds it (`BookReplica`) beside the venue's recent
 * states (`BookHistory`): never crossed, no change before a snapshot, after a `gap` a `resync`
 * snapshot before any change, and each snapshot equal to the venue's book when it was taken.
 */
export class AuditedBook {
  readonly id: string;
  readonly replica = new BookReplica();
  private readonly history = new BookHistory();
  /** A gap came and no snapshot since. */
  broken = false;
  gaps = 0;
  resyncs = 0;

  constructor(
    readonly venue: SoakBookVenue,
    readonly symbol: string,
    private readonly snapshots: CheckCounts,
    private readonly findings: string[],
  ) {
    this.id = parseIdentifier(`${venue.name}::${symbol}.book`).canonical;
    this.record();
  }

  /** The venue's book changed (a delta sent or lost): remember it with the venue's time. */
  record(): void {
    this.history.record(this.venue.now(), this.venue.levels(this.symbol));
  }

  /** The client's book equals the venue's now. */
  equal(): boolean {
    return JSON.stringify(this.replica.levels()) === JSON.stringify(this.venue.levels(this.symbol));
  }

  get crossedOrEarly(): number {
    return this.replica.crossedSeen + this.replica.changeBeforeSnapshot;
  }

  /** A `gap` notice naming this stream: the book is lost until a resync snapshot. */
  gap(): void {
    this.gaps++;
    this.broken = true;
  }

  /** One message of this stream. */
  message(e: MessageEnvelope): void {
    const payload = e.payload as unknown as BookPayload;
    if (this.broken) {
      if (payload.type === 'change') return this.find(`${e.id} seq ${e.seq}: a change after a gap, before the resync snapshot`);
      this.broken = false;
      this.resyncs++;
    }
    const before = this.crossedOrEarly;
    this.replica.apply(payload);
    if (this.crossedOrEarly > before) {
      this.find(`${e.id} seq ${e.seq}${e.state === true ? ' (state)' : ''}: ${this.replica.crossedSeen > 0 ? 'crossed' : 'a change before any snapshot'} after ${payload.type}`);
    }
    if (payload.type === 'snapshot') this.checkSnapshot(e, payload.resync === true);
  }

  /**
   * The venue was at a known state when it made this snapshot: the one its event time names. A
   * `state` message (the book as the provider held it when the session joined) has no event
   * time: it must be one of the venue's recent states.
   */
  private checkSnapshot(e: MessageEnvelope, resync: boolean): void {
    const verdict = this.history.match(e.state === true ? 'any' : e.eventTs, this.replica.levels(), this.venue.catchesUp);
    if (verdict === 'equal') this.snapshots.equal++;
    else if (verdict === 'unknown') this.snapshots.skipped++;
    else {
      this.snapshots.unequal++;
      this.find(`${e.id} seq ${e.seq}: the ${resync ? 'resync ' : ''}snapshot differs from the venue's book at its event time ${e.eventTs ?? '(none)'}`);
    }
  }

  private find(text: string): void {
    if (this.findings.length < MAX_FINDINGS) this.findings.push(text);
  }
}
