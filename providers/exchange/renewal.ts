import type { StreamPayload } from './connection-types';
import { Handover } from './handover';
import type { Link } from './link';

/**
 * A connection's socket being replaced. `old` keeps delivering while `next` subscribes; once `next`
 * carries everything (`promote`) it becomes the active socket and `old` drains until every stream
 * has moved over (see Handover), then `finish` closes it.
 */
export class Renewal {
  private readonly handover = new Handover<StreamPayload>();
  private promotedAt: ReadonlySet<string> | undefined;

  constructor(
    readonly old: Link,
    readonly next: Link,
  ) {}

  get promoted(): boolean {
    return this.promotedAt !== undefined;
  }

  /** What to deliver for a data frame from `link`; undefined when the link plays no part. */
  route(link: Link, stream: string, text: string, payload: StreamPayload): StreamPayload[] | undefined {
    if (link === this.old) return this.handover.fromOld(stream, text, payload);
    if (link === this.next) return this.handover.fromNew(stream, text, payload);
    return undefined;
  }

  promote(): { stream: string; value: StreamPayload }[] {
    this.promotedAt = new Set(this.old.confirmed);
    return this.handover.promote(this.promotedAt);
  }

  /** Whether every wanted stream has moved over to the new socket. */
  done(wanted: ReadonlySet<string>): boolean {
    return this.promoted && this.handover.movedOver(wanted);
  }

  /** Ends the overlap and closes the old socket; returns what is left to deliver. */
  finish(): { stream: string; value: StreamPayload }[] {
    const out = this.handover.finish();
    this.old.close();
    return out;
  }

  /** Frames both sockets delivered, delivered once. */
  get duplicates(): number {
    return this.handover.duplicates;
  }
}
