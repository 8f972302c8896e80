import type { JsonValue } from '../../../common/json';
import type { Identifier } from '../../../router/identifier';
import type { Normalizer } from '../normalize';
import { BookKeeper, type BookKeeperHost } from './book-keeper';
import type { OrderBook } from './order-book';
import type { BookCounters } from './resync';
import type { Sequencer } from './sequencers';

/** What a venue adds to keep `<symbol>.book` streams (see docs/adding-a-venue.md). */
export interface BookVenue {
  sequencer(): Sequencer;
  /** The venue's checksum over a book, when its messages carry one (OKX). */
  readonly checksum?: (book: OrderBook) => number;
  /**
   * Hands one message of the book's venue stream to the keeper (`snapshot` or `delta`).
   * Returns false when it does not have the venue's shape (counted, nothing applied).
   */
  push(message: JsonValue, keeper: BookKeeper): boolean;
  /**
   * Out-of-band venues: fetch a snapshot of `id`'s book and give it to `keeper.snapshot` with
   * `ticket` (or `keeper.snapshotFailed(ticket)`). In-band venues leave this out: the provider
   * resubscribes the stream and the venue sends its snapshot on it.
   */
  fetch?(id: Identifier, ticket: number, keeper: BookKeeper, timers: BookTimers): void;
}

/** Time as the provider keeps it (its context's clock and timers). */
export type BookTimers = Pick<BookKeeperHost, 'now' | 'setTimeout'>;

/** What a book stream needs from its provider. */
export interface BookStreamHost extends Omit<BookKeeperHost, 'requestSnapshot'> {
  /**
   * Unsubscribe and subscribe the venue stream again, for an in-band venue's new snapshot; on a
   * refusal, `keeper.snapshotFailed(ticket)`.
   */
  resubscribe(ticket: number, keeper: BookKeeper): void;
}

/**
 * One `<symbol>.book` identifier: the venue stream's messages go to a BookKeeper, which emits
 * the book's snapshot and changes. It sits in the provider's stream routes as the identifier's
 * normalizer; `reset` (the stream broke, the provider already sent the gap) drops the book.
 */
export class BookStream implements Normalizer {
  readonly keeper: BookKeeper;

  constructor(
    private readonly venue: BookVenue,
    id: Identifier,
    host: BookStreamHost,
    counters: BookCounters,
  ) {
    const fetch = venue.fetch?.bind(venue);
    this.keeper = new BookKeeper(
      {
        ...host,
        requestSnapshot: fetch ? (ticket) => fetch(id, ticket, this.keeper, host) : (ticket) => host.resubscribe(ticket, this.keeper),
      },
      { sequencer: venue.sequencer(), counters, checksum: venue.checksum },
    );
    // An in-band snapshot follows the subscribe's ack at once, before the subscribe call returns.
    if (!fetch) this.keeper.start();
  }

  push(message: JsonValue): boolean {
    return this.venue.push(message, this.keeper);
  }

  reset(): void {
    this.keeper.interrupted(false);
  }
}
