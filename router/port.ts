import type { MessageEnvelope } from '../common/envelope';
import { ENVELOPE_OVERHEAD_BYTES } from '../common/payload-size';

/**
 * The router's intake. Producers push into a plain array; the router actor gets at most one
 * wake message in its mailbox at a time and takes everything that built up as one batch
 * (NACT-NOTES: coalescing beats per-message dispatch and fixed-size batches).
 */
export class RouterPort {
  private pending: MessageEnvelope[] = [];
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
    if (this.pending.length > 0) {
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
  }
}
