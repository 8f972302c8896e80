import { assertNever } from '../../common/assert-never';
import { Backoff } from '../../common/backoff';
import type { ConnectionHost, ConnectionSettings, Frame, StreamPayload } from './connection-types';
import { Link, type ControlOp, type PingSocket } from './link';
import { Renewal } from './renewal';
import { StreamBook } from './stream-book';
import type { StreamRejection } from './waiters';

/** Longest the old socket keeps delivering, after a renewal, streams that have not moved over. */
const DRAIN_MAX_MS = 5_000;

/**
 * A websocket that keeps a wanted set of streams subscribed: it connects, paces and acknowledges
 * SUBSCRIBE/UNSUBSCRIBE, pings, detects silence, reconnects with backoff and resubscribes, and
 * renews itself before the exchange's lifetime cut-off with no gap and no duplicates.
 *
 * The wanted set is the truth and each socket (`Link`) is reconciled towards it, so after any
 * drop, late reply or refusal the exchange ends up carrying exactly the wanted streams.
 * Subclasses (one per venue) supply the URL and the wire format; see docs/adding-a-venue.md.
 */
export abstract class ManagedConnection {
  protected abstract url(): string;
  /** The SUBSCRIBE/UNSUBSCRIBE message for `streams`; `id` must come back in the reply (see RequestId). */
  protected abstract encode(op: ControlOp, streams: readonly string[], id: number): string;
  protected abstract decode(text: string): Frame;

  /** The keep-alive sent on a quiet socket: a websocket ping; venues that want a text frame override it. */
  protected ping(socket: PingSocket): void {
    socket.ping();
  }

  /** Whether the keep-alive goes every ping interval even while data flows (venues that ask for it). */
  protected get pingsWhenBusy(): boolean {
    return false;
  }

  private status: 'idle' | 'connecting' | 'up' | 'waiting' | 'closed' = 'idle';
  private readonly book: StreamBook;
  private readonly backoff: Backoff;
  private active: Link | undefined;
  private renewal: Renewal | undefined;
  private serial = 0;
  private readonly timers = { tick: none, reconnect: none, renew: none, drain: none };

  constructor(
    protected readonly host: ConnectionHost,
    private readonly settings: ConnectionSettings,
  ) {
    this.backoff = new Backoff(settings.backoff);
    const bookHost = {
      now: () => host.now(),
      setTimeout: (cb: () => void, ms: number) => host.setTimeout(cb, ms),
      guard: <A extends unknown[]>(fn: (...args: A) => void) => this.guard(fn),
      streamDown: (stream: string, reason: string) => host.streamDown(stream, reason),
      streamUp: (stream: string) => host.streamUp(stream),
      retry: () => this.reconcileAll(),
    };
    this.book = new StreamBook(bookHost, settings.subscribeTimeoutMs, settings.backoff.maxMs);
  }

  /** Streams this connection carries or is about to. */
  get size(): number {
    return this.book.wanted.size;
  }

  /** Resolves once every stream is confirmed or refused; lists the refused ones. */
  subscribe(streams: readonly string[]): Promise<StreamRejection[]> {
    if (this.status === 'closed') return Promise.resolve(streams.map((stream) => ({ stream, reason: 'connection closed' })));
    const done = this.book.want(streams, (s) => this.active?.confirmed.has(s) === true);
    if (this.status === 'idle') this.connect();
    this.reconcileAll();
    return done;
  }

  /** Forgets the streams at once (their frames stop); the exchange is told, paced. */
  unsubscribe(streams: readonly string[]): void {
    this.book.drop(streams);
    this.reconcileAll();
  }

  close(): void {
    if (this.status === 'closed') return;
    this.status = 'closed';
    for (const cancel of Object.values(this.timers)) cancel();
    this.book.close();
    this.active?.close();
    this.renewal?.old.close();
    this.renewal?.next.close();
    this.active = this.renewal = undefined;
  }

  /**
   * The venue announced it will close this connection soon (a service upgrade): move to a fresh
   * one now, as a renewal does, so nothing is lost or doubled. Safe to call at any time.
   */
  protected renewNow(): void {
    this.renew();
  }

  /** Turns a callback into one whose throw is reported to the host instead of escaping. */
  protected guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        this.host.fail(error);
      }
    };
  }

  private connect(): void {
    this.status = 'connecting';
    // A venue that limits how fast new sockets may open (per IP) gets them spaced out.
    const wait = this.host.connectSlot?.() ?? 0;
    if (wait > 0) {
      this.timers.reconnect = this.host.setTimeout(this.guard(() => this.open()), wait);
      return;
    }
    this.open();
  }

  private open(): void {
    this.active = this.newLink();
    if (this.timers.tick === none) {
      const s = this.settings;
      const every = Math.max(10, Math.min(1000, Math.floor(Math.min(s.staleTimeoutMs, s.connectTimeoutMs, s.pingIntervalMs) / 4)));
      this.timers.tick = this.host.setInterval(this.guard(() => this.tick()), every);
    }
  }

  private newLink(): Link {
    const deps = {
      now: () => this.host.now(),
      setTimeout: (cb: () => void, ms: number) => this.host.setTimeout(cb, ms),
      guard: <A extends unknown[]>(fn: (...args: A) => void) => this.guard(fn),
      encode: (op: ControlOp, streams: readonly string[], id: number) => this.encode(op, streams, id),
      ping: (socket: PingSocket) => this.ping(socket),
      pingsWhenBusy: this.pingsWhenBusy,
      sent: () => void this.host.counters.controlMessages++,
    };
    const events = {
      opened: (link: Link) => this.opened(link),
      closed: (link: Link, reason: string) => this.lost(link, reason),
      text: (link: Link, text: string) => this.received(link, text),
    };
    return new Link(++this.serial, this.url(), deps, events, this.settings);
  }

  private opened(link: Link): void {
    if (link === this.active) {
      this.status = 'up';
      this.host.logger.info('connected', { url: link.url, link: link.serial, streams: this.size });
      this.armRenewal(this.settings.renewAfterMs);
    }
    this.reconcile(link);
    if (link === this.renewal?.next) this.maybePromote();
  }

  private lost(link: Link, reason: string): void {
    const r = this.renewal;
    if (r && link === r.next && !r.promoted) return this.abandonRenewal(reason);
    if (r && link === r.old && r.promoted) return this.endRenewal();
    if (link !== this.active || this.status === 'closed') return;
    this.active = undefined;
    this.status = this.size === 0 ? 'idle' : 'waiting';
    this.abandonRenewal('the connection it was replacing dropped');
    this.endRenewal();
    this.timers.renew();
    this.host.logger.warn('disconnected', { url: link.url, link: link.serial, reason });
    this.book.lost(link.confirmed, reason);
    if (this.status === 'idle') return;
    const reconnect = (): void => {
      this.host.counters.reconnects++;
      this.connect();
    };
    this.timers.reconnect = this.host.setTimeout(this.guard(reconnect), this.backoff.next());
  }

  private received(link: Link, text: string): void {
    const draining = this.renewal?.promoted === true && link === this.renewal.old;
    if (link !== this.active && link !== this.renewal?.next && !draining) return;
    this.host.counters.framesReceived++;
    const frame = this.decode(text);
    switch (frame.kind) {
      case 'malformed':
        this.host.counters.malformedFrames++;
        return;
      case 'heartbeat':
        return;
      case 'reply': {
        const request = draining ? undefined : link.settle(frame.id, frame.error, frame.streams);
        if (request) this.replied(link, request.op, request.streams, frame.error);
        return;
      }
      case 'data':
        return this.data(link, frame.stream, frame.payload, text);
      default:
        return assertNever(frame);
    }
  }

  private data(link: Link, stream: string, payload: StreamPayload, text: string): void {
    const routed = this.renewal?.route(link, stream, text, payload);
    if (!routed) return this.host.data(stream, payload);
    for (const p of routed) this.host.data(stream, p);
    if (this.renewal?.done(this.book.wanted)) this.endRenewal();
  }

  private replied(link: Link, op: ControlOp, streams: readonly string[], error: string | undefined): void {
    if (link === this.renewal?.next && !this.renewal.promoted) {
      if (error !== undefined) return this.abandonRenewal(`the exchange refused ${op}: ${error}`);
      this.reconcile(link);
      return this.maybePromote();
    }
    if (error === undefined) {
      this.backoff.reset();
      if (op === 'subscribe') for (const s of streams) this.book.confirmed(s);
    } else {
      this.host.logger.warn('request refused', { url: link.url, op, streams: streams.length, error });
      for (const s of streams) this.book.refused(s, op, error);
    }
    this.reconcile(link);
  }

  private reconcileAll(): void {
    this.reconcile(this.active);
    if (this.renewal && !this.renewal.promoted) this.reconcile(this.renewal.next);
  }

  private reconcile(link: Link | undefined): void {
    const now = this.host.now();
    link?.reconcile(this.book.wanted, (s) => this.book.isHeldBack(s, now));
  }

  private tick(): void {
    const now = this.host.now();
    for (const link of new Set([this.active, this.renewal?.old, this.renewal?.next])) {
      if (link?.check(now) === 'stale') this.host.counters.staleReplacements++;
    }
  }

  private armRenewal(ms: number): void {
    this.timers.renew();
    this.timers.renew = this.host.setTimeout(this.guard(() => this.renew()), ms);
  }

  /** Opens the replacement socket; it takes over once it carries everything the old one does. */
  private renew(): void {
    if (this.status !== 'up' || !this.active || this.renewal) return;
    this.host.logger.info('renewing connection', { url: this.active.url, link: this.active.serial });
    this.renewal = new Renewal(this.active, this.newLink());
  }

  private maybePromote(): void {
    const r = this.renewal;
    if (!r || r.promoted || r.old !== this.active || !r.next.covers(r.old, this.book.wanted)) return;
    this.active = r.next;
    this.host.counters.renewals++;
    this.host.logger.info('connection renewed', { url: r.next.url, from: r.old.serial, to: r.next.serial });
    this.armRenewal(this.settings.renewAfterMs);
    for (const frame of r.promote()) this.host.data(frame.stream, frame.value);
    for (const s of r.next.confirmed) this.book.confirmed(s);
    this.reconcile(r.next);
    if (r.done(this.book.wanted)) return this.endRenewal();
    this.timers.drain = this.host.setTimeout(this.guard(() => this.endRenewal()), DRAIN_MAX_MS);
  }

  /** The old socket has drained (or must stop now): close it. */
  private endRenewal(): void {
    const r = this.renewal;
    if (!r?.promoted) return;
    this.renewal = undefined;
    this.timers.drain();
    for (const frame of r.finish()) this.host.data(frame.stream, frame.value);
    this.host.counters.duplicateFrames += r.duplicates;
  }

  /** The replacement failed before taking over; the old socket never stopped delivering. */
  private abandonRenewal(reason: string): void {
    const r = this.renewal;
    if (!r || r.promoted) return;
    this.renewal = undefined;
    r.next.close();
    this.host.logger.warn('renewal abandoned', { url: r.next.url, link: r.next.serial, reason });
    if (this.status === 'up') this.armRenewal(this.settings.backoff.maxMs);
  }
}

function none(): void {}
