import type { Envelope, MessageEnvelope, Notice } from '../../common/envelope';
import type { OverflowPolicy } from '../../common/service-types';
import { Ring } from './ring';

/** Where a session's envelopes go: the subscribers of its client's Observable. */
export interface OutboxSink {
  next(envelope: Envelope): void;
  complete(): void;
}

/** Notices are never dropped, but a flapping provider must not grow memory without bound. */
const MAX_NOTICES = 10_000;

/**
 * A session's bounded out-buffer (SPEC §9). The router offers messages straight into it; the
 * session actor drains it to the client when the client can take them. It outlives session
 * actor incarnations so a restart loses nothing.
 */
export class Outbox {
  private readonly ring = new Ring<MessageEnvelope>();
  /** Notices with the ring position they go before. */
  private notices: { at: number; notice: Notice }[] = [];
  /** conflate only: ring position of the newest message per identifier. */
  private latest: Map<string, number> | null = null;
  private sinks: OutboxSink[] = [];
  private attached = false;
  private paused = false;
  private flushRequested = false;
  private pendingDrops = 0;
  dropped = 0;
  delivered = 0;
  /** Router scratch (RouteTarget): the batch being routed, and how many of its messages match. */
  routeMark = 0;
  routeHits = 0;

  constructor(
    private capacity: number,
    private policy: OverflowPolicy,
    /** Asks the session actor for a flush turn. */
    public wake: () => void,
    /** `disconnect` policy tripped: the owner detaches the client. */
    public onSlowClient: () => void,
  ) {}

  /** The out-buffer bound in messages. */
  get limit(): number {
    return this.capacity;
  }

  get size(): number {
    return this.ring.size;
  }

  get isAttached(): boolean {
    return this.attached;
  }

  private get hasDemand(): boolean {
    return this.attached && !this.paused && this.sinks.length > 0;
  }

  /** Bound and policy come from the client that attaches; they stay for buffering after detach. */
  setLimits(capacity: number, policy: OverflowPolicy): void {
    this.capacity = capacity;
    this.policy = policy;
    this.latest = null;
    if (policy === 'conflate') {
      this.latest = new Map();
      const latest = this.latest;
      this.ring.forEach((msg, pos) => latest.set(msg.id, pos));
    }
    while (this.ring.size > capacity) this.dropOldest();
  }

  /** The hot path: called by the router for every matching message. */
  offer(msg: MessageEnvelope): void {
    if (this.ring.size >= this.capacity && !this.overflow(msg)) return;
    if (this.latest !== null) this.latest.set(msg.id, this.ring.tail);
    this.ring.push(msg);
    if (!this.flushRequested && this.hasDemand) this.requestFlush();
  }

  /**
   * The hot path for a session that matches a whole router batch: the same as offering each
   * message in turn, but when all of it fits and no per-message policy applies (conflate), the
   * batch is held as one shared slot, not copied. `batch` must never change afterwards.
   */
  offerAll(batch: readonly MessageEnvelope[]): void {
    if (this.latest !== null || this.ring.size + batch.length > this.capacity) {
      for (let i = 0; i < batch.length; i++) this.offer(batch[i]);
      return;
    }
    this.ring.pushAll(batch);
    if (!this.flushRequested && this.hasDemand) this.requestFlush();
  }

  notice(notice: Notice): void {
    if (this.notices.length >= MAX_NOTICES) this.notices.shift();
    this.notices.push({ at: this.ring.tail, notice });
    if (!this.flushRequested && this.hasDemand) this.requestFlush();
  }

  /** Delivers what is buffered while the client has demand. Run by the session actor. */
  flush(): void {
    this.flushRequested = false;
    if (this.pendingDrops > 0 && this.hasDemand) {
      const count = this.pendingDrops;
      this.pendingDrops = 0;
      this.emit({ type: 'notice', kind: 'dropped', count, total: this.dropped });
    }
    while (this.hasDemand) {
      const head = this.ring.head;
      if (this.notices.length > 0 && this.notices[0].at <= head) {
        this.emit(this.notices.shift()!.notice);
        continue;
      }
      const msg = this.ring.shift();
      if (msg === undefined) break;
      if (this.latest !== null && this.latest.get(msg.id) === head) this.latest.delete(msg.id);
      this.delivered++;
      this.emit(msg);
    }
  }

  attach(): void {
    this.attached = true;
    this.paused = false;
  }

  /** Completes every subscriber; buffering goes on until the next attach. */
  detach(finalNotice?: Notice): void {
    const sinks = this.sinks;
    this.sinks = [];
    this.attached = false;
    for (const sink of sinks) {
      if (finalNotice) sink.next(finalNotice);
      sink.complete();
    }
  }

  addSink(sink: OutboxSink): void {
    this.sinks = [...this.sinks, sink];
    this.requestFlushIfReady();
  }

  removeSink(sink: OutboxSink): void {
    this.sinks = this.sinks.filter((s) => s !== sink);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.requestFlushIfReady();
  }

  /** After a session actor restart the old incarnation's flush request died with it. */
  resetWake(): void {
    this.flushRequested = false;
    this.requestFlushIfReady();
  }

  /** Forgets everything; for a closed session. */
  clear(): void {
    this.ring.clear();
    this.notices = [];
    this.latest?.clear();
  }

  private requestFlushIfReady(): void {
    if (!this.flushRequested && this.hasDemand && (this.ring.size > 0 || this.notices.length > 0 || this.pendingDrops > 0)) {
      this.requestFlush();
    }
  }

  private requestFlush(): void {
    this.flushRequested = true;
    this.wake();
  }

  private emit(envelope: Envelope): void {
    // Sinks are rxjs subscribers: errors in user callbacks are reported by rxjs, never thrown here.
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].next(envelope);
  }

  /** Makes room for `msg` under the policy; false when `msg` itself is dropped. */
  private overflow(msg: MessageEnvelope): boolean {
    switch (this.policy) {
      case 'drop-newest':
        this.countDrop();
        return false;
      case 'drop-oldest':
        this.dropOldest();
        return true;
      case 'conflate': {
        const pos = this.latest?.get(msg.id);
        if (pos !== undefined) {
          this.ring.replace(pos, msg);
          this.countDrop();
          if (!this.flushRequested && this.hasDemand) this.requestFlush();
          return false;
        }
        this.dropOldest();
        return true;
      }
      case 'disconnect':
        this.countDrop();
        if (this.attached) this.onSlowClient();
        return false;
    }
  }

  private dropOldest(): void {
    const head = this.ring.head;
    const old = this.ring.shift();
    if (old !== undefined && this.latest !== null && this.latest.get(old.id) === head) this.latest.delete(old.id);
    this.countDrop();
  }

  private countDrop(): void {
    this.pendingDrops++;
    this.dropped++;
  }
}
