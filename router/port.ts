import type { MessageEnvelope, Notice } from '../common/envelope';
import { ENVELOPE_OVERHEAD_BYTES } from '../common/payload-size';

export type GapNotice = Notice & { readonly kind: 'gap' };

/** A gap notice and the position in the pending batch it goes before. */
export interface PortMark {
  readonly at: number;
  readonly notice: GapNotice;
}

const NO_MARKS: readonly PortMark[] = Object.freeze([]);

/**
 * The router's intake. Producers push into a plain array; the router actor gets at most one
 * wake message in its mailbox at a time and takes everything that built up as one batch
 * (a nact dispatch per message costs a setImmediate each; coalescing beat both that and fixed-size batches).
 */
export class RouterPort {
  private pending: MessageEnvelope[] = [];
  /** Gap notices in order with the pending messages; almost always empty. */
  private marks: PortMark[] = [];
  /** Streams that lost messages while no router took them: each gets a gap notice. */
  private lostWhileDown = new Set<string>();
  private woken = false;
  /** Bytes waiting while the router is down (by the messages' `size`). */
  private pendingBytes = 0;
  private wake: (() => void) | null = null;
  /** Messages lost to a router crash: past the bound while it restarted, or in the batch it died on. */
  dropped = 0;

  constructor(
    /** How many messages may wait while the router restarts. */
    private readonly maxPendingWhileDown = 65_536,
    /** And how many bytes: large payloads must not fill memory during a restart. */
    private readonly maxPendingBytesWhileDown = 64 * 1_048_576,
  ) {}

  push(msg: MessageEnvelope): void {
    if (this.wake === null) {
      const size = msg.size ?? ENVELOPE_OVERHEAD_BYTES;
      if (this.pending.length >= this.maxPendingWhileDown || this.pendingBytes + size > this.maxPendingBytesWhileDown) {
        this.dropped++;
        this.lostWhileDown.add(msg.id);
        return;
      }
      this.pendingBytes += size;
      this.pending.push(msg);
      return;
    }
    this.pending.push(msg);
    if (!this.woken) {
      this.woken = true;
      this.wake();
    }
  }

  /** A gap notice for the sessions receiving `notice.id`, after the messages pushed so far. */
  gap(notice: GapNotice): void {
    if (this.wake === null && this.marks.length >= this.maxPendingWhileDown) {
      this.lostWhileDown.add(notice.id);
      return;
    }
    this.marks.push({ at: this.pending.length, notice });
    if (this.wake !== null && !this.woken) {
      this.woken = true;
      this.wake();
    }
  }

  /** The router died on these messages: their streams get gap notices before anything newer. */
  lost(ids: Iterable<string>): void {
    const front: PortMark[] = [];
    for (const id of new Set(ids)) front.push({ at: 0, notice: { type: 'notice', kind: 'gap', id, reason: 'router-restart' } });
    if (front.length > 0) this.marks = [...front, ...this.marks];
  }

  /** Takes the gap marks of the batch `take` returns next; call it just before `take`. */
  takeMarks(): readonly PortMark[] {
    if (this.marks.length === 0) return NO_MARKS;
    const marks = this.marks;
    this.marks = [];
    return marks;
  }

  /**
   * Hands the batch over for good: the array is never touched again here, so the router may
   * give it, unchanged, to every session that wants all of it.
   */
  take(): readonly MessageEnvelope[] {
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.woken = false;
    return batch;
  }

  /** A router incarnation comes up: messages flow to it from now on. */
  connect(wake: () => void): void {
    this.wake = wake;
    this.woken = false;
    for (const id of this.lostWhileDown) this.marks.push({ at: this.pending.length, notice: { type: 'notice', kind: 'gap', id, reason: 'router-restart' } });
    this.lostWhileDown.clear();
    if (this.pending.length > 0 || this.marks.length > 0) {
      this.woken = true;
      wake();
    }
  }

  /** The router went down: messages wait (bounded) for the next incarnation. */
  disconnect(): void {
    this.wake = null;
    this.woken = false;
  }

  /** The service stops: whatever waits is discarded. */
  close(): void {
    this.disconnect();
    this.pending = [];
    this.pendingBytes = 0;
    this.marks = [];
    this.lostWhileDown.clear();
  }
}
