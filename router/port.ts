import type { MessageEnvelope } from '../common/envelope';

/**
 * The router's intake. Producers push into a plain array; the router actor gets at most one
 * wake message in its mailbox at a time and takes everything that built up as one batch
 * (NACT-NOTES: coalescing beats per-message dispatch and fixed-size batches).
 */
export class RouterPort {
  private pending: MessageEnvelope[] = [];
  private spare: MessageEnvelope[] = [];
  private woken = false;
  private wake: (() => void) | null = null;
  /** Messages lost to a router crash: past the bound while it restarted, or in the batch it died on. */
  dropped = 0;

  constructor(
    /** How many messages may wait while the router restarts. */
    private readonly maxPendingWhileDown = 65_536,
  ) {}

  push(msg: MessageEnvelope): void {
    if (this.wake === null) {
      if (this.pending.length >= this.maxPendingWhileDown) {
        this.dropped++;
        return;
      }
      this.pending.push(msg);
      return;
    }
    this.pending.push(msg);
    if (!this.woken) {
      this.woken = true;
      this.wake();
    }
  }

  /** Takes the batch; the caller must be done with it before the next `take`. */
  take(): MessageEnvelope[] {
    const batch = this.pending;
    this.pending = this.spare;
    this.spare = batch;
    this.woken = false;
    return batch;
  }

  /** Called once the batch from `take` has been routed, so its array can be reused. */
  release(batch: MessageEnvelope[]): void {
    batch.length = 0;
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
    this.pending.length = 0;
    this.spare.length = 0;
  }
}
