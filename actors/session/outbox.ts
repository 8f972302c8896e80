import { assertNever } from '../../common/assert-never';
import type { Envelope, MessageEnvelope, Notice } from '../../common/envelope';
import { ENVELOPE_OVERHEAD_BYTES } from '../../common/payload-size';
import type { OverflowPolicy } from '../../common/service-types';
import type { ByteBudget } from './byte-budget';
import { Ring } from './ring';

/** Where a session's envelopes go: the subscribers of its client's Observable. */
export interface OutboxSink {
  next(envelope: Envelope): void;
  complete(): void;
}

/** Notices are never dropped, but a flapping provider must not grow memory without bound. */
const MAX_NOTICES = 10_000;
const MAX_NOTICE_BYTES = 1_048_576;

/** What a message costs: its size, known since the service took it in. */
function costOf(msg: MessageEnvelope): number {
  return msg.size ?? ENVELOPE_OVERHEAD_BYTES;
}

/** A notice's rough cost: its strings (an `unbound` notice lists patterns) plus a fixed part. */
function noticeCost(notice: Notice): number {
  let n = ENVELOPE_OVERHEAD_BYTES;
  for (const value of Object.values(notice)) {
    if (typeof value === 'string') n += value.length;
    else if (Array.isArray(value)) for (const item of value as readonly string[]) n += item.length + 3;
  }
  return n;
}

/**
 * A session's bounded out-buffer (ARCHITECTURE.md, hop 3). The router offers messages straight into it; the
 * session actor drains it to the client when the client can take them. It outlives session
 * actor incarnations so a restart loses nothing.
 */
export class Outbox {
  private readonly ring = new Ring<MessageEnvelope>();
  /** Notices with the ring position they go before. */
  private notices: { at: number; notice: Notice; cost: number }[] = [];
  private noticeBytes = 0;
  /** Bytes of the messages held (by their `size`); bounded by `maxBytes` and the shared budget. */
  private held = 0;
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
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly budget?: ByteBudget,
  ) {}

  /** The out-buffer bound in messages. */
  get limit(): number {
    return this.capacity;
  }

  get size(): number {
    return this.ring.size;
  }

  /** Bytes of the messages buffered now. */
  get bytes(): number {
    return this.held;
  }

  /** Whether `cost` more bytes fit both this buffer's bound and the service-wide budget. */
  private fits(cost: number): boolean {
    return this.held + cost <= this.maxBytes && (this.budget === undefined || this.budget.fits(cost));
  }

  private take(cost: number): void {
    this.held += cost;
    if (this.budget !== undefined) this.budget.used += cost;
  }

  private give(cost: number): void {
    this.held -= cost;
    if (this.budget !== undefined) this.budget.used -= cost;
  }

  /** Takes the head message out of the ring, giving its bytes back. */
  private shiftMessage(): MessageEnvelope | undefined {
    const msg = this.ring.shift();
    if (msg !== undefined) this.give(costOf(msg));
    return msg;
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
    const cost = costOf(msg);
    if ((this.ring.size >= this.capacity || !this.fits(cost)) && !this.overflow(msg, cost)) return;
    if (this.latest !== null) this.latest.set(msg.id, this.ring.tail);
    this.ring.push(msg);
    this.take(cost);
    if (!this.flushRequested && this.hasDemand) this.requestFlush();
  }

  /**
   * The hot path for a session that matches a whole router batch: the same as offering each
   * message in turn, but when all of it fits and no per-message policy applies (conflate), the
   * batch is held as one shared slot, not copied. `batch` must never change afterwards; `bytes`
   * is the sum of its messages' sizes (the router adds them up once for every session).
   */
  offerAll(batch: readonly MessageEnvelope[], bytes: number): void {
    if (this.latest !== null || this.ring.size + batch.length > this.capacity || !this.fits(bytes)) {
      for (let i = 0; i < batch.length; i++) this.offer(batch[i]);
      return;
    }
    this.ring.pushAll(batch);
    this.take(bytes);
    if (!this.flushRequested && this.hasDemand) this.requestFlush();
  }

  notice(notice: Notice): void {
    const cost = noticeCost(notice);
    while (this.notices.length > 0 && (this.notices.length >= MAX_NOTICES || this.noticeBytes + cost > MAX_NOTICE_BYTES)) {
      this.noticeBytes -= this.notices.shift()!.cost;
    }
    this.notices.push({ at: this.ring.tail, notice, cost });
    this.noticeBytes += cost;
    if (!this.flushRequested && this.hasDemand) this.requestFlush();
  }

  /**
   * Envelopes delivered to a client that could not pass them on: messages become drops (the
   * next `dropped` notice announces them), notices go back to the head of the queue.
   */
  undelivered(envelopes: readonly Envelope[]): void {
    const back: { at: number; notice: Notice; cost: number }[] = [];
    for (const envelope of envelopes) {
      if (envelope.type === 'message') {
        this.delivered--;
        this.countDrop();
      } else if (envelope.kind === 'dropped') this.pendingDrops += envelope.count;
      else back.push({ at: this.ring.head, notice: envelope, cost: noticeCost(envelope) });
    }
    for (const entry of back) this.noticeBytes += entry.cost;
    this.notices = [...back, ...this.notices];
    this.requestFlushIfReady();
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
        const next = this.notices.shift()!;
        this.noticeBytes -= next.cost;
        this.emit(next.notice);
        continue;
      }
      const msg = this.shiftMessage();
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
    this.give(this.held);
    this.notices = [];
    this.noticeBytes = 0;
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

  /** Makes room for `msg` (of `cost` bytes) under the policy; false when `msg` itself is dropped. */
  private overflow(msg: MessageEnvelope, cost: number): boolean {
    switch (this.policy) {
      case 'drop-newest':
        this.countDrop();
        return false;
      case 'drop-oldest':
        return this.makeRoom(cost);
      case 'conflate': {
        const pos = this.latest?.get(msg.id);
        const old = pos === undefined ? undefined : this.ring.at(pos);
        if (pos !== undefined && old !== undefined && this.fits(cost - costOf(old))) {
          this.ring.replace(pos, msg);
          this.give(costOf(old));
          this.take(cost);
          this.countDrop();
          if (!this.flushRequested && this.hasDemand) this.requestFlush();
          return false;
        }
        return this.makeRoom(cost);
      }
      case 'disconnect':
        this.countDrop();
        if (this.attached) this.onSlowClient();
        return false;
      default:
        return assertNever(this.policy);
    }
  }

  /**
   * Drops the oldest messages until one more of `cost` bytes fits; when it cannot fit even in an
   * empty buffer (larger than the bound, or the shared budget is held by others), it is the one
   * dropped. Every message that goes is counted.
   */
  private makeRoom(cost: number): boolean {
    do this.dropOldest();
    while (this.ring.size > 0 && (this.ring.size >= this.capacity || !this.fits(cost)));
    if (this.fits(cost)) return true;
    this.countDrop();
    return false;
  }

  private dropOldest(): void {
    if (this.ring.size === 0) return;
    const head = this.ring.head;
    const old = this.shiftMessage();
    if (old !== undefined && this.latest !== null && this.latest.get(old.id) === head) this.latest.delete(old.id);
    this.countDrop();
  }

  private countDrop(): void {
    this.pendingDrops++;
    this.dropped++;
  }
}
